import Foundation
import XCTest
@testable import ImprintTokenizer

/// Small tokenizer.json files covering every supported component, against ids recorded with HF `tokenizers`
/// (Fixtures/make_tokenizer_json_fixtures.py).
final class TokenizerJSONTests: XCTestCase {
    struct Recorded: Decodable {
        let texts: [String]
        let ids: [[Int]]
        let ids_with_special: [[Int]]
        let decoded: [String]
        let decoded_skipping_special: [String]
        let prefixes: [[Int]]
        let prefixes_decoded: [String]
    }

    func check(_ name: String) throws {
        let directory = TestResources.fixtures.appendingPathComponent("tokenizer-json/\(name)")
        let tokenizer = try PretrainedTokenizer(directory: directory)
        let expected = try TestResources.json(Recorded.self, "expected/tokenizer-json-\(name).json")
        for (index, text) in expected.texts.enumerated() {
            XCTAssertEqual(tokenizer.encode(text, addSpecialTokens: false), expected.ids[index], "\(name): ids of \(text.debugDescription)")
            XCTAssertEqual(tokenizer.encode(text), expected.ids_with_special[index], "\(name): ids with special tokens of \(text.debugDescription)")
            let decoded = tokenizer.decode(expected.ids[index])
            let reference = tokenizer.cleansUpTokenizationSpaces
                ? PretrainedTokenizer.cleanUpTokenization(expected.decoded[index]) : expected.decoded[index]
            XCTAssertEqual(decoded, reference, "\(name): decode of \(text.debugDescription)")
            let skipping = tokenizer.decode(expected.ids[index], skipSpecialTokens: true)
            let skippingReference = tokenizer.cleansUpTokenizationSpaces
                ? PretrainedTokenizer.cleanUpTokenization(expected.decoded_skipping_special[index]) : expected.decoded_skipping_special[index]
            XCTAssertEqual(skipping, skippingReference, "\(name): decode skipping special tokens of \(text.debugDescription)")
        }
        for (prefix, reference) in zip(expected.prefixes, expected.prefixes_decoded) {
            let cleaned = tokenizer.cleansUpTokenizationSpaces ? PretrainedTokenizer.cleanUpTokenization(reference) : reference
            XCTAssertEqual(tokenizer.decode(prefix), cleaned, "\(name): decode of the prefix \(prefix)")
        }
    }

    func testLlama3Style() throws { try check("llama3") }
    func testQwen2StyleWithAddedTokenOptions() throws { try check("qwen2") }
    func testGPT2Style() throws { try check("gpt2") }
    func testSmolLM2Style() throws { try check("smollm2") }
    func testGemmaStyleByteFallback() throws { try check("gemma") }
    func testLlama2StyleLegacySentencePiece() throws { try check("llama2") }
    func testMetaspace() throws { try check("metaspace") }
    func testOtherComponents() throws { try check("components") }
    func testWhitespaceAndNFD() throws { try check("whitespace") }
    func testUnigramWithPrecompiledCharsMap() throws { try check("unigram") }

    /// A vocabulary holding both "é" and "e\u{301}" keeps both tokens (Foundation's JSON would merge the keys).
    func testCanonicallyEquivalentTokensStayDistinct() throws {
        let json = #"{"model": {"type": "BPE", "vocab": {"e": 0, "\u0301": 1, "e\u0301": 2, "\u00e9": 3}, "merges": [["e", "\u0301"]]}}"#
        let tokenizer = try PretrainedTokenizer(tokenizerJSON: Data(json.utf8))
        XCTAssertEqual(tokenizer.encode("e\u{301}", addSpecialTokens: false), [2])
        XCTAssertEqual(tokenizer.encode("\u{e9}", addSpecialTokens: false), [3])
        XCTAssertEqual(tokenizer.vocabularySize, 4)
    }

