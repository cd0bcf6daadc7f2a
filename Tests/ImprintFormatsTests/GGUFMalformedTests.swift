import Foundation
import XCTest
@testable import ImprintFormats

/// Malformed GGUF files throw a `FormatError` naming the file, the field and the expectation;
/// none crashes the parser.
final class GGUFMalformedTests: XCTestCase {
    private func parse(_ bytes: [UInt8], name: String = "bad.gguf") throws -> GGUFFile {
        let url = try temporaryDirectory(self).appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return try GGUFFile(contentsOf: url)
    }

    /// Every truncation of a valid file that cuts the header or a tensor's data throws.
    func testEveryTruncationThrows() throws {
        let whole = try [UInt8](Data(contentsOf: Fixtures.url("quants.gguf")))
        let file = try GGUFFile(contentsOf: Fixtures.url("quants.gguf"))
        let needed = file.dataOffset + file.tensors.map { $0.offset + $0.byteCount }.max()!
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("truncated.gguf")
        // Every length through the header, then a stride through the data section.
        let lengths = Array(0..<file.dataOffset) + Array(stride(from: file.dataOffset, to: needed, by: 7)) + [needed - 1]
        for length in lengths {
            try Data(whole[0..<length]).write(to: url)
            XCTAssertThrowsError(try GGUFFile(contentsOf: url), "length \(length)") { error in
                XCTAssertTrue(error is FormatError, "length \(length): \(error)")
                XCTAssertTrue("\(error)".contains("truncated.gguf"), "length \(length): \(error)")
            }
        }
        assertFormatError(try parse(Array(whole[0..<100])), mentions: ["bad.gguf", "truncated", "expected"])
        assertFormatError(try parse(Array(whole[0..<(needed - 1)])),
                          mentions: ["tensor \"tensor.Q6_K\"", "expected them within"])
    }

    func testBadMagic() throws {
        var whole = try [UInt8](Data(contentsOf: Fixtures.url("quants.gguf")))
        whole[0] = UInt8(ascii: "X")
        assertFormatError(try parse(whole), mentions: ["bad.gguf", "bad magic", "GGUF", "58 47 55 46"])
        assertFormatError(try parse([]), mentions: ["bad.gguf", "magic", "expected 4 bytes"])
    }

    func testUnknownVersion() throws {
        var builder = GGUFBuilder()
        builder.header(version: 4, tensorCount: 0, metadataCount: 0)
        assertFormatError(try parse(builder.bytes), mentions: ["bad.gguf", "version 4", "[2, 3]"])
        builder = GGUFBuilder()
        builder.header(version: 3 << 24, tensorCount: 0, metadataCount: 0)  // a big-endian file
        assertFormatError(try parse(builder.bytes), mentions: ["unsupported version"])
        builder = GGUFBuilder()
        builder.header(version: 2, tensorCount: 0, metadataCount: 0)
        XCTAssertEqual(try parse(builder.bytes).version, 2)
    }

    func testUnknownValueType() throws {
        var builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 1)
        builder.string("general.weird")
        builder.u32(13)
        builder.u32(0)
        assertFormatError(try parse(builder.bytes), mentions: ["value type of general.weird", "0...12", "13"])

        builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 1)
        builder.string("general.list")
        builder.u32(GGUFValueType.array.rawValue)
        builder.u32(99)
        builder.u64(1)
        assertFormatError(try parse(builder.bytes), mentions: ["element type of general.list", "99"])
    }

    func testStringLengthPastEndOfFile() throws {
        var builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 1)
        builder.string("general.name")
        builder.u32(GGUFValueType.string.rawValue)
        builder.u64(1_000)
        builder.bytes += Array("short".utf8)
        assertFormatError(try parse(builder.bytes), mentions: ["bad.gguf", "general.name", "expected 1000 bytes"])

        builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 1)
        builder.u64(UInt64.max)  // key length
        assertFormatError(try parse(builder.bytes), mentions: ["key of metadata entry 0", "truncated"])
    }

    func testHugeCountsAreRejectedBeforeAllocation() throws {
        var builder = GGUFBuilder()
        builder.header(tensorCount: UInt64.max, metadataCount: 0)
        assertFormatError(try parse(builder.bytes), mentions: ["tensor_count", "at most"])
        builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 1)
        builder.string("tokenizer.ggml.tokens")
        builder.u32(GGUFValueType.array.rawValue)
        builder.u32(GGUFValueType.string.rawValue)
        builder.u64(1 << 60)
        assertFormatError(try parse(builder.bytes), mentions: ["element count of tokenizer.ggml.tokens", "at most"])
    }

    func testInvalidUTF8AndBool() throws {
        var builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 1)
        builder.string("general.name")
        builder.u32(GGUFValueType.string.rawValue)
        builder.u64(2)
        builder.bytes += [0xC3, 0x28]
        assertFormatError(try parse(builder.bytes), mentions: ["general.name", "UTF-8"])

        builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 1)
        builder.string("general.flag")
        builder.u32(GGUFValueType.bool.rawValue)
        builder.u8(7)
        assertFormatError(try parse(builder.bytes), mentions: ["general.flag", "0 or 1", "7"])
    }

    func testUnknownGGMLType() throws {
        var builder = GGUFBuilder()
        builder.header(tensorCount: 1, metadataCount: 0)
        builder.tensorInfo("blk.0.attn_q.weight", dimensions: [32, 2], type: 31, offset: 0)
        builder.pad(to: 32)
        builder.bytes += [UInt8](repeating: 0, count: 256)
        assertFormatError(try parse(builder.bytes), mentions: ["bad.gguf", "type of tensor blk.0.attn_q.weight", "31"])
    }

    func testTensorOutOfBoundsAndMisaligned() throws {
        var builder = GGUFBuilder()
        builder.header(tensorCount: 1, metadataCount: 0)
        builder.tensorInfo("token_embd.weight", dimensions: [4, 4], type: GGMLType.f32.rawValue, offset: 32)
        builder.pad(to: 32)
        builder.bytes += [UInt8](repeating: 0, count: 64)
        assertFormatError(try parse(builder.bytes),
                          mentions: ["bad.gguf", "token_embd.weight", "32..<96", "within 0..<64"])

        builder = GGUFBuilder()
        builder.header(tensorCount: 1, metadataCount: 0)
        builder.tensorInfo("token_embd.weight", dimensions: [4], type: GGMLType.f32.rawValue, offset: 4)
        builder.pad(to: 32)
        builder.bytes += [UInt8](repeating: 0, count: 64)
        assertFormatError(try parse(builder.bytes), mentions: ["offset of tensor token_embd.weight", "alignment 32"])

        builder = GGUFBuilder()
        builder.header(tensorCount: 1, metadataCount: 0)
        builder.tensorInfo("huge", dimensions: [1 << 34, 1 << 34, 1 << 34], type: GGMLType.f32.rawValue, offset: 0)
        assertFormatError(try parse(builder.bytes), mentions: ["dimensions of tensor huge", "overflow"])

        builder = GGUFBuilder()
        builder.header(tensorCount: 1, metadataCount: 0)
        builder.tensorInfo("odd", dimensions: [33], type: GGMLType.q8_0.rawValue, offset: 0)
        assertFormatError(try parse(builder.bytes), mentions: ["dimension 0 of tensor odd", "block size 32", "33"])

        // K-quant and IQ4_XS rows hold whole 256-value super-blocks.
        for type in [GGMLType.q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_XS] {
            builder = GGUFBuilder()
            builder.header(tensorCount: 1, metadataCount: 0)
            builder.tensorInfo("short_rows", dimensions: [128, 2], type: type.rawValue, offset: 0)
            assertFormatError(try parse(builder.bytes), mentions: ["dimension 0 of tensor short_rows", "\(type) block size 256", "128"])
        }

        // A Q6_K tensor [2, 256] needs 2 · 210 bytes; one byte fewer is out of bounds.
        builder = GGUFBuilder()
        builder.header(tensorCount: 1, metadataCount: 0)
        builder.tensorInfo("q6", dimensions: [256, 2], type: GGMLType.q6_K.rawValue, offset: 0)
        builder.pad(to: 32)
        builder.bytes += [UInt8](repeating: 0, count: 2 * 210 - 1)
        assertFormatError(try parse(builder.bytes), mentions: ["q6", "0..<420", "within 0..<419"])

        builder = GGUFBuilder()
        builder.header(tensorCount: 1, metadataCount: 0)
        builder.tensorInfo("five", dimensions: [1, 1, 1, 1, 1], type: GGMLType.f32.rawValue, offset: 0)
        assertFormatError(try parse(builder.bytes), mentions: ["dimension count of tensor five", "at most 4", "5"])
    }

    func testBadAlignmentAndDuplicateNames() throws {
        var builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 1)
        builder.string("general.alignment")
        builder.u32(GGUFValueType.uint32.rawValue)
        builder.u32(12)
        assertFormatError(try parse(builder.bytes), mentions: ["general.alignment", "multiple of 8", "12"])

        builder = GGUFBuilder()
        builder.header(tensorCount: 2, metadataCount: 0)
        builder.tensorInfo("same", dimensions: [1], type: GGMLType.f32.rawValue, offset: 0)
        builder.tensorInfo("same", dimensions: [1], type: GGMLType.f32.rawValue, offset: 32)
        builder.pad(to: 32)
        builder.bytes += [UInt8](repeating: 0, count: 64)
        assertFormatError(try parse(builder.bytes), mentions: ["tensor name same", "unique"])
    }

    func testDeeplyNestedArraysAreRejected() throws {
        var builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 1)
        builder.string("general.deep")
        builder.u32(GGUFValueType.array.rawValue)
        for _ in 0..<20 {
            builder.u32(GGUFValueType.array.rawValue)
            builder.u64(1)
        }
        builder.u32(GGUFValueType.uint8.rawValue)
        builder.u64(0)
        assertFormatError(try parse(builder.bytes), mentions: ["general.deep", "nested"])
    }

    func testMissingFile() {
        assertFormatError(try GGUFFile(path: "/nonexistent/model.gguf"), mentions: ["/nonexistent/model.gguf", "cannot open"])
    }
}
