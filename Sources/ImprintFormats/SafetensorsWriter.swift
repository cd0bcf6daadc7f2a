import Foundation
import ImprintCore

/// A tensor to write to a safetensors file.
public struct SafetensorsTensor: Sendable {
    /// Element storage: Float32 values (stored as F32, F16 or BF16) or integers.
    public enum Values: Sendable {
        case floats([Float])
        case int64s([Int64])
        case int32s([Int32])
    }

    public let name: String
    public let shape: [Int]
    public let dataType: SafetensorsDataType
    public let values: Values

    /// Float values stored as `dataType` (`.f32`, `.f16` or `.bf16`; narrowing rounds to nearest even).
    /// - Precondition: `values.count` equals the product of `shape`; `dataType` is a float type.
    public init(name: String, shape: [Int], values: [Float], dataType: SafetensorsDataType = .f32) {
        precondition([.f32, .f16, .bf16].contains(dataType),
                     "SafetensorsTensor \(name): float values cannot be stored as \(dataType.rawValue)")
        precondition(values.count == shape.reduce(1, *),
                     "SafetensorsTensor \(name): \(values.count) values do not fill shape \(shape)")
        self.name = name
        self.shape = shape
        self.dataType = dataType
        self.values = .floats(values)
    }

    /// 64-bit integers stored as I64.
    public init(name: String, shape: [Int], int64s: [Int64]) {
        precondition(int64s.count == shape.reduce(1, *),
                     "SafetensorsTensor \(name): \(int64s.count) values do not fill shape \(shape)")
        self.name = name
        self.shape = shape
        dataType = .i64
        values = .int64s(int64s)
    }

    /// 32-bit integers stored as I32.
    public init(name: String, shape: [Int], int32s: [Int32]) {
        precondition(int32s.count == shape.reduce(1, *),
                     "SafetensorsTensor \(name): \(int32s.count) values do not fill shape \(shape)")
        self.name = name
        self.shape = shape
        dataType = .i32
        values = .int32s(int32s)
    }

    var byteCount: Int { shape.reduce(1, *) * dataType.byteCount }
}

/// Writes `.safetensors` files byte for byte as the reference writer (`safetensors` 0.8,
/// `save_file`) does: tensors ordered by data type (wider types first, the Rust `Dtype` order
/// descending) then by name; the compact JSON header lists `__metadata__` first and the tensors
/// in data order; the header is padded with spaces to a multiple of 8 bytes.
public enum SafetensorsWriter {
    /// Writes `tensors` and `metadata` to `url` atomically (temporary file + rename).
    /// - Precondition: tensor names are unique and none is `__metadata__`.
    public static func write(_ tensors: [SafetensorsTensor], metadata: [String: String]? = nil, to url: URL) throws {
        let ordered = order(tensors)
        let header = headerBytes(ordered, metadata: metadata)
        try AtomicFile.write(to: url) { writer in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try writer.append($0) }
            try writer.append(header)
            for tensor in ordered { try append(tensor, to: &writer) }
        }
    }

    /// The bytes of the file `write` would produce (header and data), for small tensors.
    public static func encode(_ tensors: [SafetensorsTensor], metadata: [String: String]? = nil) -> Data {
        let ordered = order(tensors)
        let header = headerBytes(ordered, metadata: metadata)
        var data = Data()
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(header)
        for tensor in ordered { data.append(contentsOf: bytes(of: tensor)) }
        return data
    }

    static func order(_ tensors: [SafetensorsTensor]) -> [SafetensorsTensor] {
        var seen = Set<String>()
        for tensor in tensors {
            precondition(tensor.name != "__metadata__", "SafetensorsWriter: a tensor cannot be named __metadata__")
            precondition(seen.insert(tensor.name).inserted, "SafetensorsWriter: duplicate tensor name \(tensor.name)")
        }
        return tensors.sorted { left, right in
            if left.dataType.writerRank != right.dataType.writerRank {
                return left.dataType.writerRank > right.dataType.writerRank
            }
            return Array(left.name.utf8).lexicographicallyPrecedes(Array(right.name.utf8))
        }
    }

    static func headerBytes(_ ordered: [SafetensorsTensor], metadata: [String: String]?) -> Data {
        var entries: [String] = []
        if let metadata {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in ordered {
            let end = offset + tensor.byteCount
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(tensor.name)):{\"dtype\":\"\(tensor.dataType.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        return Data(header)
    }

    /// A JSON string literal as serde_json writes it (non-ASCII kept as UTF-8, control characters as `\u00xx`),
    /// which is how Python's `json.dumps(ensure_ascii=False)` writes it too (`JSONStringLiteral`).
    static func jsonString(_ string: String) -> String { JSONStringLiteral.make(string) }

    private static func append(_ tensor: SafetensorsTensor, to writer: inout AtomicFileWriter) throws {
        // Convert in slices so that a large tensor never needs a second full-size buffer.
        let sliceLength = 1 << 20
        switch tensor.values {
        case let .floats(values):
            var start = 0
            while start < values.count {
                let end = min(values.count, start + sliceLength)
                try writer.append(Data(floatBytes(values[start..<end], as: tensor.dataType)))
                start = end
            }
        case let .int64s(values):
            try values.withUnsafeBytes { try writer.append($0) }
        case let .int32s(values):
            try values.withUnsafeBytes { try writer.append($0) }
        }
    }

    static func bytes(of tensor: SafetensorsTensor) -> [UInt8] {
        switch tensor.values {
        case let .floats(values): return floatBytes(values[...], as: tensor.dataType)
        case let .int64s(values): return values.withUnsafeBytes { Array($0) }
        case let .int32s(values): return values.withUnsafeBytes { Array($0) }
        }
    }

    static func floatBytes(_ values: ArraySlice<Float>, as dataType: SafetensorsDataType) -> [UInt8] {
        switch dataType {
        case .f32:
            return values.withUnsafeBytes { Array($0) }
        case .f16, .bf16:
            let narrow: (Float) -> UInt16 = dataType == .f16
                ? HalfPrecision.floatToFloat16Bits : HalfPrecision.floatToBFloat16Bits
            var halves = [UInt16](repeating: 0, count: values.count)
            for (index, value) in values.enumerated() { halves[index] = narrow(value).littleEndian }
            return halves.withUnsafeBytes { Array($0) }
        default:
            preconditionFailure("SafetensorsWriter: float values cannot be stored as \(dataType.rawValue)")
        }
    }
}
