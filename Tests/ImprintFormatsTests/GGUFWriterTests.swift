import Foundation
import XCTest
@testable import ImprintFormats

/// `GGUFWriter` and `GGMLQuantization` against gguf-py 0.19 (Fixtures/make_gguf_writer_fixture.py)
/// and through Imprint's own reader.
final class GGUFWriterTests: XCTestCase {
    /// Rewriting the fixture's metadata and tensors, with F16/BF16/Q8_0 re-encoded from its F32
    /// input by Imprint, gives gguf-py's file byte for byte.
    func testWritesTheSameBytesAsGGUFPy() throws {
        let fixture = Fixtures.url("written_by_gguf_py.gguf")
        let file = try GGUFFile(contentsOf: fixture)
        let input = try file.dequantize(try file.requireTensor("input"))
        let shape = try file.requireTensor("input").shape
        XCTAssertEqual(shape, [3, 64])
        var tensors = [GGUFTensor(name: "input", shape: shape, values: input, type: .f32)]
        for (label, type) in [("f16", GGMLType.f16), ("bf16", .bf16), ("q8_0", .q8_0)] {
            let encoded = GGUFTensor(name: "input.\(label)", shape: shape, values: input, type: type)
            XCTAssertEqual(try file.requireTensor(encoded.name).type, type)
            XCTAssertEqual(encoded.data, try file.data(encoded.name), "\(type) differs from gguf.quants.quantize")
            tensors.append(encoded)
        }
        tensors.append(GGUFTensor(name: "odd", shape: [5], values: [1, 2, 3, 4, 5], type: .f32))
        tensors.append(GGUFTensor(name: "ids", shape: [2, 3], type: .i32, data: try file.data("ids")))
        let metadata = file.metadata.keys.map { (key: $0, value: file.metadata[$0]!) }
        XCTAssertEqual(metadata.last?.key, "general.alignment")

        let output = try temporaryDirectory(self).appendingPathComponent("written.gguf")
        try GGUFWriter.write(metadata: metadata, tensors: tensors, to: output)
        let written = try Data(contentsOf: output), expected = try Data(contentsOf: fixture)
        XCTAssertEqual(written.count, expected.count)
        XCTAssertEqual(written, expected, "first difference at byte \(zip(written, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
    }

    /// Every value type, nested arrays and tensors of awkward sizes read back unchanged, at the
    /// default alignment and at a custom one; rewriting replaces the file without leftovers.
    func testRoundTripsThroughTheReader() throws {
        let directory = try temporaryDirectory(self)
        let values: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("llama")), ("u8", .uint8(255)), ("i8", .int8(-128)), ("u16", .uint16(65535)),
            ("i16", .int16(-32768)), ("u32", .uint32(.max)), ("i32", .int32(.min)), ("u64", .uint64(.max)), ("i64", .int64(.min)),
            ("f32", .float32(-0.0)), ("f64", .float64(.pi)), ("yes", .bool(true)), ("no", .bool(false)), ("empty", .string("")),
            ("text", .string("a\u{0}b ü")), ("empty array", .array(.int32, [])),
            ("strings", .array(.string, [.string("x"), .string("")])),
            ("nested", .array(.array, [.array(.uint8, [.uint8(1)]), .array(.string, [.string("y")])])),
        ]
        let q8Values = (0..<96).map { Float(sin(Double($0) * 0.7)) * 3 }
        let tensors = [
            GGUFTensor(name: "a", shape: [1], values: [7], type: .f32),
            GGUFTensor(name: "b", shape: [3, 5], values: (0..<15).map(Float.init), type: .f16),
            GGUFTensor(name: "c", shape: [3, 32], values: q8Values, type: .q8_0),
            GGUFTensor(name: "d", shape: [2, 1, 3], values: (0..<6).map { Float($0) / 3 }, type: .bf16),
        ]
        for alignment in [nil, 128] {
            let metadata = values + (alignment.map { [(key: "general.alignment", value: GGUFValue.uint32(UInt32($0)))] } ?? [])
            let url = directory.appendingPathComponent("model.gguf")
            try GGUFWriter.write(metadata: metadata, tensors: tensors, to: url)
            try GGUFWriter.write(metadata: metadata, tensors: tensors, to: url)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.gguf"])
            let file = try GGUFFile(contentsOf: url)
            XCTAssertEqual(file.version, 3)
            XCTAssertEqual(file.alignment, alignment ?? 32)
            XCTAssertEqual(file.metadata.keys, metadata.map(\.key))
            for (key, value) in metadata { XCTAssertEqual(file.metadata[key], value, key) }
            XCTAssertEqual(file.tensors.map(\.name), tensors.map(\.name))
            for tensor in tensors {
                let info = try file.requireTensor(tensor.name)
                XCTAssertEqual(info.shape, tensor.shape, tensor.name)
                XCTAssertEqual(info.type, tensor.type, tensor.name)
                XCTAssertEqual(info.offset % file.alignment, 0, tensor.name)
                XCTAssertEqual(try file.data(tensor.name), tensor.data, tensor.name)
            }
            XCTAssertEqual(try file.dequantize(file.requireTensor("b")), (0..<15).map(Float.init))
            let q8 = try file.dequantize(file.requireTensor("c"))
            for (read, original) in zip(q8, q8Values) { XCTAssertEqual(read, original, accuracy: 3 / 127 / 2 * 1.01) }
        }
    }

    /// Q8_0 by the definition (ggml's `quantize_row_q8_0_ref`) on hand-made blocks.
    func testQ8_0QuantizesByTheDefinition() {
        var block = [Float](repeating: 0, count: 32)
        block[0] = 127; block[1] = 0.5; block[2] = -0.5; block[3] = 2.5; block[4] = -126.5
        let bytes = [UInt8](GGMLQuantization.quantizeQ8_0(block + [Float](repeating: 0, count: 32)))
        XCTAssertEqual(bytes.count, 68)
        XCTAssertEqual(Array(bytes[0..<2]), [0x00, 0x3C])  // scale 1.0 as float16
        XCTAssertEqual(bytes[2..<7].map { Int8(bitPattern: $0) }, [127, 1, -1, 3, -127])  // halves away from zero
        XCTAssertEqual(Array(bytes[34..<68]), [UInt8](repeating: 0, count: 34))  // an all-zero block: scale 0
    }
}
