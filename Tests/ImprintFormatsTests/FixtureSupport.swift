import Foundation
import XCTest
@testable import ImprintFormats

/// The committed fixtures beside this file (written by Fixtures/make_format_fixtures.py).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func floats(_ name: String) throws -> (values: [Float], shape: [Int]) {
        try NPY.readFloats(url(name))
    }
}

/// A fresh temporary directory, removed when the test case ends.
func temporaryDirectory(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-formats-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Asserts that `body` throws a `FormatError` whose message contains every one of `fragments`.
func assertFormatError<T>(_ body: @autoclosure () throws -> T, mentions fragments: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected a FormatError mentioning \(fragments)", file: file, line: line)
    } catch let error as FormatError {
        for fragment in fragments {
            XCTAssertTrue(error.description.contains(fragment),
                          "\"\(error.description)\" does not mention \"\(fragment)\"", file: file, line: line)
        }
    } catch {
        XCTFail("expected a FormatError, got \(error)", file: file, line: line)
    }
}

/// Bit patterns, so that NaN payloads and signed zeros compare exactly.
func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

/// Builds GGUF bytes by hand, for files the Python writer cannot produce (malformed ones).
struct GGUFBuilder {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func string(_ value: String) { u64(UInt64(value.utf8.count)); bytes += Array(value.utf8) }
    mutating func pad(to alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }

    /// A header: magic, version, counts.
    mutating func header(version: UInt32 = 3, tensorCount: UInt64, metadataCount: UInt64) {
        bytes += Array("GGUF".utf8)
        u32(version)
        u64(tensorCount)
        u64(metadataCount)
    }

    /// A string-valued metadata pair.
    mutating func stringPair(_ key: String, _ value: String) {
        string(key)
        u32(GGUFValueType.string.rawValue)
        string(value)
    }

    /// A tensor info (GGUF dimension order).
    mutating func tensorInfo(_ name: String, dimensions: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(UInt32(dimensions.count))
        for dimension in dimensions { u64(dimension) }
        u32(type)
        u64(offset)
    }

    func write(to url: URL) throws { try Data(bytes).write(to: url) }

    /// A valid file with one tensor of `type` holding `data` (shape `[rows, rowLength]`).
    static func singleTensor(type: GGMLType, rowLength: Int, rows: Int, data: [UInt8]) -> GGUFBuilder {
        var builder = GGUFBuilder()
        builder.header(tensorCount: 1, metadataCount: 1)
        builder.stringPair("general.architecture", "llama")
        builder.tensorInfo("weight", dimensions: [UInt64(rowLength), UInt64(rows)], type: type.rawValue, offset: 0)
        builder.pad(to: 32)
        builder.bytes += data
        return builder
    }
}

/// A small deterministic generator (SplitMix64) for random test bytes.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
