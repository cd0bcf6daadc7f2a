import Foundation
import ImprintCore

/// One tensor's entry in a safetensors header.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The checkpoint key (`"model.layers.0.self_attn.q_proj.weight"`).
    public let name: String
    /// The element type.
    public let dataType: SafetensorsDataType
    /// The shape, outermost first (PyTorch order).
    public let shape: [Int]
    /// Byte range within the data section (after the 8-byte length and the header).
    public let dataOffsets: Range<Int>

    /// Number of elements (1 for a 0-d tensor).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length N, N bytes of
/// JSON (`{"__metadata__": {...}, "name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}}`),
/// then the data section. Validation follows the reference `safetensors` crate: offsets must
/// tile the data section exactly, in order, and match each tensor's shape and type.
public final class SafetensorsFile: @unchecked Sendable {
    /// Headers larger than this are rejected, as the reference reader does (100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// The file this was read from.
    public let url: URL
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    /// Tensor infos by name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// Tensor names in data order.
    public let tensorNames: [String]
    /// Absolute byte offset of the data section (`8 + N`).
    public let dataOffset: Int

    let file: MappedFile
    var path: String { url.path }

    /// Opens and validates `url`.
    /// - Throws: `FormatError` naming the file and the offending header entry.
    public init(contentsOf url: URL) throws {
        self.url = url
        file = try MappedFile(url: url)
        let path = url.path
        var reader = ByteReader(bytes: file.bytes, path: path)
        let rawLength = try reader.read(UInt64.self, "header length")
        guard rawLength <= UInt64(Self.maximumHeaderLength) else {
            throw FormatError.invalidValue(path: path, field: "header length",
                                           expected: "at most \(Self.maximumHeaderLength) bytes", found: String(rawLength))
        }
        let headerBytes = try reader.readBytes(Int(rawLength), "JSON header")
        dataOffset = reader.offset
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw FormatError.invalidValue(path: path, field: "JSON header", expected: "a JSON object starting with {",
                                           found: headerBytes.first.map { "byte \($0)" } ?? "nothing")
        }
        let json: Any
        do {
            json = try ExactUTF8.jsonObject(with: Data(headerBytes))
        } catch {
            throw FormatError.invalidValue(path: path, field: "JSON header", expected: "valid JSON",
                                           found: "a parse error (\(error.localizedDescription))")
        }
        guard let object = json as? [String: Any] else {
            throw FormatError.invalidValue(path: path, field: "JSON header", expected: "a JSON object",
                                           found: String(describing: type(of: json)))
        }

