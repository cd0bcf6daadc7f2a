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

    func testDefaultModelSmolLM2() throws {
        try check("smollm2-135m-instruct", gguf: "models/SmolLM2-135M-Instruct.Q4_1.gguf", script: "scripts/fetch-default-model.sh", lossless: true)
    }

    func testGPT2() throws {
        try check("gpt-2", gguf: "llama-cpp-vocab/ggml-vocab-gpt-2.gguf", script: "scripts/fetch-test-vocabularies.sh", lossless: true)
    }

    func testLlama3() throws {
        try check("llama-bpe", gguf: "llama-cpp-vocab/ggml-vocab-llama-bpe.gguf", script: "scripts/fetch-test-vocabularies.sh", lossless: true)
    }

    func testQwen2() throws {
        try check("qwen2", gguf: "llama-cpp-vocab/ggml-vocab-qwen2.gguf", script: "scripts/fetch-test-vocabularies.sh")
    }

    func testLlamaSentencePiece() throws {
        try check("llama-spm", gguf: "llama-cpp-vocab/ggml-vocab-llama-spm.gguf", script: "scripts/fetch-test-vocabularies.sh")
    }

    func testPhi3SentencePiece() throws {
        try check("phi-3", gguf: "llama-cpp-vocab/ggml-vocab-phi-3.gguf", script: "scripts/fetch-test-vocabularies.sh")
    }

    func testStarCoderDigits() throws {
        try check("starcoder", gguf: "llama-cpp-vocab/ggml-vocab-starcoder.gguf", script: "scripts/fetch-test-vocabularies.sh", lossless: true)
    }

    func testRefactDigits() throws {
        try check("refact", gguf: "llama-cpp-vocab/ggml-vocab-refact.gguf", script: "scripts/fetch-test-vocabularies.sh", lossless: true)
    }

    func testCommandR() throws {
        try check("command-r", gguf: "llama-cpp-vocab/ggml-vocab-command-r.gguf", script: "scripts/fetch-test-vocabularies.sh")
    }

    /// DeepSeek's byte-level vocabularies lack some byte tokens (HF drops those bytes too), so they are not lossless.
    func testDeepSeekCoder() throws {
        try check("deepseek-coder", gguf: "llama-cpp-vocab/ggml-vocab-deepseek-coder.gguf", script: "scripts/fetch-test-vocabularies.sh")
    }

    func testDeepSeekLLM() throws {
        try check("deepseek-llm", gguf: "llama-cpp-vocab/ggml-vocab-deepseek-llm.gguf", script: "scripts/fetch-test-vocabularies.sh")
    }

    func testFalcon() throws {
        try check("falcon", gguf: "llama-cpp-vocab/ggml-vocab-falcon.gguf", script: "scripts/fetch-test-vocabularies.sh", lossless: true)
    }

    func testMPT() throws {
        try check("mpt", gguf: "llama-cpp-vocab/ggml-vocab-mpt.gguf", script: "scripts/fetch-test-vocabularies.sh")
    }

    func testQwen35() throws {
        try check("qwen35", gguf: "llama-cpp-vocab/ggml-vocab-qwen35.gguf", script: "scripts/fetch-test-vocabularies.sh", lossless: true)
    }

    func testGemma4() throws {
        try check("gemma-4", gguf: "llama-cpp-vocab/ggml-vocab-gemma-4.gguf", script: "scripts/fetch-test-vocabularies.sh")
    }

    func testBertWordPiece() throws {
        try check("bert-bge", gguf: "llama-cpp-vocab/ggml-vocab-bert-bge.gguf", script: "scripts/fetch-test-vocabularies.sh")
    }

    /// SentencePiece Unigram (`t5`) with XLM-R's precompiled charsmap; the corpus plus the llama-spm and bert-bge
    /// `.inp` texts (llama.cpp itself agrees with the recorded ids on all of them, see make_vocabulary_fixtures.py).
    func testNomicBertMoEUnigram() throws {
        try check("nomic-bert-moe", gguf: "llama-cpp-vocab/ggml-vocab-nomic-bert-moe.gguf", script: "scripts/fetch-test-vocabularies.sh")
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
