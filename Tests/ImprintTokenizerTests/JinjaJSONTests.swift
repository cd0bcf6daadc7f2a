import Foundation
import XCTest
@testable import ImprintTokenizer

/// `JinjaJSON.parse`'s nesting limit, and how `tokenizer.json` loading reports it.
final class JinjaJSONTests: XCTestCase {
    func nestedArrays(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    func testNestingIsLimitedTo512Levels() throws {
        XCTAssertEqual(JinjaJSON.defaultMaximumDepth, 512)
        XCTAssertNoThrow(try JinjaJSON.parse(nestedArrays(512)))
        let objects = String(repeating: #"{"a": "#, count: 512) + "1" + String(repeating: "}", count: 512)
        XCTAssertNoThrow(try JinjaJSON.parse(objects))
        for text in [nestedArrays(513), nestedArrays(200_000), String(repeating: #"{"a": ["#, count: 100_000)] {
            XCTAssertThrowsError(try JinjaJSON.parse(text)) { error in
                let parseError = error as? JinjaJSON.ParseError
                XCTAssertEqual(parseError?.kind, .tooDeep(limit: 512))
                XCTAssertEqual(parseError?.description, "invalid JSON at byte \(parseError?.offset ?? -1): "
                               + "arrays and objects nest deeper than 512 levels")
            }
        }
        XCTAssertNoThrow(try JinjaJSON.parse(nestedArrays(600), maximumDepth: 600))
        XCTAssertThrowsError(try JinjaJSON.parse(nestedArrays(3), maximumDepth: 2)) { error in
            XCTAssertEqual((error as? JinjaJSON.ParseError)?.offset, 2)
        }
        // A syntax error is not a depth error.
        XCTAssertThrowsError(try JinjaJSON.parse("[1,")) { error in
            XCTAssertEqual((error as? JinjaJSON.ParseError)?.kind, .syntax)
        }
    }

    func testDeeplyNestedTokenizerFilesAreLimitErrors() throws {
        let json = #"{"model": "# + nestedArrays(200_000) + "}"
        XCTAssertThrowsError(try PretrainedTokenizer(tokenizerJSON: Data(json.utf8), file: "deep/tokenizer.json")) { error in
            XCTAssertEqual(error as? TokenizerError,
                           .limitExceeded(file: "deep/tokenizer.json", what: "JSON nesting depth (at byte 521)", limit: 512))
            XCTAssertEqual("\(error)", "deep/tokenizer.json: JSON nesting depth (at byte 521) exceeds the limit of 512")
        }
        // 512 levels parse, and the file is then refused for what it holds, not for its depth.
        let atTheLimit = #"{"model": "# + nestedArrays(511) + "}"
        XCTAssertThrowsError(try PretrainedTokenizer(tokenizerJSON: Data(atTheLimit.utf8), file: "deep/tokenizer.json")) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidField(file: "deep/tokenizer.json", field: "model", expected: "an object"))
        }
    }

    /// Found by fuzzing: a vocabulary id of 4,533,333,339 allocated an id-indexed table of 72 GB. Ids are held below
    /// `maximumTokenId` (2^24), in `model.vocab` and `added_tokens` alike; the largest real vocabulary is 262,144.
    func testTokenIdsFarBeyondAnyVocabularyAreLimitErrors() throws {
        let vocabulary = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 4533333339}, "merges": []}}"#
        XCTAssertThrowsError(try PretrainedTokenizer(tokenizerJSON: Data(vocabulary.utf8), file: "huge/tokenizer.json")) { error in
            XCTAssertEqual(error as? TokenizerError,
                           .limitExceeded(file: "huge/tokenizer.json", what: "token id of model.vocab[b]", limit: 1 << 24))
        }
        let added = #"{"added_tokens": [{"id": 65545560, "content": "<x>", "special": true}], "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#
        XCTAssertThrowsError(try PretrainedTokenizer(tokenizerJSON: Data(added.utf8), file: "huge/tokenizer.json")) { error in
            guard case .limitExceeded(_, _, 16_777_216)? = error as? TokenizerError else { return XCTFail("\(error)") }
        }
        let largest = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 262143}, "merges": []}}"#
        XCTAssertNoThrow(try PretrainedTokenizer(tokenizerJSON: Data(largest.utf8), file: "sparse/tokenizer.json"))
    }
}
