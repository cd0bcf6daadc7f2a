import Foundation
import XCTest
@testable import ImprintFormats

final class NPYTests: XCTestCase {
    func testReadsNumPyFiles() throws {
        let matrix = try NPY.read(Fixtures.url("npy_f32.npy"))
        XCTAssertEqual(matrix.shape, [2, 3])
        XCTAssertEqual(matrix.dataType, .float32)
        XCTAssertEqual(matrix.floats, [1, -2, 3.5, 0.25, 0, -1e-8])
        let scalar = try NPY.read(Fixtures.url("npy_f32_scalar.npy"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.floats, [4.5])
        let longs = try NPY.read(Fixtures.url("npy_i64.npy"))
        XCTAssertEqual(longs.values, .int64([0, -1, 1 << 40, 7]))
        XCTAssertEqual(longs.ints, [0, -1, 1 << 40, 7])
        XCTAssertNil(longs.floats)
        let ints = try NPY.read(Fixtures.url("npy_i32.npy"))
        XCTAssertEqual(ints.shape, [2, 2])
        XCTAssertEqual(ints.ints, [1, 2, -3, 1 << 30])
        assertFormatError(try NPY.readFloats(Fixtures.url("npy_i64.npy")), mentions: ["npy_i64.npy", "descr", "<f4", "<i8"])
    }

    /// The writer produces numpy.save's exact bytes (header padding included).
    func testWriterMatchesNumPyBytes() throws {
        XCTAssertEqual(NPY.encode([1, -2, 3.5, 0.25, 0, -1e-8], shape: [2, 3]),
                       try Data(contentsOf: Fixtures.url("npy_f32.npy")))
        XCTAssertEqual(NPY.encode([4.5], shape: []), try Data(contentsOf: Fixtures.url("npy_f32_scalar.npy")))
        let url = try temporaryDirectory(self).appendingPathComponent("x.npy")
        let values = (0..<1000).map { Float($0) / 7 }
        try NPY.write(values, shape: [10, 100], to: url)
        let read = try NPY.readFloats(url)
        XCTAssertEqual(read.values, values)
        XCTAssertEqual(read.shape, [10, 100])
        XCTAssertEqual(NPY.encode([1, 2, 3], shape: [3]).count % 64, 12 % 64)
    }

    func testMalformedFiles() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("bad.npy")
        let good = NPY.encode([1, 2, 3, 4], shape: [2, 2])

        var bytes = [UInt8](good)
        bytes[1] = UInt8(ascii: "X")
        try Data(bytes).write(to: url)
        assertFormatError(try NPY.read(url), mentions: ["bad.npy", "magic"])

        bytes = [UInt8](good)
        bytes[6] = 9
        try Data(bytes).write(to: url)
        assertFormatError(try NPY.read(url), mentions: ["bad.npy", "version 9"])

        for length in 0..<good.count {
            try good.prefix(length).write(to: url)
            XCTAssertThrowsError(try NPY.read(url), "length \(length)")
        }

        let header = String(decoding: good[10..<128], as: UTF8.self)
        for (from, to, fragment) in [("'<f4'", "'>f4'", "descr"), ("False", "True ", "fortran_order"),
                                     ("(2, 2)", "(2, x)", "shape"), ("'shape'", "'shapf'", "shape")] {
            bytes = [UInt8](good)
            let replaced = header.replacingOccurrences(of: from, with: to)
            bytes.replaceSubrange(10..<128, with: Array(replaced.utf8))
            try Data(bytes).write(to: url)
            assertFormatError(try NPY.read(url), mentions: ["bad.npy", fragment])
        }
    }
}
