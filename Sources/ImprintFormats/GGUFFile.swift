import Foundation
import ImprintCore

/// One tensor's entry in a GGUF file's tensor-info table.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The GGUF tensor name (`"blk.0.attn_q.weight"`).
    public let name: String
    /// GGUF dimensions, innermost (contiguous) first: `ne[0], ne[1], ...`. An HF `[out, in]`
    /// weight appears as `[in, out]`.
    public let dimensions: [Int]
    /// The element type.
    public let type: GGMLType
    /// Byte offset of the data, relative to the start of the data section.
    public let offset: Int
    /// Total number of elements.
    public let elementCount: Int
    /// Bytes of data (`elementCount / blockSize * typeSize`).
    public let byteCount: Int

    /// The shape in NumPy / PyTorch order (outermost first): `dimensions` reversed.
    public var shape: [Int] { dimensions.reversed() }
    /// Elements per row (the contiguous dimension, `ne[0]`).
    public var rowLength: Int { dimensions.first ?? 1 }
    /// Number of rows (all dimensions but the first, multiplied).
    public var rowCount: Int { rowLength == 0 ? 0 : elementCount / rowLength }
    /// Bytes per row.
    public var rowByteCount: Int { rowLength / type.blockSize * type.typeSize }
}

/// A GGUF file (versions 2 and 3), memory-mapped: header, metadata, tensor infos and access to
/// tensor data as raw bytes or as dequantized Float32.
///
/// Layout (ggml `docs/gguf.md`): magic `GGUF`, uint32 version, uint64 tensor count, uint64
/// metadata count, the key-value pairs, the tensor infos, padding to `general.alignment`
/// (default 32), then the data section; tensor offsets are relative to the data section.
/// Every read is bounds-checked: a malformed file throws `FormatError`, never traps.
public final class GGUFFile: @unchecked Sendable {
    /// The format versions this reader accepts (version 1 used 32-bit counts and is obsolete).
    public static let supportedVersions = [2, 3]
    /// The alignment used when `general.alignment` is absent.
    public static let defaultAlignment = 32

    /// The file this was read from.
    public let url: URL
    /// The format version (2 or 3).
    public let version: Int
    /// Metadata key-value pairs.
    public let metadata: GGUFMetadata
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// The data alignment (`general.alignment` or 32).
    public let alignment: Int
    /// Absolute byte offset of the data section.
    public let dataOffset: Int

    let file: MappedFile
    private let tensorIndex: [String: Int]

    var path: String { url.path }

    /// Opens and parses `url`.
    /// - Throws: `FormatError` naming the file and the offending field for any malformed input.
    public convenience init(contentsOf url: URL) throws {
        try self.init(mappedFile: MappedFile(url: url))
    }

    /// Opens and parses the file at `path`.
    public convenience init(path: String) throws {
        try self.init(contentsOf: URL(fileURLWithPath: path))
    }

    init(mappedFile: MappedFile) throws {
        file = mappedFile
        url = mappedFile.url
        let path = mappedFile.url.path
        var reader = ByteReader(bytes: mappedFile.bytes, path: path)

        let magic = try reader.readBytes(4, "magic")
        guard Array(magic) == Array("GGUF".utf8) else {
            throw FormatError.badMagic(path: path, expected: "\"GGUF\" (47 47 55 46)",
                                       found: magic.map { String(format: "%02X", $0) }.joined(separator: " "))
        }
        let rawVersion = try reader.read(UInt32.self, "version")
        guard Self.supportedVersions.contains(Int(rawVersion)) else {
            throw FormatError.unsupportedVersion(path: path, version: Int(rawVersion),
                                                 supported: Self.supportedVersions)
        }
        version = Int(rawVersion)
        // A tensor info needs at least 8+4+4+8 bytes, a key-value pair at least 8+4+1.
        let tensorCount = try reader.readCount("tensor_count", limit: reader.remaining / 24)
        let metadataCount = try reader.readCount("metadata_kv_count", limit: reader.remaining / 13)

        var entries: [(String, GGUFValue)] = []
        entries.reserveCapacity(metadataCount)
        for index in 0..<metadataCount {
            let key = try Self.readString(&reader, "key of metadata entry \(index)")
            let rawType = try reader.read(UInt32.self, "value type of \(key)")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw FormatError.invalidValue(path: path, field: "value type of \(key)",
                                               expected: "a GGUF value type 0...12", found: String(rawType))
            }
            let value = try Self.readValue(&reader, type: type, key: key, depth: 0)
            entries.append((key, value))
        }
        metadata = GGUFMetadata(path: path, entries: entries)

