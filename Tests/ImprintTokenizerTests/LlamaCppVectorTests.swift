import Foundation
import XCTest
@testable import ImprintTokenizer

/// Every vocabulary llama.cpp ships with test vectors (`models/ggml-vocab-NAME.gguf` with `.inp` texts and `.out`
/// ids, recorded with each model's own Hugging Face tokenizer, `add_special_tokens=False`), fetched by
/// scripts/fetch-test-vocabularies.sh. Every text must encode to exactly its recorded ids; with special tokens on,
/// the ids gain the BOS/EOS/SEP llama.cpp's `llama_vocab` adds for that vocabulary.
final class LlamaCppVectorTests: XCTestCase {
    static let script = "scripts/fetch-test-vocabularies.sh"

    /// The special tokens llama.cpp adds around the ids with `add_special` on, read from src/llama-vocab.cpp
    /// (llama-cpp-python 0.3.36): `tokenizer.ggml.add_bos_token`/`add_eos_token` when the file has them, else the
    /// default of the tokenizer model and pre-tokenizer (SPM and WPM add BOS, `llama-bpe` adds BOS, other BPE
    /// pre-tokenizers add nothing), WordPiece also appends SEP, and Gemma 4 always adds BOS.
    static let specialTokens: [String: (prefix: [Int], suffix: [Int])] = [
        "bert-bge": ([101], [102]),
        "command-r": ([5], []),
        "deepseek-coder": ([32013], []),
        "deepseek-llm": ([100000], []),
        "falcon": ([], []),
        "gemma-4": ([2], []),
        "gpt-2": ([], []),
        "llama-bpe": ([128000], []),
        "llama-spm": ([1], []),
        "mpt": ([], []),
        "phi-3": ([1], []),
        "qwen2": ([], []),
        "qwen35": ([], []),
        "refact": ([], []),
        "starcoder": ([], []),
    ]

    /// The `.inp` texts and `.out` ids of a vocabulary (llama.cpp's tests/test-tokenizer-0 format).
    static func vectors(_ gguf: URL) throws -> [(text: String, ids: [Int])] {
        let separator = "\n__ggml_vocab_test__\n"
        let input = try XCTUnwrap(String(validating: Data(contentsOf: URL(fileURLWithPath: gguf.path + ".inp")), as: UTF8.self))
        var texts = input.components(separatedBy: separator)
        if texts.last == "" { texts.removeLast() }
        let output = try XCTUnwrap(String(validating: Data(contentsOf: URL(fileURLWithPath: gguf.path + ".out")), as: UTF8.self))
        let lines = output.components(separatedBy: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, texts.count, "\(gguf.lastPathComponent): fewer .out lines than .inp texts")
        return texts.enumerated().map { index, text in
            (text, index < lines.count ? lines[index].split(separator: " ").compactMap { Int($0) } : [])
        }
    }

    func testEveryVocabularyMatchesItsVectors() throws {
        let folder = try TestResources.fetched("llama-cpp-vocab/ggml-vocab-gemma-4.gguf.inp", fetchedBy: Self.script)
            .deletingLastPathComponent()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("ggml-vocab-") && $0.hasSuffix(".gguf.inp") }
            .map { String($0.dropFirst("ggml-vocab-".count).dropLast(".gguf.inp".count)) }
            .sorted()
        XCTAssertEqual(Set(names), Set(Self.specialTokens.keys), "vocabularies with vectors in \(folder.path)")
        var report: [String] = []
        for name in names {
            let url = folder.appendingPathComponent("ggml-vocab-\(name).gguf")
            let tokenizer: PretrainedTokenizer
            do {
                tokenizer = try TestResources.ggufTokenizer("llama-cpp-vocab/ggml-vocab-\(name).gguf", fetchedBy: Self.script)
            } catch {
                XCTFail("\(name): not loaded: \(error)")
                report.append("\(name): refused")
                continue
            }
            let special = Self.specialTokens[name] ?? ([], [])
            var identical = 0
            let vectors = try Self.vectors(url)
            for (text, expected) in vectors {
                let ids = tokenizer.encode(text, addSpecialTokens: false)
                if ids == expected { identical += 1 }
                XCTAssertEqual(ids, expected, "\(name): ids of \(text.debugDescription)")
                XCTAssertEqual(tokenizer.encode(text), special.prefix + ids + special.suffix,
                               "\(name): special tokens around \(text.debugDescription)")
            }
            report.append("\(name): \(identical)/\(vectors.count)")
        }
        print("llama.cpp vectors identical: " + report.joined(separator: ", "))
    }

    /// Every vocabulary shipped without vectors loads and encodes (nomic-bert-moe's ids are checked against recorded
    /// references in GGUFVocabularyTests); none is refused any more.
    func testVocabulariesWithoutVectorsLoad() throws {
        for name in ["aquila", "baichuan", "gpt-neox", "nomic-bert-moe"] {
            do {
                let tokenizer = try TestResources.ggufTokenizer("llama-cpp-vocab/ggml-vocab-\(name).gguf", fetchedBy: Self.script)
                XCTAssertFalse(tokenizer.encode("Hello world", addSpecialTokens: false).isEmpty, name)
            } catch let error as TokenizerError {
                XCTFail("\(name): refused: \(error)")
            }
        }
    }
}
