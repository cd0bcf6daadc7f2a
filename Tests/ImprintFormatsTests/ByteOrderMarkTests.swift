import Foundation
@testable import ImprintCore
import XCTest
@testable import ImprintFormats

/// U+FEFF is content wherever text is read from a file: GGUF strings, safetensors headers and JSON (Python's
/// `utf-8` codec and `json` keep it; Foundation drops a leading one).
final class ByteOrderMarkTests: XCTestCase {
    private func scalars(_ text: String?) -> [UInt32] { text?.unicodeScalars.map(\.value) ?? [] }

    func testExactUTF8KeepsALeadingByteOrderMark() {
        XCTAssertEqual(scalars(ExactUTF8.string([0xEF, 0xBB, 0xBF, 0x23])), [0xFEFF, 0x23])
        XCTAssertEqual(scalars(ExactUTF8.string([0xEF, 0xBB, 0xBF])), [0xFEFF])
        XCTAssertEqual(scalars(ExactUTF8.string([0x61, 0xEF, 0xBB, 0xBF])), [0x61, 0xFEFF])
        XCTAssertNil(ExactUTF8.string([0xEF, 0xBB]))
        XCTAssertNil(ExactUTF8.string([0xFF, 0x23]))
        // The raw-buffer form (GGUF strings) agrees, including on invalid bytes whose repair has the same length.
        for bytes: [UInt8] in [[0xEF, 0xBB, 0xBF, 0x23], [], [0x61], [0xED, 0xA0, 0x80], [0xEF, 0xBB], [0xC3, 0x28, 0x61]] {
            let raw = bytes.withUnsafeBytes { ExactUTF8.string($0) }
            XCTAssertEqual(raw.map(scalars), ExactUTF8.string(bytes).map(scalars), "\(bytes)")
        }
        XCTAssertNil([UInt8]([0xED, 0xA0, 0x80]).withUnsafeBytes { ExactUTF8.string($0) })
    }

    func testGGUFStringsKeepByteOrderMarks() throws {
        var builder = GGUFBuilder()
        builder.header(tensorCount: 0, metadataCount: 2)
        builder.stringPair("general.name", "\u{FEFF}#")
        builder.string("tokenizer.ggml.tokens")
        builder.u32(GGUFValueType.array.rawValue)
        builder.u32(GGUFValueType.string.rawValue)
        builder.u64(3)
        for token in ["#", "\u{FEFF}#", "\u{FEFF}"] { builder.string(token) }
        let url = try temporaryDirectory(self).appendingPathComponent("bom.gguf")
        try builder.write(to: url)
        let file = try GGUFFile(contentsOf: url)
        XCTAssertEqual(scalars(try file.metadata.string("general.name")), [0xFEFF, 0x23])
        XCTAssertEqual(try file.metadata.strings("tokenizer.ggml.tokens").map(scalars), [[0x23], [0xFEFF, 0x23], [0xFEFF]])
    }

    func testJSONKeepsByteOrderMarksInKeysAndValues() throws {
        let text = "{\"\u{FEFF}key\": [\"\u{FEFF}#\", \"a\u{FEFF}\", \"\u{FEFF}\u{FEFF}\", \"\\ufeffescaped\"]}"
        let object = try XCTUnwrap(try ExactUTF8.jsonObject(with: Data(text.utf8)) as? [String: [String]])
        XCTAssertEqual(object.keys.map(scalars), [[0xFEFF] + Array("key".unicodeScalars.map(\.value))])
        let values = try XCTUnwrap(object.values.first)
        XCTAssertEqual(values.map(scalars), [[0xFEFF, 0x23], [0x61, 0xFEFF], [0xFEFF, 0xFEFF],
                                             [0xFEFF] + Array("escaped".unicodeScalars.map(\.value))])
        // A byte order mark before the document is the file's encoding signature, not content.
        let signed = Data([0xEF, 0xBB, 0xBF] + Array("[\"\u{FEFF}x\"]".utf8))
        XCTAssertEqual((try ExactUTF8.jsonObject(with: signed) as? [String]).map { $0.map(scalars) }, [[0xFEFF, 0x78]])
        XCTAssertEqual(ExactUTF8.escapingByteOrderMarks(Data("[1]".utf8)), Data("[1]".utf8))
    }

    func testSafetensorsHeaderKeepsByteOrderMarks() throws {
        let header = "{\"\u{FEFF}w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"__metadata__\":{\"\u{FEFF}note\":\"\u{FEFF}text\"}}"
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8)
        withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { bytes += $0 }
        let url = try temporaryDirectory(self).appendingPathComponent("bom.safetensors")
        try Data(bytes).write(to: url)
        let file = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(file.tensorNames.map(scalars), [[0xFEFF, 0x77]])
        XCTAssertEqual(try file.floats("\u{FEFF}w"), [1.5])
        XCTAssertEqual(file.metadata.map { [scalars($0.key), scalars($0.value)] },
                       [[[0xFEFF] + "note".unicodeScalars.map(\.value), [0xFEFF] + "text".unicodeScalars.map(\.value)]])
    }
}
