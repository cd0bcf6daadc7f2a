import Foundation

/// A bounds-checked little-endian cursor over a byte buffer. Every read checks the remaining
/// length first and throws `FormatError.truncated` naming the field, so a parser built on it
/// cannot read past the end of a malformed file.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset: Int

    init(bytes: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are available.
    func require(_ count: Int, for field: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw FormatError.truncated(path: path, field: field(), offset: offset, needed: count,
                                        fileSize: bytes.count)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: @autoclosure () -> String) throws -> T {
        try require(MemoryLayout<T>.size, for: field())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ field: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, field()))
    }

    mutating func readDouble(_ field: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, field()))
    }

    /// Reads `count` raw bytes and returns them as a buffer slice (no copy).
    mutating func readBytes(_ count: Int, _ field: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try require(count, for: field())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// Reads a count stored as UInt64 and checks it against `limit` before it is used to size anything.
    mutating func readCount(_ field: @autoclosure () -> String, limit: Int) throws -> Int {
        let start = offset
        let raw = try read(UInt64.self, field())
        guard raw <= UInt64(max(limit, 0)) else {
            throw FormatError.invalidValue(path: path, field: field(),
                                           expected: "at most \(limit) (all the bytes after offset \(start) can hold; is the file truncated?)",
                                           found: String(raw))
        }
        return Int(raw)
    }
}