        var metadata: [String: String] = [:]
        var infos: [SafetensorsTensorInfo] = []
        for (key, value) in object {
            if key == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw FormatError.invalidValue(path: path, field: "__metadata__",
                                                   expected: "an object of strings", found: "\(value)")
                }
                for (metadataKey, metadataValue) in map {
                    guard let string = metadataValue as? String else {
                        throw FormatError.invalidValue(path: path, field: "__metadata__.\(metadataKey)",
                                                       expected: "a string", found: "\(metadataValue)")
                    }
                    metadata[metadataKey] = string
                }
                continue
            }
            infos.append(try Self.parseEntry(name: key, value: value, path: path))
        }
        self.metadata = metadata

        infos.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
            < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name) }
        let dataLength = file.count - dataOffset
        var expectedStart = 0
        for info in infos {
            guard info.dataOffsets.lowerBound == expectedStart else {
                throw FormatError.invalidValue(path: path, field: "data_offsets of \(info.name)",
                                               expected: "to start at byte \(expectedStart) (tensors tile the data section)",
                                               found: "\(info.dataOffsets.lowerBound)")
            }
            guard info.dataOffsets.upperBound <= dataLength else {
                throw FormatError.tensorOutOfBounds(path: path, tensor: info.name, start: info.dataOffsets.lowerBound,
                                                    end: info.dataOffsets.upperBound, available: dataLength)
            }
            expectedStart = info.dataOffsets.upperBound
        }
        guard expectedStart == dataLength else {
            throw FormatError.invalidValue(path: path, field: "data section",
                                           expected: "\(expectedStart) bytes of tensor data after the header",
                                           found: "\(dataLength) bytes")
        }
        var byName: [String: SafetensorsTensorInfo] = [:]
        for info in infos { byName[info.name] = info }
        tensors = byName
        tensorNames = infos.map(\.name)
    }

    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, double >= 0, double < 0x1p62 else { return nil }
        return number.intValue
    }

    private static func parseEntry(name: String, value: Any, path: String) throws -> SafetensorsTensorInfo {
        guard let entry = value as? [String: Any] else {
            throw FormatError.invalidValue(path: path, field: "tensor \(name)",
                                           expected: "an object with dtype, shape, data_offsets", found: "\(value)")
        }
        guard let dtypeValue = entry["dtype"] else {
            throw FormatError.missingKey(path: path, key: "\(name).dtype", expected: "a dtype string")
        }
        guard let dtypeString = dtypeValue as? String, let dataType = SafetensorsDataType(rawValue: dtypeString) else {
            throw FormatError.invalidValue(path: path, field: "\(name).dtype",
                                           expected: "one of \(SafetensorsDataType.allCases.map(\.rawValue))",
                                           found: "\(dtypeValue)")
        }
        guard let shapeValue = entry["shape"] else {
            throw FormatError.missingKey(path: path, key: "\(name).shape", expected: "an array of sizes")
        }
        guard let shapeArray = shapeValue as? [Any] else {
            throw FormatError.invalidValue(path: path, field: "\(name).shape", expected: "an array of sizes",
                                           found: "\(shapeValue)")
        }
        var shape: [Int] = []
        var count = 1
        for dimensionValue in shapeArray {
            guard let dimension = integer(dimensionValue) else {
                throw FormatError.invalidValue(path: path, field: "\(name).shape", expected: "non-negative integers",
                                               found: "\(shapeArray)")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw FormatError.invalidValue(path: path, field: "\(name).shape",
                                               expected: "an element count that fits in Int", found: "\(shapeArray)")
            }
            count = product
            shape.append(dimension)
        }
        guard let offsetsValue = entry["data_offsets"] else {
            throw FormatError.missingKey(path: path, key: "\(name).data_offsets", expected: "[begin, end]")
        }
        guard let offsets = offsetsValue as? [Any], offsets.count == 2,
              let begin = integer(offsets[0]), let end = integer(offsets[1]), begin <= end else {
            throw FormatError.invalidValue(path: path, field: "\(name).data_offsets",
                                           expected: "[begin, end] with 0 <= begin <= end", found: "\(offsetsValue)")
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dataType.byteCount)
        guard !overflow, end - begin == byteCount else {
            throw FormatError.invalidValue(path: path, field: "\(name).data_offsets",
                                           expected: "\(overflow ? -1 : byteCount) bytes for shape \(shape) of \(dataType.rawValue)",
                                           found: "\(end - begin) bytes")
        }
        return SafetensorsTensorInfo(name: name, dataType: dataType, shape: shape, dataOffsets: begin..<end)
    }

    // MARK: Access

    /// The info of tensor `name`.
    /// - Throws: `FormatError.unknownTensor` when absent.
    public func info(_ name: String) throws -> SafetensorsTensorInfo {
        guard let info = tensors[name] else { throw FormatError.unknownTensor(path: path, name: name) }
        return info
    }

    /// The tensor's bytes, pointing into the mapping (valid while this object is alive).
    public func rawBytes(_ info: SafetensorsTensorInfo) -> UnsafeRawBufferPointer {
        let start = dataOffset + info.dataOffsets.lowerBound
        return UnsafeRawBufferPointer(rebasing: file.bytes[start..<(dataOffset + info.dataOffsets.upperBound)])
    }

    /// Tensor `name` converted to Float32 (from F32, F16, BF16 or F64), row-major.
    public func floats(_ name: String) throws -> [Float] {
        let info = try self.info(name)
        return try [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
            try floats(name, into: buffer)
            initialized = info.elementCount
        }
    }

    /// Writes tensor `name` as Float32 into `destination` (at least `elementCount` values).
    public func floats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let info = try self.info(name)
        guard info.dataType.isFloatingPoint else {
            throw FormatError.unsupportedTensorType(path: path, tensor: name, type: info.dataType.rawValue,
                                                    supported: ["F32", "F16", "BF16", "F64"])
        }
        let count = info.elementCount
        precondition(destination.count >= count,
                     "SafetensorsFile.floats: destination holds \(destination.count) floats, need \(count)")
        guard count > 0, let output = destination.baseAddress, let source = rawBytes(info).baseAddress else { return }
        switch info.dataType {
        case .f32: UnsafeMutableRawPointer(output).copyMemory(from: source, byteCount: 4 * count)
        case .f16: GGMLDequantization.float16(source, count: count, into: output)
        case .bf16: GGMLDequantization.bfloat16(source, count: count, into: output)
        case .f64:
            for index in 0..<count {
                output[index] = Float(Double(bitPattern: UInt64(littleEndian:
                    source.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self))))
            }
        default: preconditionFailure("unreachable: checked isFloatingPoint")
        }
    }

    /// Tensor `name` converted to `Int` (from I64, I32, I16, I8 or U8), row-major.
    public func ints(_ name: String) throws -> [Int] {
        let info = try self.info(name)
        guard info.dataType.isInteger else {
            throw FormatError.unsupportedTensorType(path: path, tensor: name, type: info.dataType.rawValue,
                                                    supported: ["I64", "I32", "I16", "I8", "U8"])
        }
        let bytes = rawBytes(info)
        return (0..<info.elementCount).map { index in
            switch info.dataType {
            case .i64: return Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * index, as: Int64.self)))
            case .i32: return Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * index, as: Int32.self)))
            case .i16: return Int(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * index, as: Int16.self)))
            case .i8: return Int(bytes.load(fromByteOffset: index, as: Int8.self))
            default: return Int(bytes[index])
            }
        }
    }
}
