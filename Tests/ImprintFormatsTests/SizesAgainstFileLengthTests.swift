import Foundation
import XCTest
@testable import ImprintFormats

/// Sizes a file declares are checked against the bytes it has before anything is allocated: a crafted header that
/// claims terabytes (or a size that overflows `Int`) gets a typed error naming the file and the field, never a trap
/// or a huge allocation (issue 19: "tensor and array sizes against the file's length").
final class SizesAgainstFileLengthTests: XCTestCase {
    func safetensors(header: String, data: [UInt8] = []) throws -> URL {
        let url = try temporaryDirectory(self).appendingPathComponent("claims.safetensors")
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        try Data(bytes + Array(header.utf8) + data).write(to: url)
        return url
    }

    func npy(shape: String, descriptor: String = "<f4", data: [UInt8] = [0, 0, 0, 0]) throws -> URL {
        let url = try temporaryDirectory(self).appendingPathComponent("claims.npy")
        var header = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        withUnsafeBytes(of: UInt16(header.utf8.count).littleEndian) { bytes += $0 }
        try Data(bytes + Array(header.utf8) + data).write(to: url)
        return url
    }

    func testSafetensorsShapesLargerThanTheFile() throws {
        // A terabyte tensor declared over 4 bytes of data.
        assertFormatError(try SafetensorsFile(contentsOf: safetensors(
            header: #"{"w": {"dtype": "F32", "shape": [262144, 1048576], "data_offsets": [0, 1099511627776]}}"#, data: [0, 0, 0, 0])),
            mentions: ["claims.safetensors", "w", "within 0..<4"])
        // Dimensions whose product overflows Int, with offsets that fit the file.
        assertFormatError(try SafetensorsFile(contentsOf: safetensors(
            header: #"{"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 16], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])),
            mentions: ["claims.safetensors", "w"])
        // Offsets beyond Int64.
        assertFormatError(try SafetensorsFile(contentsOf: safetensors(
            header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 18446744073709551615]}}"#, data: [0, 0, 0, 0])),
            mentions: ["claims.safetensors", "w"])
    }

    func testNPYShapesLargerThanTheFile() throws {
        // 10^11 floats declared, 4 bytes present: refused before reading or allocating.
        assertFormatError(try NPY.read(npy(shape: "(100000, 1000000)")), mentions: ["claims.npy", "data"])
        assertFormatError(try NPY.read(npy(shape: "(4294967296, 4294967296, 16)")), mentions: ["claims.npy", "shape"])
        assertFormatError(try NPY.read(npy(shape: "(2305843009213693952,)")), mentions: ["claims.npy", "shape"])
        assertFormatError(try NPY.read(npy(shape: "(-1, 4)")), mentions: ["claims.npy", "shape"])
        // The same file with the shape it really has reads.
        XCTAssertEqual(try NPY.read(npy(shape: "(1,)")).shape, [1])
    }
}
