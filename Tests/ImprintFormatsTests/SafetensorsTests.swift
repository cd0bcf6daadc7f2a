import Foundation
import XCTest
@testable import ImprintFormats

final class SafetensorsTests: XCTestCase {
    func testReadsEveryTypeWrittenByTheReferenceWriter() throws {
        let file = try SafetensorsFile(contentsOf: Fixtures.url("mixed.safetensors"))
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(file.tensorNames, ["i64", "f32", "i32", "bf16", "f16"])
        XCTAssertEqual(try file.info("f32").shape, [2, 3])
        XCTAssertEqual(try file.info("bf16").dataType, .bf16)
        XCTAssertEqual(try file.info("f16").dataOffsets, 76..<84)
        for name in ["f32", "f16", "bf16"] {
            let reference = try Fixtures.floats("mixed_\(name).npy")
            XCTAssertEqual(try file.info(name).shape, reference.shape, name)
            XCTAssertEqual(bits(try file.floats(name)), bits(reference.values), name)
        }
        XCTAssertEqual(try file.ints("i64"), try NPY.read(Fixtures.url("mixed_i64.npy")).ints)
        XCTAssertEqual(try file.ints("i32"), [7, -8, 2_000_000_000, 0])
        assertFormatError(try file.floats("i64"), mentions: ["mixed.safetensors", "i64", "I64", "F32"])
        assertFormatError(try file.ints("f32"), mentions: ["f32", "F32", "I64"])
        assertFormatError(try file.floats("missing"), mentions: ["mixed.safetensors", "missing"])
    }

    func testShardedDirectory() throws {
        let checkpoint = try SafetensorsCheckpoint(contentsOf: Fixtures.url("sharded"))
        XCTAssertEqual(checkpoint.files.count, 2)
        XCTAssertEqual(checkpoint.tensorNames, ["a", "b", "c"])
        XCTAssertEqual(try checkpoint.floats("a"), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try checkpoint.floats("b"), [1.5])
        XCTAssertEqual(try checkpoint.floats("c"), [2, 4])
        XCTAssertEqual(try checkpoint.info("c").shape, [1, 2])
        XCTAssertEqual(try checkpoint.file(containing: "c").url.lastPathComponent, "model-00002-of-00002.safetensors")
        XCTAssertEqual(checkpoint.metadata, ["format": "pt"])
        assertFormatError(try checkpoint.floats("d"), mentions: ["sharded", "\"d\""])

        let single = try SafetensorsCheckpoint(contentsOf: Fixtures.url("mixed.safetensors"))
        XCTAssertEqual(single.tensorNames.count, 5)
    }