        var alignment = Self.defaultAlignment
        if let value = metadata["general.alignment"] {
            guard let int = value.intValue, int > 0, int % 8 == 0 else {
                throw FormatError.invalidValue(path: path, field: "general.alignment",
                                               expected: "a positive integer multiple of 8", found: value.description)
            }
            alignment = int
        }
        self.alignment = alignment

        var infos: [GGUFTensorInfo] = []
        infos.reserveCapacity(tensorCount)
        for index in 0..<tensorCount {
            infos.append(try Self.readTensorInfo(&reader, index: index))
        }

        let unaligned = reader.offset
        dataOffset = (unaligned + alignment - 1) / alignment * alignment
        let dataLength = max(0, mappedFile.count - dataOffset)
        if tensorCount > 0 && dataOffset > mappedFile.count {
            throw FormatError.truncated(path: path, field: "data section", offset: unaligned,
                                        needed: dataOffset - unaligned, fileSize: mappedFile.count)
        }

        var tensorIndex: [String: Int] = [:]
        for (index, info) in infos.enumerated() {
            guard tensorIndex[info.name] == nil else {
                throw FormatError.invalidValue(path: path, field: "tensor name \(info.name)",
                                               expected: "unique tensor names", found: "a duplicate")
            }
            tensorIndex[info.name] = index
            guard info.offset % alignment == 0 else {
                throw FormatError.invalidValue(path: path, field: "offset of tensor \(info.name)",
                                               expected: "a multiple of the alignment \(alignment)",
                                               found: String(info.offset))
            }
            let (end, overflow) = info.offset.addingReportingOverflow(info.byteCount)
            guard !overflow, end <= dataLength else {
                throw FormatError.tensorOutOfBounds(path: path, tensor: info.name, start: info.offset,
                                                    end: overflow ? Int.max : end, available: dataLength)
            }
        }
        self.tensorIndex = tensorIndex
        tensors = infos
    }

    // MARK: Lookup

    /// The info of the tensor named `name`, or nil.
    public func tensorInfo(_ name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The info of the tensor named `name`.
    /// - Throws: `FormatError.unknownTensor` when absent.
    public func requireTensor(_ name: String) throws -> GGUFTensorInfo {
        guard let info = tensorInfo(name) else { throw FormatError.unknownTensor(path: path, name: name) }
        return info
    }

    /// The tensor's bytes, pointing into the mapping (valid while this `GGUFFile` is alive).
    public func rawBytes(_ tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        let start = dataOffset + tensor.offset
        return UnsafeRawBufferPointer(rebasing: file.bytes[start..<(start + tensor.byteCount)])
    }

    /// A copy of the tensor's bytes.
    public func data(_ name: String) throws -> Data {
        Data(rawBytes(try requireTensor(name)))
    }

    // MARK: Parsing

    private static let maximumDimensions = 4
    private static let maximumArrayDepth = 8

    static func readString(_ reader: inout ByteReader, _ field: @autoclosure () -> String) throws -> String {
        let start = reader.offset
        let length = try reader.read(UInt64.self, field())
        guard length <= UInt64(reader.remaining) else {
            throw FormatError.truncated(path: reader.path, field: field(), offset: start + 8,
                                        needed: Int(clamping: length), fileSize: reader.bytes.count)
        }
        let bytes = try reader.readBytes(Int(length), field())
        guard let string = ExactUTF8.string(bytes) else {
            throw FormatError.invalidValue(path: reader.path, field: field(), expected: "UTF-8 text",
                                           found: "\(bytes.count) bytes that are not valid UTF-8")
        }
        return string
    }

    private static func minimumSize(of type: GGUFValueType) -> Int {
        switch type {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }

    static func readValue(_ reader: inout ByteReader, type: GGUFValueType, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, key))
        case .int8: return .int8(try reader.read(Int8.self, key))
        case .uint16: return .uint16(try reader.read(UInt16.self, key))
        case .int16: return .int16(try reader.read(Int16.self, key))
        case .uint32: return .uint32(try reader.read(UInt32.self, key))
        case .int32: return .int32(try reader.read(Int32.self, key))
        case .uint64: return .uint64(try reader.read(UInt64.self, key))
        case .int64: return .int64(try reader.read(Int64.self, key))
        case .float32: return .float32(try reader.readFloat(key))
        case .float64: return .float64(try reader.readDouble(key))
        case .bool:
            let start = reader.offset
            let byte = try reader.read(UInt8.self, key)
            guard byte <= 1 else {
                throw FormatError.invalidValue(path: reader.path, field: "\(key) (bool at offset \(start))",
                                               expected: "0 or 1", found: String(byte))
            }
            return .bool(byte == 1)
        case .string: return .string(try readString(&reader, key))
        case .array:
            guard depth < maximumArrayDepth else {
                throw FormatError.invalidValue(path: reader.path, field: key,
                                               expected: "arrays nested at most \(maximumArrayDepth) deep",
                                               found: "deeper nesting")
            }
            let rawType = try reader.read(UInt32.self, "element type of \(key)")
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw FormatError.invalidValue(path: reader.path, field: "element type of \(key)",
                                               expected: "a GGUF value type 0...12", found: String(rawType))
            }
            let count = try reader.readCount("element count of \(key)",
                                             limit: reader.remaining / minimumSize(of: elementType))
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                if elementType == .string {
                    elements.append(.string(try readString(&reader, "\(key)[\(index)]")))
                } else if elementType == .array {
                    elements.append(try readValue(&reader, type: .array, key: "\(key)[\(index)]", depth: depth + 1))
                } else {
                    elements.append(try readValue(&reader, type: elementType, key: key, depth: depth + 1))
                }
            }
            return .array(elementType, elements)
        }
    }

    private static func readTensorInfo(_ reader: inout ByteReader, index: Int) throws -> GGUFTensorInfo {
        let path = reader.path
        let name = try readString(&reader, "name of tensor \(index)")
        let dimensionCount = try reader.read(UInt32.self, "dimension count of tensor \(name)")
        guard dimensionCount <= maximumDimensions else {
            throw FormatError.invalidValue(path: path, field: "dimension count of tensor \(name)",
                                           expected: "at most \(maximumDimensions)", found: String(dimensionCount))
        }
        var dimensions: [Int] = []
        var elementCount = 1
        for axis in 0..<Int(dimensionCount) {
            let raw = try reader.read(UInt64.self, "dimension \(axis) of tensor \(name)")
            guard raw <= UInt64(Int32.max) * 16 else {
                throw FormatError.invalidValue(path: path, field: "dimension \(axis) of tensor \(name)",
                                               expected: "a plausible size", found: String(raw))
            }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: Int(raw))
            guard !overflow else {
                throw FormatError.invalidValue(path: path, field: "dimensions of tensor \(name)",
                                               expected: "an element count that fits in Int", found: "an overflow")
            }
            elementCount = product
            dimensions.append(Int(raw))
        }
        let rawType = try reader.read(UInt32.self, "type of tensor \(name)")
        guard let type = GGMLType(rawValue: rawType) else {
            throw FormatError.invalidValue(path: path, field: "type of tensor \(name)",
                                           expected: "a known ggml type (\(GGMLType.allCases.map(\.rawValue)))",
                                           found: String(rawType))
        }
        let rawOffset = try reader.read(UInt64.self, "offset of tensor \(name)")
        guard rawOffset <= UInt64(Int.max / 2) else {
            throw FormatError.invalidValue(path: path, field: "offset of tensor \(name)",
                                           expected: "an offset within the file", found: String(rawOffset))
        }
        let rowLength = dimensions.first ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw FormatError.invalidValue(path: path, field: "dimension 0 of tensor \(name)",
                                           expected: "a multiple of the \(type) block size \(type.blockSize)",
                                           found: String(rowLength))
        }
        let byteCount = elementCount / type.blockSize * type.typeSize
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: Int(rawOffset),
                              elementCount: elementCount, byteCount: byteCount)
    }
}
