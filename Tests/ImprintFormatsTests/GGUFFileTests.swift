import Foundation
import XCTest
@testable import ImprintFormats

final class GGUFFileTests: XCTestCase {
    func testHeaderAndEveryMetadataValueType() throws {
        let file = try GGUFFile(contentsOf: Fixtures.url("quants.gguf"))
        let metadata = file.metadata
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 32)
        XCTAssertEqual(file.dataOffset % 32, 0)
        XCTAssertEqual(try metadata.string("general.architecture"), "llama")
        XCTAssertEqual(metadata["test.uint8"], .uint8(200))
        XCTAssertEqual(metadata["test.int8"], .int8(-100))
        XCTAssertEqual(metadata["test.uint16"], .uint16(60000))
        XCTAssertEqual(metadata["test.int16"], .int16(-30000))
        XCTAssertEqual(metadata["test.uint32"], .uint32(4_000_000_000))
        XCTAssertEqual(metadata["test.int32"], .int32(-2_000_000_000))
        XCTAssertEqual(metadata["test.uint64"], .uint64(18_000_000_000_000_000_000))
        XCTAssertEqual(metadata["test.int64"], .int64(-9_000_000_000_000_000_000))
        XCTAssertEqual(try metadata.float("test.float32"), 0.15625)
        XCTAssertEqual(try metadata.double("test.float64"), 0.1)
        XCTAssertEqual(try metadata.bool("test.bool_true"), true)
        XCTAssertEqual(try metadata.bool("test.bool_false"), false)
        XCTAssertEqual(try metadata.string("test.string"), "héllo wörld ✓")
        XCTAssertEqual(try metadata.strings("test.strings"), ["a", "", "ü b"])
        XCTAssertEqual(try metadata.ints("test.int32s"), [1, -2, 3])
        XCTAssertEqual(try metadata.floats("test.float32s"), [0.5, -1.25])
        XCTAssertEqual(metadata["test.nested"], .array(.array, [.array(.string, [.string("x"), .string("y")]),
                                                                 .array(.string, [.string("z")])]))
        XCTAssertEqual(try metadata.int("llama.block_count"), 2)
        XCTAssertEqual(try metadata.int("test.uint8"), 200)
        XCTAssertNil(try metadata.intIfPresent("llama.context_length"))
        XCTAssertEqual(metadata.keys.first, "general.architecture")
    }

    func testTypedLookupsNameTheFileTheKeyAndTheExpectation() throws {
        let file = try GGUFFile(contentsOf: Fixtures.url("quants.gguf"))
        assertFormatError(try file.metadata.string("tokenizer.ggml.model"),
                          mentions: ["quants.gguf", "tokenizer.ggml.model", "missing", "string"])
        assertFormatError(try file.metadata.string("test.uint32"),
                          mentions: ["quants.gguf", "test.uint32", "expected a string", "found uint32"])
        assertFormatError(try file.metadata.strings("test.int32s"),
                          mentions: ["test.int32s", "array of string", "array of int32"])
        assertFormatError(try file.metadata.int("test.string"), mentions: ["test.string", "integer", "string"])
        assertFormatError(try file.metadata.floats("test.strings"), mentions: ["test.strings", "floats"])
        assertFormatError(try file.metadata.bool("test.float32"), mentions: ["test.float32", "bool", "float32"])
        assertFormatError(try file.requireTensor("output.weight"), mentions: ["quants.gguf", "output.weight"])
    }

    func testTensorInfos() throws {
        let file = try GGUFFile(contentsOf: Fixtures.url("quants.gguf"))
        let expected: [(String, [Int], GGMLType)] = [
            ("tensor.F32", [7], .f32), ("tensor.F16", [3, 5], .f16), ("tensor.BF16", [2, 3, 4], .bf16),
            ("tensor.Q8_0", [5, 64], .q8_0), ("tensor.Q4_0", [3, 96], .q4_0), ("tensor.Q4_1", [7, 32], .q4_1),
            ("tensor.Q4_K", [3, 512], .q4_K), ("tensor.Q6_K", [2, 256], .q6_K),
        ]
        XCTAssertEqual(file.tensors.map(\.name), expected.map(\.0))
        for (name, shape, type) in expected {
            let info = try file.requireTensor(name)
            XCTAssertEqual(info.shape, shape, name)
            XCTAssertEqual(info.dimensions, shape.reversed(), name)
            XCTAssertEqual(info.type, type, name)
            XCTAssertEqual(info.elementCount, shape.reduce(1, *), name)
            XCTAssertEqual(info.rowLength, shape.last, name)
            XCTAssertEqual(info.offset % file.alignment, 0, name)
        }
        XCTAssertEqual(try file.requireTensor("tensor.Q4_K").byteCount, 3 * 2 * 144)
        XCTAssertEqual(try file.requireTensor("tensor.Q6_K").rowByteCount, 210)
    }

    /// The tensors gguf-py wrote dequantize bitwise identically to `gguf.quants.dequantize` (gguf-py 0.19).
    func testDequantizationMatchesGGUFPyBitwise() throws {
        let file = try GGUFFile(contentsOf: Fixtures.url("quants.gguf"))
        XCTAssertEqual(file.tensors.count, 8)
        for info in file.tensors {
            let reference = try Fixtures.floats("quant_\(info.type.name).npy")
            XCTAssertEqual(info.shape, reference.shape, info.name)
            let values = try file.dequantize(info)
            XCTAssertEqual(bits(values), bits(reference.values), "\(info.type.name) differs from gguf-py")
        }
    }

    /// Every quantized type dequantizes random blocks, extreme float16 scales included (max, -max,
    /// subnormals, ±0), bitwise identically to `gguf.quants.dequantize` (Fixtures/make_block_fixtures.py).
    func testEveryQuantizedTypeMatchesGGUFPyOnRandomBlocks() throws {
        let file = try GGUFFile(contentsOf: Fixtures.url("blocks.gguf"))
        let quantizedTypes = GGMLType.dequantizable.filter { $0.blockSize > 1 }
        XCTAssertEqual(Set(file.tensors.map(\.type)), Set(quantizedTypes))
        for type in quantizedTypes {
            let reference = try Fixtures.floats("blocks_\(type.name).npy")
            let info = try file.requireTensor("blocks.\(type.name)")
            XCTAssertEqual(info.type, type)
            XCTAssertEqual(info.shape, reference.shape, type.name)
            let values = try file.dequantize(info)
            let mismatches = zip(bits(values), bits(reference.values)).filter { $0 != $1 }.count
            XCTAssertEqual(mismatches, 0, "\(type.name): \(mismatches) of \(values.count) values differ from gguf-py")
        }
    }

    func testRowRangesMatchTheWholeTensor() throws {
        let file = try GGUFFile(contentsOf: Fixtures.url("quants.gguf"))
        for info in file.tensors {
            let whole = try file.dequantize(info)
            for rows in [0..<1, 1..<info.rowCount, (info.rowCount - 1)..<info.rowCount, 0..<0] {
                let part = try file.dequantizeRows(info, rows: rows)
                let expected = Array(whole[(rows.lowerBound * info.rowLength)..<(rows.upperBound * info.rowLength)])
                XCTAssertEqual(bits(part), bits(expected), "\(info.name) rows \(rows)")
            }
        }
        let q4 = try file.requireTensor("tensor.Q4_0")
        assertFormatError(try file.dequantizeRows(q4, rows: 2..<4), mentions: ["tensor.Q4_0", "0..<3", "2..<4"])
    }

    func testCustomAlignment() throws {
        let file = try GGUFFile(contentsOf: Fixtures.url("aligned64.gguf"))
        XCTAssertEqual(file.alignment, 64)
        XCTAssertEqual(file.dataOffset % 64, 0)
        XCTAssertEqual(try file.dequantize("first"), [0, 1, 2])
        XCTAssertEqual(try file.dequantize("second"), (0..<10).map(Float.init))
        XCTAssertEqual(try file.requireTensor("second").shape, [2, 5])
        XCTAssertEqual(try file.requireTensor("second").offset, 64)
        XCTAssertEqual(try file.data("first"), Data([0, 1, 2].map { Float($0) }.withUnsafeBytes { Array($0) }))
    }

    /// The parallel path (large tensors) matches the serial kernel on random blocks of every type.
    func testParallelDequantizationMatchesSerialKernel() throws {
        let directory = try temporaryDirectory(self)
        var random = SplitMix64(state: 42)
        for type in GGMLType.dequantizable {
            let rowLength = 512
            let rows = 131  // prime, so chunks end mid-row
            let byteCount = rows * rowLength / type.blockSize * type.typeSize
            let data = random.bytes(byteCount)
            let url = directory.appendingPathComponent("\(type.name).gguf")
            try GGUFBuilder.singleTensor(type: type, rowLength: rowLength, rows: rows, data: data).write(to: url)
            let file = try GGUFFile(contentsOf: url)
            let info = try file.requireTensor("weight")
            XCTAssertGreaterThanOrEqual(info.elementCount, GGUFFile.parallelElementThreshold)
            let parallel = try file.dequantize(info)
            var serial = [Float](repeating: 0, count: info.elementCount)
            data.withUnsafeBytes { source in
                GGMLDequantization.dequantize(type, blocks: source.baseAddress!, blockCount: info.elementCount / type.blockSize,
                                              into: &serial)
            }
            XCTAssertEqual(bits(parallel), bits(serial), type.name)
        }
    }

    func testUnsupportedTypeThrowsOnDequantization() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("iq2xxs.gguf")
        try GGUFBuilder.singleTensor(type: .iq2_XXS, rowLength: 256, rows: 1, data: [UInt8](repeating: 0, count: 66)).write(to: url)
        let file = try GGUFFile(contentsOf: url)
        XCTAssertEqual(file.rawBytes(try file.requireTensor("weight")).count, 66)
        assertFormatError(try file.dequantize("weight"), mentions: ["iq2xxs.gguf", "weight", "IQ2_XXS", "Q4_K", "Q5_0", "IQ4_XS"])
    }

    func testHalfPrecisionConversions() {
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.float16BitsToFloat(bits)
            if value.isNaN { continue }
            XCTAssertEqual(HalfPrecision.floatToFloat16Bits(value), bits, "float16 round trip of \(bits)")
        }
        XCTAssertEqual(HalfPrecision.floatToFloat16Bits(1 + 0x1p-11), 0x3C00)          // tie to even: down
        XCTAssertEqual(HalfPrecision.floatToFloat16Bits(1 + 3 * 0x1p-11), 0x3C02)      // tie to even: up
        XCTAssertEqual(HalfPrecision.floatToFloat16Bits(65520), 0x7C00)                 // rounds to infinity
        XCTAssertEqual(HalfPrecision.floatToFloat16Bits(0x1p-25), 0)                    // tie to zero
        XCTAssertEqual(HalfPrecision.floatToFloat16Bits(0x1p-25 * 1.5), 1)              // smallest subnormal
        XCTAssertTrue(HalfPrecision.float16BitsToFloat(HalfPrecision.floatToFloat16Bits(.nan)).isNaN)
        XCTAssertEqual(HalfPrecision.floatToBFloat16Bits(1 + 0x1p-8), 0x3F80)
        XCTAssertEqual(HalfPrecision.floatToBFloat16Bits(1 + 3 * 0x1p-8), 0x3F82)
        XCTAssertEqual(HalfPrecision.bfloat16BitsToFloat(0xC040), -3)
    }
}
