import Foundation
@testable import ImprintCore
import XCTest
@testable import ImprintFormats

/// Foundation's `JSONSerialization` (behind `ExactUTF8.jsonObject`, so behind dataset rows, safetensors headers,
/// PEFT configs and GGUF tokenizer exports) refuses arrays and objects nested deeper than 512 levels with an error,
/// at once: no stack overflow, so no depth pre-scan of its own is needed. These tests pin that behaviour down, so
/// a Foundation that changes it is noticed.
final class JSONNestingTests: XCTestCase {
    func nestedArrays(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    func testJSONSerializationRefusesMoreThan512LevelsQuickly() throws {
        XCTAssertNoThrow(try ExactUTF8.jsonObject(with: Data(nestedArrays(512).utf8)))
        for depth in [513, 200_000] {
            let start = Date()
            XCTAssertThrowsError(try ExactUTF8.jsonObject(with: Data(nestedArrays(depth).utf8)), "\(depth) levels")
            XCTAssertLessThan(Date().timeIntervalSince(start), 1, "\(depth) levels")
        }
    }

    func testDeeplyNestedDatasetRowIsAnErrorNamingTheLine() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-deep-\(UUID().uuidString).jsonl")
        try Data(("{\"prompt\": \"a\"}\n{\"prompt\": " + nestedArrays(200_000) + "}\n").utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try DataRows.read(path: url.path)) { error in
            XCTAssertEqual(error as? DataFileError, DataFileError(path: url.path, line: 2, reason: "not a JSON object (invalid JSON)"))
        }
    }

    func testDeeplyNestedSafetensorsHeaderIsAFormatError() throws {
        let header = "{\"__metadata__\": " + nestedArrays(200_000) + "}"
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-deep-\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try SafetensorsFile(contentsOf: url)) { error in
            guard case .invalidValue(let path, let field, _, _)? = error as? FormatError else { return XCTFail("\(error)") }
            XCTAssertEqual([path, field], [url.path, "JSON header"])
        }
    }
}
