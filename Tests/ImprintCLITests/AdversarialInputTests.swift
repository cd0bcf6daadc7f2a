import Foundation
import XCTest

/// `imprint tokenize --jsonl` and `imprint reward --jsonl` fed NUL bytes, bytes that are not UTF-8 and lone
/// surrogate escapes: the ids HF `tokenizers` gives where it accepts the text, otherwise exit status 1 with the line
/// and the reason on stderr, and the lines before it answered. Never a crash.
final class AdversarialInputTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImprintTokenizerTests/Fixtures")

    /// A JSON string literal as Python's `json.dumps` writes it (NUL and other controls escaped).
    func literal(_ text: String) throws -> String {
        let array = String(decoding: try JSONSerialization.data(withJSONObject: [text]), as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }

    func testTokenizeGivesHFIdsForAdversarialText() throws {
        struct Recorded: Decodable { let texts: [String]; let ids_with_special: [[Int]] }
        let recorded = try JSONDecoder().decode(Recorded.self, from: Data(contentsOf: fixtures.appendingPathComponent("expected/adversarial-smollm2.json")))
        let input = try recorded.texts.map(literal).joined(separator: "\n") + "\n"
        let result = try imprint(["tokenize", "--model", fixtures.appendingPathComponent("tokenizer-json/smollm2").path, "--jsonl"], input: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Int] }
        XCTAssertEqual(lines, recorded.ids_with_special)
    }

    func testTokenizeRefusesBadLinesByNumber() throws {
        let model = fixtures.appendingPathComponent("tokenizer-json/smollm2").path
        let cases: [([UInt8], String)] = [
            (Array("\"a\"\n\"b".utf8) + [0xFF] + Array("\"\n\"c\"\n".utf8), "imprint: line 2: not UTF-8 text"),
            (Array("\"a\"\n\"\\ud800\"\n".utf8), "imprint: line 2: invalid JSON at byte 1: lone surrogate in \\u escape"),
            (Array("\"a\"\n\"x\\udc00\"\n".utf8), "imprint: line 2: invalid JSON at byte 2: lone surrogate in \\u escape"),
            (Array("\"a\"\n\"x".utf8) + [0] + Array("y\"\n".utf8), "imprint: line 2: invalid JSON at byte 2: unescaped control character U+0000 in a string"),
        ]
        for (input, message) in cases {
            let result = try imprint(["tokenize", "--model", model, "--jsonl"], inputBytes: Data(input))
            XCTAssertEqual(result.status, 1, message)
            XCTAssertEqual(result.stderr, message + "\n")
            XCTAssertEqual(result.stdout.split(separator: "\n").count, 1, "the first line is answered: \(result.stdout)")
        }
        let escaped = try imprint(["tokenize", "--model", model, "--jsonl"], input: "\"x\\u0000y\"\r\n\"\\ud83d\\ude00\"\n")
        XCTAssertEqual(escaped.status, 0, escaped.stderr)
        XCTAssertEqual(escaped.stdout.split(separator: "\n").count, 2)
    }

    func testRewardRefusesBadLinesByNumber() throws {
        let good = Array(#"{"completion": "a\u0000bc", "reference": "abc"}"#.utf8) + [0x0A]
        let cases: [([UInt8], String)] = [
            (good + Array(#"{"completion": "a"#.utf8) + [0xC0, 0xAF] + Array(#"", "reference": "a"}"#.utf8), "line 2: not UTF-8 text"),
            (good + Array(#"{"completion": "\ud800", "reference": "a"}"#.utf8), "line 2: not valid JSON"),
            (good + Array(#"{"completion": "a"#.utf8) + [0] + Array(#"", "reference": "a"}"#.utf8), "line 2: not valid JSON"),
        ]
        for (input, message) in cases {
            let result = try imprint(["reward", "difflib", "--jsonl"], inputBytes: Data(input))
            XCTAssertEqual(result.status, 1, message)
            XCTAssertEqual(result.stderr, "imprint reward difflib: \(message)\n")
            // difflib ratio of "a\0bc" vs "abc" is 2·3/7 (Python: 0.8571428571428571).
            XCTAssertEqual(result.stdout, "{\"reward\": 0.8571428571428571}\n")
        }
    }
}
