import Foundation

/// The element types the `.npy` reader understands (little-endian only).
public enum NPYDataType: String, Sendable {
    case float32 = "<f4"
    case int64 = "<i8"
    case int32 = "<i4"

    var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .int64: return 8
        }
    }
}

/// An array read from a NumPy `.npy` file (C order).
public struct NPYArray: Sendable, Equatable {
    /// Element storage in the file's own type.
    public enum Values: Sendable, Equatable {
        case float32([Float])
        case int64([Int64])
        case int32([Int32])
    }

    /// The shape, outermost first; `[]` for a 0-d array.
    public let shape: [Int]
    /// The elements, row-major.
    public let values: Values

    public var dataType: NPYDataType {
        switch values {
        case .float32: return .float32
        case .int64: return .int64
        case .int32: return .int32
        }
    }

    /// The elements when the array is float32, else nil.
    public var floats: [Float]? {
        if case let .float32(floats) = values { return floats }
        return nil
    }

    /// The elements as `Int` when the array holds integers, else nil.
    public var ints: [Int]? {
        switch values {
        case let .int64(values): return values.map { Int($0) }
        case let .int32(values): return values.map { Int($0) }
        case .float32: return nil
        }
    }
}

/// NumPy `.npy` files: a float32 writer and a float32/int64/int32 reader.
///
/// Format (numpy `lib/format.py`): magic `\x93NUMPY`, version bytes, a little-endian header
/// length (uint16 in 1.0, uint32 in 2.0/3.0), then a Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and a
/// final newline so that the data starts at a multiple of 64 bytes.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    static let alignment = 64
    /// numpy leaves room for the first axis to grow to this many digits (`GROWTH_AXIS_MAX_DIGITS`).
    static let growthAxisMaximumDigits = 21

    // MARK: Writing

    /// The bytes `numpy.save` writes for a float32 C-order array of `shape` (version 1.0).
    /// - Precondition: `values.count` equals the product of `shape`.
    public static func encode(_ values: [Float], shape: [Int]) -> Data {
        precondition(values.count == shape.reduce(1, *),
                     "NPY.encode: \(values.count) values do not fill shape \(shape)")
        var data = header(descriptor: NPYDataType.float32.rawValue, shape: shape)
        values.withUnsafeBufferPointer { buffer in
            data.append(UnsafeBufferPointer(start: buffer.baseAddress, count: buffer.count))
        }
        return data
    }

    /// Writes a float32 array as `.npy`, atomically (temporary file + rename).
    public static func write(_ values: [Float], shape: [Int], to url: URL) throws {
        try AtomicFile.write(encode(values, shape: shape), to: url)
    }

    static func header(descriptor: String, shape: [Int]) -> Data {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dictionary = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(shapeText), }"
        if let first = shape.first {
            dictionary += String(repeating: " ", count: max(0, growthAxisMaximumDigits - String(first).count))
        }
        let unpadded = magic.count + 2 + 2 + dictionary.utf8.count + 1
        let padding = (alignment - unpadded % alignment) % alignment
        dictionary += String(repeating: " ", count: padding) + "\n"
        var data = Data(magic + [1, 0])
        let length = UInt16(dictionary.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(dictionary.utf8))
        return data
    }

    // MARK: Reading

    /// Reads a `.npy` file of float32, int64 or int32 values in C order.
    /// - Throws: `FormatError` naming the file and the problem (magic, version, header, dtype,
    ///   Fortran order, truncated data).
    public static func read(_ url: URL) throws -> NPYArray {
        let file = try MappedFile(url: url)
        return try decode(file.bytes, path: url.path)
    }

    /// Reads a float32 `.npy` file; throws when it holds another type.
    public static func readFloats(_ url: URL) throws -> (values: [Float], shape: [Int]) {
        let array = try read(url)
        guard let floats = array.floats else {
            throw FormatError.invalidValue(path: url.path, field: "descr", expected: "'<f4' (float32)",
                                           found: "'\(array.dataType.rawValue)'")
        }
        return (floats, array.shape)
    }

    /// Decodes `.npy` bytes; `path` names the source in errors.
    public static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> NPYArray {
        var reader = ByteReader(bytes: bytes, path: path)
        let fileMagic = try reader.readBytes(6, "magic")
        guard Array(fileMagic) == magic else {
            throw FormatError.badMagic(path: path, expected: "\\x93NUMPY",
                                       found: fileMagic.map { String(format: "%02X", $0) }.joined(separator: " "))
        }
        let major = try reader.read(UInt8.self, "major version")
        _ = try reader.read(UInt8.self, "minor version")
        let headerLength: Int
        switch major {
        case 1: headerLength = Int(try reader.read(UInt16.self, "header length"))
        case 2, 3: headerLength = Int(try reader.read(UInt32.self, "header length"))
        default: throw FormatError.unsupportedVersion(path: path, version: Int(major), supported: [1, 2, 3])
        }
        let headerBytes = try reader.readBytes(headerLength, "header")
        guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw FormatError.invalidValue(path: path, field: "header", expected: "text", found: "undecodable bytes")
        }
        let descriptor = try headerEntry(header, key: "descr", path: path)
        let fortranOrder = try headerEntry(header, key: "fortran_order", path: path)
        let shapeText = try headerEntry(header, key: "shape", path: path)

        let quoted = descriptor.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        guard let dataType = NPYDataType(rawValue: quoted == "=f4" ? "<f4" : quoted) else {
            throw FormatError.invalidValue(path: path, field: "descr", expected: "'<f4', '<i8' or '<i4'",
                                           found: descriptor)
        }
        guard fortranOrder == "False" else {
            throw FormatError.invalidValue(path: path, field: "fortran_order", expected: "False (C order)",
                                           found: fortranOrder)
        }
        let shape = try parseShape(shapeText, path: path)
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw FormatError.invalidValue(path: path, field: "shape", expected: "a size that fits in memory",
                                               found: shapeText)
            }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dataType.byteCount)
        guard !overflow else {
            throw FormatError.invalidValue(path: path, field: "shape", expected: "a size that fits in memory",
                                           found: shapeText)
        }
        let payload = try reader.readBytes(byteCount, "data (\(count) x \(dataType.rawValue))")
        switch dataType {
        case .float32: return NPYArray(shape: shape, values: .float32(load(payload, count: count)))
        case .int64: return NPYArray(shape: shape, values: .int64(load(payload, count: count)))
        case .int32: return NPYArray(shape: shape, values: .int32(load(payload, count: count)))
        }
    }

    private static func load<T>(_ bytes: UnsafeRawBufferPointer, count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: bytes.baseAddress!,
                                                                       byteCount: count * MemoryLayout<T>.size)
            }
            initialized = count
        }
    }

    /// The text of `'key': value` in the header dict, up to the next top-level comma or brace.
    private static func headerEntry(_ header: String, key: String, path: String) throws -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\""),
              let colon = header[keyRange.upperBound...].firstIndex(of: ":") else {
            throw FormatError.missingKey(path: path, key: key, expected: "an entry in the .npy header dict")
        }
        var depth = 0
        var end = header.index(after: colon)
        while end < header.endIndex {
            let character = header[end]
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if depth == 0 && (character == "," || character == "}") { break }
            end = header.index(after: end)
        }
        return header[header.index(after: colon)..<end].trimmingCharacters(in: .whitespaces)
    }

    private static func parseShape(_ text: String, path: String) throws -> [Int] {
        guard text.hasPrefix("("), text.hasSuffix(")") else {
            throw FormatError.invalidValue(path: path, field: "shape", expected: "a tuple like (2, 3)", found: text)
        }
        let inner = text.dropFirst().dropLast()
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let dimension = Int(trimmed), dimension >= 0 else {
                throw FormatError.invalidValue(path: path, field: "shape", expected: "non-negative integers",
                                               found: text)
            }
            shape.append(dimension)
        }
        return shape
    }
}