    func testShardedDirectoryErrors() throws {
        let directory = try temporaryDirectory(self)
        assertFormatError(try SafetensorsCheckpoint(contentsOf: directory),
                          mentions: [directory.path, "model.safetensors", "index.json"])
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        try Data(#"{"weight_map": {"a": "missing.safetensors"}}"#.utf8).write(to: index)
        assertFormatError(try SafetensorsCheckpoint(contentsOf: directory), mentions: ["missing.safetensors", "cannot open"])
        try Data(#"{"metadata": {}}"#.utf8).write(to: index)
        assertFormatError(try SafetensorsCheckpoint(contentsOf: directory), mentions: ["index.json", "weight_map"])
        try FileManager.default.copyItem(at: Fixtures.url("mixed.safetensors"),
                                         to: directory.appendingPathComponent("shard.safetensors"))
        try Data(#"{"weight_map": {"nope": "shard.safetensors"}}"#.utf8).write(to: index)
        assertFormatError(try SafetensorsCheckpoint(contentsOf: directory),
                          mentions: ["index.json", "weight_map.nope", "shard.safetensors"])
    }

    /// The writer produces the reference writer's exact bytes, F16/BF16 rounding included.
    func testWriterMatchesTheReferenceBytes() throws {
        let weight = try Fixtures.floats("written_source_weight.npy")
        let half = try Fixtures.floats("written_source_half.npy")
        let brain = try Fixtures.floats("written_source_brain.npy")
        let first = try Fixtures.floats("written_source_a_first.npy")
        let tensors = [
            SafetensorsTensor(name: "weight", shape: weight.shape, values: weight.values),
            SafetensorsTensor(name: "half", shape: half.shape, values: half.values, dataType: .f16),
            SafetensorsTensor(name: "brain", shape: brain.shape, values: brain.values, dataType: .bf16),
            SafetensorsTensor(name: "a_first", shape: first.shape, values: first.values),
        ]
        let reference = try Data(contentsOf: Fixtures.url("written_reference.safetensors"))
        XCTAssertEqual(SafetensorsWriter.encode(tensors, metadata: ["format": "pt"]), reference)

        let url = try temporaryDirectory(self).appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: url)
        XCTAssertEqual(try Data(contentsOf: url), reference)
    }

    func testRoundTripAndAtomicReplacement() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("out.safetensors")
        try Data("old contents".utf8).write(to: url)
        let values = (0..<35).map { Float($0) * 0.37 - 3 }
        try SafetensorsWriter.write([
            SafetensorsTensor(name: "model.layers.0.weight", shape: [5, 7], values: values),
            SafetensorsTensor(name: "ids", shape: [3], int64s: [1, -2, 1 << 40]),
            SafetensorsTensor(name: "small", shape: [2], int32s: [3, -4]),
            SafetensorsTensor(name: "scalar", shape: [], values: [2.5], dataType: .bf16),
            SafetensorsTensor(name: "quote\"name", shape: [0], values: []),
        ], metadata: ["b": "2", "a": "1"], to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.safetensors"])
        let file = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(file.metadata, ["a": "1", "b": "2"])
        XCTAssertEqual(try file.floats("model.layers.0.weight"), values)
        XCTAssertEqual(try file.ints("ids"), [1, -2, 1 << 40])
        XCTAssertEqual(try file.ints("small"), [3, -4])
        XCTAssertEqual(try file.floats("scalar"), [2.5])
        XCTAssertEqual(try file.info("scalar").shape, [])
        XCTAssertEqual(try file.floats("quote\"name"), [])
        XCTAssertEqual((8 + (try Data(contentsOf: url)).prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }) % 8, 0)

        let missingDirectory = directory.appendingPathComponent("absent/out.safetensors")
        assertFormatError(try SafetensorsWriter.write([], to: missingDirectory), mentions: ["absent/out.safetensors"])
    }

    // MARK: Malformed files

    private func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) throws -> URL {
        let url = try temporaryDirectory(self).appendingPathComponent("bad.safetensors")
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8) + data
        try Data(bytes).write(to: url)
        return url
    }

    func testEveryTruncationThrows() throws {
        let whole = try [UInt8](Data(contentsOf: Fixtures.url("mixed.safetensors")))
        let url = try temporaryDirectory(self).appendingPathComponent("truncated.safetensors")
        for length in 0..<whole.count {
            try Data(whole[0..<length]).write(to: url)
            XCTAssertThrowsError(try SafetensorsFile(contentsOf: url), "length \(length)") { error in
                XCTAssertTrue("\(error)".contains("truncated.safetensors"), "length \(length): \(error)")
            }
        }
    }

    func testMalformedHeaders() throws {
        assertFormatError(try SafetensorsFile(contentsOf: file(header: "{}", declaredLength: 1 << 40)),
                          mentions: ["bad.safetensors", "header length", "at most"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: "{\"a\": ", declaredLength: 6)),
                          mentions: ["bad.safetensors", "JSON header", "valid JSON"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: "[1, 2]")), mentions: ["JSON object"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#,
                                                               data: [0, 0, 0, 0])),
                          mentions: ["w.dtype", "missing"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"w": {"dtype": "F7", "shape": [1], "data_offsets": [0, 4]}}"#,
                                                               data: [0, 0, 0, 0])),
                          mentions: ["w.dtype", "F7", "F32"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#,
                                                               data: [0, 0, 0, 0])),
                          mentions: ["w.shape", "non-negative"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#,
                                                               data: [0, 0, 0, 0])),
                          mentions: ["w.data_offsets", "8 bytes", "found 4 bytes"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#,
                                                               data: [0, 0, 0, 0])),
                          mentions: ["w.data_offsets", "begin <= end"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"__metadata__": {"a": 1}}"#)),
                          mentions: ["__metadata__.a", "a string"])
    }

    func testOffsetsPastTheEndOrNotTiling() throws {
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#,
                                                               data: [0, 0, 0, 0])),
                          mentions: ["bad.safetensors", "\"w\"", "0..<8", "within 0..<4"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#,
                                                               data: [UInt8](repeating: 0, count: 8))),
                          mentions: ["data_offsets of w", "start at byte 0"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#,
                                                               data: [UInt8](repeating: 0, count: 12))),
                          mentions: ["data section", "4 bytes", "found 12 bytes"])
        assertFormatError(try SafetensorsFile(contentsOf: file(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#,
                                                               data: [UInt8](repeating: 0, count: 4))),
                          mentions: ["start at byte 4"])
    }
}
