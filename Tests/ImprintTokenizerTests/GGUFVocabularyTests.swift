import Foundation
import ImprintFormats
import XCTest
@testable import ImprintTokenizer

/// Real GGUF vocabularies against ids recorded with HF `tokenizers` (Fixtures/make_vocabulary_fixtures.py), and
/// llama.cpp's own `.inp`/`.out` vectors.
final class GGUFVocabularyTests: XCTestCase {
    /// Compares every recorded text; reports each mismatch with its text.
    /// With `lossless` (byte-level vocabularies without a normalizer), decoding must also give back every text
    /// code point for code point.
    func check(_ name: String, gguf relativePath: String, script: String, lossless: Bool = false) throws {
        let tokenizer = try TestResources.ggufTokenizer(relativePath, fetchedBy: script)
        let expected = try TestResources.json(RecordedEncodings.self, "expected/\(name).json")
        var identical = 0
        for (index, text) in expected.texts.enumerated() {
            let ids = tokenizer.encode(text, addSpecialTokens: false)
            XCTAssertEqual(ids, expected.ids[index], "\(name): ids of \(text.debugDescription)")
            XCTAssertEqual(tokenizer.encode(text), expected.ids_with_special[index], "\(name): ids with special tokens of \(text.debugDescription)")
            XCTAssertEqual(tokenizer.decode(expected.ids[index]), expected.decoded[index], "\(name): decode of \(text.debugDescription)")
            XCTAssertEqual(tokenizer.decode(expected.ids[index], skipSpecialTokens: true), expected.decoded_skipping_special[index],
                           "\(name): decode skipping special tokens of \(text.debugDescription)")
            if ids == expected.ids[index] { identical += 1 }
            if lossless {
                XCTAssertEqual(tokenizer.decode(ids).unicodeScalars.map(\.value), text.unicodeScalars.map(\.value),
                               "\(name): decode(encode(\(text.debugDescription)))")
            }
        }
        print("\(name): \(identical)/\(expected.texts.count) texts identical")
    }

    /// `check` on llama.cpp's `ggml-vocab-NAME.gguf` (scripts/fetch-test-vocabularies.sh).
    func checkLlamaCpp(_ name: String, lossless: Bool = false) throws {
        try check(name, gguf: "llama-cpp-vocab/ggml-vocab-\(name).gguf", script: "scripts/fetch-test-vocabularies.sh", lossless: lossless)
    }

    func testDefaultModelSmolLM2() throws {
        try check("smollm2-135m-instruct", gguf: "models/SmolLM2-135M-Instruct.Q4_1.gguf", script: "scripts/fetch-default-model.sh", lossless: true)
    }

    func testGPT2() throws {
        try checkLlamaCpp("gpt-2", lossless: true)
    }

    func testLlama3() throws {
        try checkLlamaCpp("llama-bpe", lossless: true)
    }

    func testQwen2() throws {
        try checkLlamaCpp("qwen2")
    }

    func testLlamaSentencePiece() throws {
        try checkLlamaCpp("llama-spm")
    }

    func testPhi3SentencePiece() throws {
        try checkLlamaCpp("phi-3")
    }

    func testStarCoderDigits() throws {
        try checkLlamaCpp("starcoder", lossless: true)
    }

    func testRefactDigits() throws {
        try checkLlamaCpp("refact", lossless: true)
    }

    func testCommandR() throws {
        try checkLlamaCpp("command-r")
    }

    /// DeepSeek's byte-level vocabularies lack some byte tokens (HF drops those bytes too), so they are not lossless.
    func testDeepSeekCoder() throws {
        try checkLlamaCpp("deepseek-coder")
    }

    func testDeepSeekLLM() throws {
        try checkLlamaCpp("deepseek-llm")
    }

    func testFalcon() throws {
        try checkLlamaCpp("falcon", lossless: true)
    }

    func testMPT() throws {
        try checkLlamaCpp("mpt")
    }

    func testQwen35() throws {
        try checkLlamaCpp("qwen35", lossless: true)
    }

    func testGemma4() throws {
        try checkLlamaCpp("gemma-4")
    }

    func testBertWordPiece() throws {
        try checkLlamaCpp("bert-bge")
    }

    /// SentencePiece Unigram (`t5`) with XLM-R's precompiled charsmap; the corpus plus the llama-spm and bert-bge
    /// `.inp` texts (llama.cpp itself agrees with the recorded ids on all of them, see make_vocabulary_fixtures.py).
    func testNomicBertMoEUnigram() throws {
        try checkLlamaCpp("nomic-bert-moe")
        let tokenizer = try TestResources.ggufTokenizer("llama-cpp-vocab/ggml-vocab-nomic-bert-moe.gguf", fetchedBy: "scripts/fetch-test-vocabularies.sh")
        let expected = try TestResources.json(RecordedEncodings.self, "expected/nomic-bert-moe.json")
        let normalized = try XCTUnwrap(expected.normalized)
        for (text, reference) in zip(expected.texts, normalized) {
            XCTAssertEqual(tokenizer.normalizer?.apply(text).unicodeScalars.map(\.value), reference.unicodeScalars.map(\.value),
                           "nomic-bert-moe: normalization of \(text.debugDescription)")
        }
        // XLM-R: BOS and EOS around the ids, `<mask>` swallows the space on its left.
        XCTAssertEqual(tokenizer.encode("Hello world"), [0, 35378, 8999, 2])
        XCTAssertEqual(tokenizer.encode("a <mask>", addSpecialTokens: false), tokenizer.encode("a", addSpecialTokens: false) + [250001])
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("Hello world"), skipSpecialTokens: true), "Hello world")
    }

    /// A vocabulary piece that begins with U+FEFF is that piece, not byte fallback (the GGUF string keeps it).
    func testByteOrderMarkPieces() throws {
        let llama = try TestResources.ggufTokenizer("llama-cpp-vocab/ggml-vocab-llama-spm.gguf", fetchedBy: "scripts/fetch-test-vocabularies.sh")
        XCTAssertEqual(llama.idToToken(30143)?.unicodeScalars.map(\.value), [0xFEFF])
        XCTAssertTrue(llama.encode("joiner\u{FEFF}bom", addSpecialTokens: false).contains(30143))
        let gemma = try TestResources.ggufTokenizer("llama-cpp-vocab/ggml-vocab-gemma-4.gguf", fetchedBy: "scripts/fetch-test-vocabularies.sh")
        XCTAssertEqual(gemma.idToToken(135260)?.unicodeScalars.map(\.value), [0xFEFF, 0x2F, 0x2F])
        XCTAssertEqual(gemma.encode("\u{FEFF}//", addSpecialTokens: false), [135260])
        XCTAssertNotEqual(gemma.encode("//", addSpecialTokens: false), [135260])
    }

    /// An unknown `tokenizer.ggml.pre` is a typed error naming the file and the key.
    func testUnknownPreTokenizerIsTypedError() throws {
        XCTAssertThrowsError(try GGUFBytePairFamily("no-such-pre", file: "x.gguf")) { error in
            XCTAssertEqual(error as? TokenizerError,
                           .unsupportedType(file: "x.gguf", field: "tokenizer.ggml.pre", type: "no-such-pre"))
        }
    }
}
