import CImprintKernels
import Foundation
import XCTest
@testable import ImprintTensor

/// `DecodingPrecision.int8` against ggml's CPU backend itself: Fixtures/int8_products.json holds the
/// Q8_0 / Q8_1 activation blocks of ggml's x86 quantizer, gguf-py's Q8_0 blocks of the same values,
/// weight blocks from `ggml_quantize_chunk` and the products of ggml's `vec_dot` kernels
/// (make_int8_fixture.py, ggml_int8_products.c).
final class Int8GGMLParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Weights: Decodable {
            let blocks: String
            let products: [Float]
        }
        let m: Int, k: Int, n: Int
        let x: [Float]
        let ggml_activations: [String: String]
        let gguf_py_q8_0: String
        let weights: [String: Weights]
    }

    func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("int8_products.json")))
    }

    func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    func half(_ bytes: [UInt8], _ offset: Int) -> Float { Float(Float16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)) }

    /// Imprint's quantizer gives ggml's CPU blocks bit for bit: Q8_0 (d, q[32]) and Q8_1 (d, s, q[32]).
    func testQuantizerEqualsGGMLCPUBlocks() throws {
        let f = try fixture()
        let ours = f.x.withUnsafeBufferPointer { QuantizedMatrix.quantizeActivations($0.baseAddress!, m: f.m, columns: f.k) }
        let q8_0 = bytes(f.ggml_activations["q8_0"]!), q8_1 = bytes(f.ggml_activations["q8_1"]!)
        for block in 0..<(f.m * f.k / 32) {
            XCTAssertEqual(ours.scales[block], half(q8_0, 34 * block), "Q8_0 d of block \(block)")
            XCTAssertEqual(ours.codes[(32 * block)..<(32 * block + 32)].map { UInt8(bitPattern: $0) }, Array(q8_0[(34 * block + 2)..<(34 * block + 34)]),
                           "Q8_0 codes of block \(block)")
            XCTAssertEqual(ours.scales[block], half(q8_1, 36 * block), "Q8_1 d of block \(block)")
            XCTAssertEqual(ours.sums[block], half(q8_1, 36 * block + 2), "Q8_1 s of block \(block)")
            XCTAssertEqual(Array(q8_1[(36 * block + 4)..<(36 * block + 36)]), Array(q8_0[(34 * block + 2)..<(34 * block + 34)]))
        }
    }

    /// gguf-py's `quants.quantize` (as ggml's reference `quantize_row_q8_0_ref`, used to write
    /// files) rounds halves away from zero with id = 1 / d; ggml's CPU quantizer, which Imprint
    /// matches, rounds them to even with id = 127 / amax. Same scales; the codes differ by one,
    /// and only where gguf-py's scaled value is an exact half.
    func testGGUFPyDiffersOnlyAtExactHalves() throws {
        let f = try fixture()
        let ours = f.x.withUnsafeBufferPointer { QuantizedMatrix.quantizeActivations($0.baseAddress!, m: f.m, columns: f.k) }
        let gguf = bytes(f.gguf_py_q8_0)
        var differences = 0
        for block in 0..<(f.m * f.k / 32) {
            let d = half(gguf, 34 * block)
            XCTAssertEqual(ours.scales[block], d, "block \(block)")
            let amax = f.x[(32 * block)..<(32 * block + 32)].map { Swift.abs($0) }.max()!
            let inverse: Float = amax == 0 ? 0 : 1 / (amax / 127)  // gguf-py's float32 id
            for l in 0..<32 {
                let theirs = Int(Int8(bitPattern: gguf[34 * block + 2 + l])), mine = Int(ours.codes[32 * block + l])
                guard theirs != mine else { continue }
                differences += 1
                let scaled = f.x[32 * block + l] * inverse
                XCTAssertEqual(Swift.abs(scaled - scaled.rounded(.towardZero)), 0.5, "block \(block) value \(l): \(f.x[32 * block + l])")
                XCTAssertEqual(Swift.abs(theirs - mine), 1)
            }
        }
        print("gguf-py vs ggml CPU Q8_0 activation codes: \(differences) of \(f.m * f.k) differ (exact halves)")
        XCTAssertGreaterThan(differences, 0, "the fixture's row 0 is made of halves")
    }

    /// Imprint's int8 products are within 1e-6 of the largest output of ggml's `vec_dot` on the same
    /// blocks, with every kernel this CPU has (measured: a few float32 ulps; see imprint_int8.h for the
    /// order of the float sums, the only difference).
    func testProductsAreGGMLVecDots() throws {
        let f = try fixture()
        let previous = imprint_int8_kernel(-1)
        defer { _ = imprint_int8_kernel(previous) }
        let formats: [(String, QuantizedMatrix.Format)] = [("q8_0", .q8_0), ("q4_0", .q4_0), ("q4_1", .q4_1), ("q5_0", .q5_0),
                                                           ("q5_1", .q5_1), ("iq4_nl", .iq4_NL)]
        for kernel: Int32 in [0, 1, 2] {
            _ = imprint_int8_kernel(kernel)
            guard imprint_int8_kernel(-1) == kernel else { continue }
            for (name, format) in formats {
                let recorded = try XCTUnwrap(f.weights[name], name)
                let matrix = QuantizedMatrix(format: format, rows: f.n, columns: f.k, blocks: bytes(recorded.blocks))
                try matrix.setDecodingPrecision(.int8)
                var out = [Float](repeating: .nan, count: f.m * f.n)
                f.x.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { matrix.frozenProduct(x.baseAddress!, m: f.m, into: $0.baseAddress!) } }
                let scale = recorded.products.map { Swift.abs($0) }.max()!
                let worst = zip(out, recorded.products).map { Swift.abs($0 - $1) }.max()!
                print("kernel \(kernel) \(name): max |Imprint − ggml vec_dot| = \(worst) (\(worst / scale) of the largest)")
                // Same quantized operands and the same exact integer dot per block; only the float
                // order differs (ggml: eight partial lanes per block, summed at the end; Imprint: one
                // exact block sum after another), so the outputs differ in the last bits only.
                XCTAssertLessThanOrEqual(worst, 1e-6 * scale, "kernel \(kernel) \(name)")
            }
        }
    }
}
