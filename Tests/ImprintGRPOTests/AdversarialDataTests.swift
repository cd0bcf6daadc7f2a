import Foundation
import ImprintCore
import XCTest
@testable import ImprintGRPO

/// GRPO datasets (and `DataRows`, which every dataset reader shares) with invalid UTF-8, lone surrogate escapes, NUL
/// and noncharacters: a `DataFileError` naming the file and the line, or the exact text, never a crash.
final class AdversarialDataTests: XCTestCase {
    func write(_ bytes: [UInt8], name: String = "rows.jsonl") throws -> String {
        let file = try GRPOFixtures.scratchDirectory("adversarial").appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.path
    }

    func error(_ bytes: [UInt8], name: String = "rows.jsonl") throws -> DataFileError? {
        let path = try write(bytes, name: name)
        do {
            _ = try GRPODataset(path: path)
            return nil
        } catch {
            return error as? DataFileError
        }
    }

    let good = Array(#"{"prompt": "ok"}"#.utf8) + [0x0A]

    /// Bytes that are not UTF-8 (a stray 0xFF, an overlong "/", an encoded surrogate) refuse the file, naming the
    /// first bad line, as Python's `utf-8` codec refuses it.
    func testInvalidUTF8IsAnErrorNamingTheLine() throws {
        for bad: [UInt8] in [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82]] {
            let bytes = good + good + Array(#"{"prompt": "a"#.utf8) + bad + Array(#"b"}"#.utf8) + [0x0A] + good
            let path = try write(bytes)
            XCTAssertThrowsError(try GRPODataset(path: path)) { error in
                XCTAssertEqual(error as? DataFileError, DataFileError(path: path, reason: "the dataset is not UTF-8 text (line 3)"), "\(bad)")
            }
        }
        let arrayPath = try write(Array(#"[{"prompt": "a"#.utf8) + [0xFF] + Array(#""}]"#.utf8), name: "rows.json")
        XCTAssertThrowsError(try GRPODataset(path: arrayPath)) { error in
            XCTAssertEqual(error as? DataFileError, DataFileError(path: arrayPath, reason: "the dataset is not UTF-8 text (line 1)"))
        }
    }

    /// Python's `json` reads `"\ud800"` into a str that HF `tokenizers` then refuses to encode; here the row is
    /// invalid JSON at once (Foundation's parser), with its line. A surrogate pair is one scalar.
    func testLoneSurrogateEscapesAreInvalidJSON() throws {
        for escape in [#"\ud800"#, #"\udc00x"#, #"\ud800\u0041"#, #"x\udbff\udbff"#] {
            let path = try write(good + Array("{\"prompt\": \"\(escape)\"}".utf8))
            XCTAssertThrowsError(try GRPODataset(path: path)) { error in
                XCTAssertEqual("\(error)", "\(path):2: not a JSON object (invalid JSON)", escape)
            }
        }
        XCTAssertEqual(try error(Array(#"[{"prompt": "a\ud800"}]"#.utf8), name: "rows.json")?.reason,
                       "a .json dataset must be a JSON array of rows; this is not valid JSON")
        let pair = try GRPODataset(path: try write(Array(#"{"prompt": "\ud83d\ude00"}"#.utf8)))
        XCTAssertEqual(pair.examples[0].prompt, .text("\u{1F600}"))
    }

    /// An escaped NUL and noncharacters are text, kept exactly; a raw NUL (a control character, which JSON and
    /// Python's `json` refuse unescaped) makes the line invalid JSON.
    func testNULAndNoncharacters() throws {
        let dataset = try GRPODataset(path: try write(Array(#"{"prompt": "a\u0000b", "answer": "\ufffe\uffff\udbff\udfff"}"#.utf8)))
        XCTAssertEqual(dataset.examples[0].prompt, .text("a\u{0}b"))
        XCTAssertEqual(dataset.examples[0].columns["answer"]?.unicodeScalars.map(\.value), [0xFFFE, 0xFFFF, 0x10FFFF])
        for bytes in [Array(#"{"prompt": "a"#.utf8) + [0] + Array(#"b"}"#.utf8), [0] + Array(#"{"prompt": "a"}"#.utf8)] {
            let path = try write(good + bytes)
            XCTAssertThrowsError(try GRPODataset(path: path)) { error in
                XCTAssertEqual("\(error)", "\(path):2: not a JSON object (invalid JSON)")
            }
        }
    }

    /// A 10 MB prompt on one line is read whole.
    func testTenMegabyteLine() throws {
        let prompt = String(repeating: "The quick brown fox \u{E9}\u{4E2D}\u{1F600} ", count: 350_000)
        XCTAssertGreaterThan(prompt.utf8.count, 10_000_000)
        let start = Date()
        let dataset = try GRPODataset(path: try write(good + Array("{\"prompt\": \"\(prompt)\"}".utf8)))
        print("10 MB JSONL line read in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        XCTAssertEqual(dataset.examples[1].prompt, .text(prompt))
    }
}
