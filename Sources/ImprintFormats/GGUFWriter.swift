import Foundation

/// One tensor to write to a GGUF file: its name, shape and data already encoded in `type`.
public struct GGUFTensor: Sendable {
    public let name: String
    /// The shape in NumPy / PyTorch order (outermost first); the file stores it reversed
    /// (`GGUFTensorInfo.dimensions`).
    public let shape: [Int]
    public let type: GGMLType
    /// The encoded elements, `elementCount / type.blockSize * type.typeSize` bytes.
    public let data: Data

    /// A tensor whose bytes are already encoded (e.g. `GGMLQuantization.encode`).
    /// - Precondition: the innermost dimension is a multiple of the type's block size and `data`
    ///   has exactly the bytes the shape needs.
    public init(name: String, shape: [Int], type: GGMLType, data: Data) {
        let innermost = shape.last ?? 1
        precondition(innermost % type.blockSize == 0,
                     "GGUFTensor \(name): innermost dimension \(innermost) is not a multiple of the \(type) block size \(type.blockSize)")
        let expected = shape.reduce(1, *) / type.blockSize * type.typeSize
        precondition(data.count == expected, "GGUFTensor \(name): \(data.count) bytes, shape \(shape) as \(type) needs \(expected)")
        self.name = name
        self.shape = shape
        self.type = type
        self.data = data
    }

    /// Float values converted to `type` (F32, F16, BF16 or Q8_0; see `GGMLQuantization.encode`).
    public init(name: String, shape: [Int], values: [Float], type: GGMLType) {
        precondition(values.count == shape.reduce(1, *), "GGUFTensor \(name): \(values.count) values do not fill shape \(shape)")
        self.init(name: name, shape: shape, type: type, data: GGMLQuantization.encode(values, as: type))
    }
}

/// Writes GGUF version 3 files byte for byte as gguf-py's `GGUFWriter` (0.19) does.
///
/// Layout (ggml `docs/gguf.md`): magic `GGUF`, uint32 version 3, uint64 tensor count, uint64
/// metadata count, the key-value pairs in the order given, the tensor infos (name, dimension
/// count, dimensions innermost first, type, offset), zero padding to the alignment, then each
/// tensor's data padded with zeros to the alignment. The alignment is `general.alignment` when
/// the metadata holds it (a power of two), else 32. Written atomically (temporary file + rename).
public enum GGUFWriter {
    /// The format version written.
    public static let version: UInt32 = 3

    /// Writes `metadata` (in order) and `tensors` (in order) to `url`.
    /// - Precondition: metadata keys and tensor names are unique; `general.alignment`, when
    ///   present, is an unsigned integer power of two; arrays hold elements of their declared type.
    public static func write(metadata: [(key: String, value: GGUFValue)], tensors: [GGUFTensor], to url: URL) throws {
        precondition(Set(metadata.map(\.key)).count == metadata.count, "GGUFWriter: duplicate metadata keys")
        precondition(Set(tensors.map(\.name)).count == tensors.count, "GGUFWriter: duplicate tensor names")
        let alignment = self.alignment(of: metadata)
        var header = Data()
        header.append(contentsOf: Array("GGUF".utf8))
        appendInteger(version, to: &header)
        appendInteger(UInt64(tensors.count), to: &header)
        appendInteger(UInt64(metadata.count), to: &header)
        for (key, value) in metadata {
            appendString(key, to: &header)
            appendInteger(value.type.rawValue, to: &header)
            appendValue(value, to: &header)
        }
        var offset = 0
        for tensor in tensors {
            appendString(tensor.name, to: &header)
            appendInteger(UInt32(tensor.shape.count), to: &header)
            for dimension in tensor.shape.reversed() { appendInteger(UInt64(dimension), to: &header) }
            appendInteger(tensor.type.rawValue, to: &header)
            appendInteger(UInt64(offset), to: &header)
            offset += padded(tensor.data.count, alignment)
        }
        header.append(Data(count: padded(header.count, alignment) - header.count))
        try AtomicFile.write(to: url) { writer in
            try writer.append(header)
            for tensor in tensors {
                try writer.append(tensor.data)
                try writer.append(Data(count: padded(tensor.data.count, alignment) - tensor.data.count))
            }
        }
    }

    /// `general.alignment` or the default 32.
    static func alignment(of metadata: [(key: String, value: GGUFValue)]) -> Int {
        guard let value = metadata.first(where: { $0.key == "general.alignment" })?.value else { return GGUFFile.defaultAlignment }
        guard let alignment = value.intValue, alignment > 0, alignment & (alignment - 1) == 0 else {
            preconditionFailure("GGUFWriter: general.alignment must be an unsigned integer power of two, got \(value)")
        }
        return alignment
    }

    static func padded(_ count: Int, _ alignment: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
    }

    static func appendInteger<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    static func appendString(_ string: String, to data: inout Data) {
        let bytes = Array(string.utf8)
        appendInteger(UInt64(bytes.count), to: &data)
        data.append(contentsOf: bytes)
    }

    /// The value's payload (without its type tag; arrays carry their element type and count).
    static func appendValue(_ value: GGUFValue, to data: inout Data) {
        switch value {
        case let .uint8(v): appendInteger(v, to: &data)
        case let .int8(v): appendInteger(v, to: &data)
        case let .uint16(v): appendInteger(v, to: &data)
        case let .int16(v): appendInteger(v, to: &data)
        case let .uint32(v): appendInteger(v, to: &data)
        case let .int32(v): appendInteger(v, to: &data)
        case let .uint64(v): appendInteger(v, to: &data)
        case let .int64(v): appendInteger(v, to: &data)
        case let .float32(v): appendInteger(v.bitPattern, to: &data)
        case let .float64(v): appendInteger(v.bitPattern, to: &data)
        case let .bool(v): data.append(v ? 1 : 0)
        case let .string(v): appendString(v, to: &data)
        case let .array(elementType, elements):
            appendInteger(elementType.rawValue, to: &data)
            appendInteger(UInt64(elements.count), to: &data)
            for element in elements {
                precondition(element.type == elementType, "GGUFWriter: a \(element.type) element in an array of \(elementType)")
                appendValue(element, to: &data)
            }
        }
    }
}