    /// A token that begins with U+FEFF (Gemma 3's "\u{FEFF}#") is its own token, and chat_template.jinja keeps a
    /// leading U+FEFF, as Python's `utf-8` codec does.
    func testByteOrderMarkTokensAndTemplatesAreKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-bom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"#\": 0, \"\u{FEFF}\": 1, \"\u{FEFF}#\": 2, \"a\": 3}, \"merges\": [[\"\u{FEFF}\", \"#\"]]}}"
        try Data(json.utf8).write(to: directory.appendingPathComponent("tokenizer.json"))
        try Data("\u{FEFF}{{ messages }}".utf8).write(to: directory.appendingPathComponent("chat_template.jinja"))
        let tokenizer = try PretrainedTokenizer(directory: directory)
        XCTAssertEqual(tokenizer.encode("#", addSpecialTokens: false), [0])
        XCTAssertEqual(tokenizer.encode("\u{FEFF}#a", addSpecialTokens: false), [2, 3])
        XCTAssertEqual(tokenizer.idToToken(2)?.unicodeScalars.map(\.value), [0xFEFF, 0x23])
        XCTAssertEqual(tokenizer.chatTemplate?.unicodeScalars.first, "\u{FEFF}")
    }

    /// The parallel batch form gives the ids of encoding each text alone, in order.
    func testParallelBatchMatchesSequentialEncoding() throws {
        let tokenizer = try PretrainedTokenizer(directory: TestResources.fixtures.appendingPathComponent("tokenizer-json/llama3"))
        let expected = try TestResources.json(Recorded.self, "expected/tokenizer-json-llama3.json")
        let texts = Array(repeating: expected.texts, count: 5).flatMap { $0 }
        XCTAssertEqual(tokenizer.encode(batch: texts), texts.map { tokenizer.encode($0) })
        XCTAssertEqual(tokenizer.encode(batch: expected.texts, addSpecialTokens: false), expected.ids)
    }

    /// Errors name the file and the JSON path of the field at fault.
    func testMalformedFilesAreTypedErrors() throws {
        func error(of json: String) -> TokenizerError? {
            do {
                _ = try PretrainedTokenizer(tokenizerJSON: Data(json.utf8), file: "bad.json")
                return nil
            } catch {
                return error as? TokenizerError
            }
        }
        XCTAssertEqual(error(of: "[1]"), .invalidField(file: "bad.json", field: "(root)", expected: "a JSON object"))
        XCTAssertEqual(error(of: "{}"), .missingField(file: "bad.json", field: "model"))
        XCTAssertEqual(error(of: #"{"model": {"type": "WordLevel"}}"#),
                       .unsupportedType(file: "bad.json", field: "model.type", type: "WordLevel"))
        XCTAssertEqual(error(of: #"{"model": {"type": "Unigram"}}"#), .missingField(file: "bad.json", field: "model.vocab"))
        XCTAssertEqual(error(of: #"{"model": {"type": "Unigram", "vocab": [["a", "x"]]}}"#),
                       .invalidField(file: "bad.json", field: "model.vocab[0]", expected: "[piece, score]"))
        let model = #""model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}"#
        XCTAssertEqual(error(of: "{\(model), \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"UnicodeScripts\"}]}}"),
                       .unsupportedType(file: "bad.json", field: "pre_tokenizer.pretokenizers[0].type", type: "UnicodeScripts"))
        XCTAssertEqual(error(of: "{\(model), \"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"Regex\": \"(\"}, \"content\": \"\"}}"),
                       .invalidPattern(file: "bad.json", field: "normalizer.pattern.Regex", pattern: "("))
        XCTAssertEqual(error(of: #"{"model": {"type": "BPE", "vocab": {"a": "x"}}}"#),
                       .invalidField(file: "bad.json", field: "model.vocab[a]", expected: "an integer id"))
        XCTAssertEqual(error(of: #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [3]}}"#),
                       .invalidField(file: "bad.json", field: "model.merges[0]", expected: "\"left right\" or [\"left\", \"right\"]"))
    }
}
