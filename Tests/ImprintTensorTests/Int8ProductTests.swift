import CImprintKernels
import Foundation
import XCTest
@testable import ImprintTensor

/// `DecodingPrecision.int8`: the activation quantizer and the three product kernels (portable,
/// AVX-512 BW, AVX-512 VNNI) against the Swift model `Int8Reference` on awkward sizes, and against
/// ggml's own CPU arithmetic recorded in Fixtures/int8_products.json (make_int8_fixture.py).
final class Int8ProductTests: XCTestCase {
    static let formats: [QuantizedMatrix.Format] = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .iq4_NL]

    /// Runs `body` with `kernel` selected (0 portable, 1 AVX-512 BW, 2 VNNI), or skips when this CPU lacks it.
    func withKernel(_ kernel: Int32, _ body: () throws -> Void) throws {
        let previous = imprint_int8_kernel(-1)
        defer { _ = imprint_int8_kernel(previous) }
        _ = imprint_int8_kernel(kernel)
        guard imprint_int8_kernel(-1) == kernel else {
            throw XCTSkip(kernel == 2 ? "this CPU has no AVX-512 VNNI (vpdpbusd)" : "this CPU has no AVX-512 F/BW/VL")
        }
        try body()
    }

    /// The int8 product of `blocks` with `x` `[m, columns]` through `QuantizedMatrix` (quantizer and kernel).
    func int8Product(_ format: QuantizedMatrix.Format, blocks: [UInt8], rows: Int, columns: Int, x: [Float], m: Int) throws -> [Float] {
        let matrix = QuantizedMatrix(format: format, rows: rows, columns: columns, blocks: blocks)
        try matrix.setDecodingPrecision(.int8)
        var out = [Float](repeating: .nan, count: m * rows)
        x.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { matrix.frozenProduct(source.baseAddress!, m: m, into: $0.baseAddress!) }
        }
        return out
    }

    /// Every format, 1, 16 and 37 activation rows, 1 to 37 weight rows, 1 to 18 blocks (odd counts too),
    /// against `Int8Reference` within 1e-5 of the terms' magnitudes.
    func checkKernelAgainstReference(_ kernel: Int32) throws {
        try withKernel(kernel) {
            var generator = RandomGenerator(seed: 42 + UInt64(kernel))
            for format in Self.formats {
                for (m, rows, columns) in [(1, 1, 32), (1, 37, 96), (16, 5, 160), (37, 9, 576), (16, 37, 64), (3, 4, 32 * 18)] {
                    let x = (0..<(m * columns)).map { _ in Float.random(in: -3...3, using: &generator) }
                    let blocks = Int8Reference.randomBlocks(format, rows: rows, columns: columns, generator: &generator)
                    let expected = Int8Reference.product(format, blocks: blocks, rows: rows, columns: columns,
                                                         x: Int8Reference.quantize(x, columns: columns), m: m)
                    let actual = try int8Product(format, blocks: blocks, rows: rows, columns: columns, x: x, m: m)
                    for index in actual.indices {
                        XCTAssertLessThanOrEqual(Swift.abs(Double(actual[index]) - expected.values[index]),
                                                 1e-5 * expected.magnitudes[index] + 1e-12,
                                                 "kernel \(kernel) \(format) m \(m) [\(rows), \(columns)] output \(index)")
                    }
                }
            }
        }
    }

    func testPortableKernelMatchesReference() throws { try checkKernelAgainstReference(0) }

    /// Every kernel gives the bits of `Int8Reference.orderedProduct` (the documented order), on sizes
    /// that leave partial groups of 16 rows and of 4 activation rows.
    func testKernelsGiveTheDocumentedOrderBitwise() throws {
        let previous = imprint_int8_kernel(-1)
        defer { _ = imprint_int8_kernel(previous) }
        var generator = RandomGenerator(seed: 11)
        for kernel: Int32 in [0, 1, 2] {
            _ = imprint_int8_kernel(kernel)
            guard imprint_int8_kernel(-1) == kernel else { continue }
            for format in Self.formats {
                for (m, rows, columns) in [(1, 37, 96), (6, 16, 32 * 7), (17, 3, 64)] {
                    let x = (0..<(m * columns)).map { _ in Float.random(in: -3...3, using: &generator) }
                    let blocks = Int8Reference.randomBlocks(format, rows: rows, columns: columns, generator: &generator)
                    let expected = Int8Reference.orderedProduct(format, blocks: blocks, rows: rows, columns: columns,
                                                                x: Int8Reference.quantize(x, columns: columns), m: m)
                    let actual = try int8Product(format, blocks: blocks, rows: rows, columns: columns, x: x, m: m)
                    XCTAssertEqual(actual.map(\.bitPattern), expected.map(\.bitPattern), "kernel \(kernel) \(format) m \(m) [\(rows), \(columns)]")
                }
            }
        }
    }

    /// The kernels sum in the same order, so their outputs are the same bits.
    func testKernelsAgreeBitwise() throws {
        let previous = imprint_int8_kernel(-1)
        defer { _ = imprint_int8_kernel(previous) }
        guard imprint_int8_kernel(2) > 0 else { throw XCTSkip("this CPU has no AVX-512 F/BW/VL: only the portable kernel runs") }
        var generator = RandomGenerator(seed: 5)
        for format in Self.formats {
            let (m, rows, columns) = (6, 11, 32 * 7)
            let x = (0..<(m * columns)).map { _ in Float.random(in: -3...3, using: &generator) }
            let blocks = Int8Reference.randomBlocks(format, rows: rows, columns: columns, generator: &generator)
            var outputs: [[UInt32]] = []
            for kernel: Int32 in [0, 1, 2] {
                _ = imprint_int8_kernel(kernel)
                outputs.append(try int8Product(format, blocks: blocks, rows: rows, columns: columns, x: x, m: m).map(\.bitPattern))
            }
            XCTAssertEqual(outputs[1], outputs[0], "\(format): AVX-512 BW vs portable")
            XCTAssertEqual(outputs[2], outputs[0], "\(format): VNNI (or the best below it) vs portable")
        }
    }

    func testAVX512BWKernelMatchesReference() throws { try checkKernelAgainstReference(1) }

    func testVNNIKernelMatchesReference() throws { try checkKernelAgainstReference(2) }

    /// The C quantizer and the Swift model agree bit for bit (codes, float16 scales, Q8_1 sums),
    /// including exact halves, zero blocks, float16-subnormal and large scales.
    func testQuantizerMatchesReference() {
        var generator = RandomGenerator(seed: 7)
        var x = (0..<(3 * 160)).map { _ in Float.random(in: -5...5, using: &generator) }
        for l in 0..<32 { x[l] = Float(l) - 15.5 }          // amax = 127: 127 / amax = 1, so these stay exact halves
        x[31] = 127
        for l in 32..<64 { x[l] = 0 }                         // a zero block: d = 0, codes 0
        for l in 64..<96 { x[l] *= 1e-7 }                    // d a float16 subnormal
        for l in 96..<128 { x[l] *= 20000 }                  // d near the float16 maximum
        let actual = x.withUnsafeBufferPointer { QuantizedMatrix.quantizeActivations($0.baseAddress!, m: 3, columns: 160) }
        let expected = Int8Reference.quantize(x, columns: 160)
        XCTAssertEqual(actual.codes, expected.codes)
        XCTAssertEqual(actual.scales.map(\.bitPattern), expected.scales.map(\.bitPattern))
        XCTAssertEqual(actual.sums.map(\.bitPattern), expected.sums.map(\.bitPattern))
        XCTAssertEqual(Array(actual.codes[0..<4]), [-16, -14, -14, -12])  // −15.5, −14.5, −13.5, −12.5 to even
    }

    /// The K-quants have no int8 product (llama.cpp uses Q8_K activations there): a typed error naming
    /// the format, the weight keeping float32.
    func testUnsupportedFormatsAreRefused() {
        for format in QuantizedMatrix.Format.allCases where !Self.formats.contains(format) {
            let matrix = QuantizedMatrix(format: format, rows: 1, columns: 256, blocks: [UInt8](repeating: 0, count: format.blockBytes))
            XCTAssertThrowsError(try matrix.setDecodingPrecision(.int8, name: "blk.0.ffn_down.weight")) { error in
                XCTAssertEqual(error as? DecodingPrecisionError, .unsupportedFormat(format, weight: "blk.0.ffn_down.weight", precision: .int8))
                XCTAssertTrue("\(error)".contains("\(format)"), "\(error)")
            }
            XCTAssertEqual(matrix.decodingPrecision, .float32)
        }
    }
}
