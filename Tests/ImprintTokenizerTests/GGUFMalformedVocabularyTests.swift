import Foundation
import ImprintFormats
import XCTest
@testable import ImprintTokenizer

/// Malformed vocabularies, in GGUF metadata (`PretrainedTokenizer(gguf:)`) and in the `tokenizer.json` that
/// `GGUFTokenizerMetadata` converts for `imprint convert --output F.gguf`: each is a `TokenizerError` naming the
/// file and the field, never a trap.
final class GGUFMalformedVocabularyTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-bad-vocabulary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A tokenizer-only GGUF file: `tokenizer.ggml.model` `model`, the given tokens, and `extra` keys.
    func gguf(model: String, tokens: [String], _ extra: [(key: String, value: GGUFValue)]) throws -> (GGUFFile, String) {
        let url = directory.appendingPathComponent("\(model).gguf")
        let metadata: [(key: String, value: GGUFValue)] = [
            ("tokenizer.ggml.model", .string(model)), ("tokenizer.ggml.tokens", .array(.string, tokens.map(GGUFValue.string))),
        ] + extra
        try GGUFWriter.write(metadata: metadata, tensors: [], to: url)
        return (try GGUFFile(contentsOf: url), url.path)
    }

    func assertTokenizerError(_ expression: @autoclosure () throws -> Any, _ expected: TokenizerError,
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertEqual(error as? TokenizerError, expected, file: file, line: line)
        }
    }

    func testTokenTypesShorterThanTheTokens() throws {
        let merges: (key: String, value: GGUFValue) = ("tokenizer.ggml.merges", .array(.string, [.string("a b")]))
        for model in ["gpt2", "bert"] {
            let (file, path) = try gguf(model: model, tokens: ["a", "b", "ab", "[UNK]"],
                                        [("tokenizer.ggml.token_type", .array(.int32, [.int32(1), .int32(1)])), merges])
            assertTokenizerError(try PretrainedTokenizer(gguf: file),
                                 .invalidField(file: path, field: "tokenizer.ggml.token_type", expected: "4 entries, one per token (found 2)"))
        }
    }

    func testScoresShorterThanTheTokens() throws {
        let (file, path) = try gguf(model: "llama", tokens: ["<unk>", "▁a", "b"],
                                    [("tokenizer.ggml.scores", .array(.float32, [.float32(0), .float32(-1)]))])
        assertTokenizerError(try PretrainedTokenizer(gguf: file),
                             .invalidField(file: path, field: "tokenizer.ggml.scores", expected: "3 entries, one per token (found 2)"))
    }

    func testMergeWithoutASpace() throws {
        for model in ["gpt2", "gemma4"] {
            let (file, path) = try gguf(model: model, tokens: ["a", "b", "ab"],
                                        [("tokenizer.ggml.merges", .array(.string, [.string("a b"), .string("ab")]))])
            assertTokenizerError(try PretrainedTokenizer(gguf: file),
                                 .invalidField(file: path, field: "tokenizer.ggml.merges[1]", expected: "\"left right\" (found \"ab\")"))
        }
    }

    func testWordPieceWithoutAnUnknownToken() throws {
        let (file, path) = try gguf(model: "bert", tokens: ["[CLS]", "[SEP]", "▁hello"], [])
        assertTokenizerError(try PretrainedTokenizer(gguf: file), .missingField(file: path, field: "tokenizer.ggml.unknown_token_id"))
        // An unknown_token_id past the vocabulary does not name a token either.
        let (outOfRange, _) = try gguf(model: "bert", tokens: ["[CLS]", "[SEP]", "▁hello"],
                                       [("tokenizer.ggml.unknown_token_id", .uint32(7))])
        assertTokenizerError(try PretrainedTokenizer(gguf: outOfRange), .missingField(file: path, field: "tokenizer.ggml.unknown_token_id"))
    }

    /// `tokenizer.json` ids become GGUF token positions and `uint32` special token ids: negative or far-off ids
    /// (which would trap or allocate a vast token list) are refused.
    func testTokenizerJSONIdsOutsideTheVocabularyAreRefusedForGGUF() throws {
        let path = directory.appendingPathComponent("tokenizer.json").path
        func entries(vocabulary: String, added: String = "[]") throws -> [(key: String, value: GGUFValue)] {
            try Data(#"{"model": {"type": "BPE", "vocab": \#(vocabulary), "merges": ["a b"]}, "added_tokens": \#(added), "pre_tokenizer": {"type": "ByteLevel"}}"#.utf8)
                .write(to: URL(fileURLWithPath: path))
            try Data(#"{"bos_token": "b"}"#.utf8).write(to: directory.appendingPathComponent("tokenizer_config.json"))
            return try GGUFTokenizerMetadata.entries(directory: directory, vocabularySize: 8)
        }
        XCTAssertEqual(try entries(vocabulary: #"{"a": 0, "b": 1, "ab": 2}"#).first { $0.key == "tokenizer.ggml.bos_token_id" }?.value,
                       .uint32(1))
        assertTokenizerError(try entries(vocabulary: #"{"a": 0, "b": -5, "ab": 2}"#),
                             .invalidField(file: path, field: "model.vocab[b]", expected: "an id in 0..<8 (found -5)"))
        assertTokenizerError(try entries(vocabulary: #"{"a": 0, "b": 1, "ab": 1000000000000}"#),
                             .invalidField(file: path, field: "model.vocab[ab]", expected: "an id in 0..<8 (found 1000000000000)"))
        assertTokenizerError(try entries(vocabulary: #"{"a": 0, "b": 1, "ab": 2}"#, added: #"[{"id": 99, "content": "<s>"}]"#),
                             .invalidField(file: path, field: "added_tokens",
                                           expected: "entries with an integer id in 0..<8 and a content string"))
    }
}
