/// The type tag of a GGUF metadata value (`gguf_type` in ggml's `gguf.h`).
public enum GGUFValueType: UInt32, Sendable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .uint32: return "uint32"
        case .int32: return "int32"
        case .float32: return "float32"
        case .bool: return "bool"
        case .string: return "string"
        case .array: return "array"
        case .uint64: return "uint64"
        case .int64: return "int64"
        case .float64: return "float64"
        }
    }
}

/// One GGUF metadata value. Arrays keep their declared element type, so an empty array still
/// says what it would hold; nested arrays (arrays of arrays) are arrays of `.array` values.
public enum GGUFValue: Equatable, Sendable, CustomStringConvertible {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    indirect case array(GGUFValueType, [GGUFValue])

    /// The value's type tag.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// A short type description for error messages: `"uint32"`, `"array of string"`.
    public var typeDescription: String {
        if case let .array(elementType, _) = self { return "array of \(elementType)" }
        return type.description
    }

    /// The value as an `Int` when it is any integer type that fits.
    public var intValue: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// The value as a `Double` when it is a float type (float64 values are returned exactly).
    public var doubleValue: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case let .uint8(v): return "\(v)"
        case let .int8(v): return "\(v)"
        case let .uint16(v): return "\(v)"
        case let .int16(v): return "\(v)"
        case let .uint32(v): return "\(v)"
        case let .int32(v): return "\(v)"
        case let .uint64(v): return "\(v)"
        case let .int64(v): return "\(v)"
        case let .float32(v): return "\(v)"
        case let .float64(v): return "\(v)"
        case let .bool(v): return "\(v)"
        case let .string(v): return v.debugDescription
        case let .array(elementType, values):
            let shown = values.prefix(8).map(\.description).joined(separator: ", ")
            return "[\(elementType) x \(values.count): \(shown)\(values.count > 8 ? ", ..." : "")]"
        }
    }
}

/// The key-value metadata of a GGUF file, in file order, with typed lookups.
///
/// Every lookup throws `FormatError.missingKey` or `.typeMismatch` naming the file, the key and
/// the expected type, e.g. `try metadata.string("general.architecture")`.
public struct GGUFMetadata: Sendable {
    /// The file the metadata came from (for error messages).
    public let path: String
    /// Keys in file order.
    public let keys: [String]
    private let values: [String: GGUFValue]

    init(path: String, entries: [(String, GGUFValue)]) {
        self.path = path
        keys = entries.map(\.0)
        var values: [String: GGUFValue] = [:]
        for (key, value) in entries { values[key] = value }
        self.values = values
    }

    /// The raw value, or nil when absent.
    public subscript(key: String) -> GGUFValue? { values[key] }

    /// Whether the key is present.
    public func contains(_ key: String) -> Bool { values[key] != nil }

    /// The raw value; throws when absent.
    public func value(_ key: String) throws -> GGUFValue {
        guard let value = values[key] else {
            throw FormatError.missingKey(path: path, key: key, expected: "a metadata value")
        }
        return value
    }

    private func require(_ key: String, _ expected: String) throws -> GGUFValue {
        guard let value = values[key] else { throw FormatError.missingKey(path: path, key: key, expected: expected) }
        return value
    }

    private func mismatch(_ key: String, _ expected: String, _ value: GGUFValue) -> FormatError {
        FormatError.typeMismatch(path: path, key: key, expected: expected, found: value.typeDescription)
    }

    /// A string value.
    public func string(_ key: String) throws -> String {
        let value = try require(key, "a string")
        guard case let .string(string) = value else { throw mismatch(key, "a string", value) }
        return string
    }

    /// Any integer value (uint8 ... int64) as `Int`.
    public func int(_ key: String) throws -> Int {
        let value = try require(key, "an integer")
        guard let int = value.intValue else { throw mismatch(key, "an integer", value) }
        return int
    }

    /// A float32 or float64 value as `Double` (float32 converts exactly).
    public func double(_ key: String) throws -> Double {
        let value = try require(key, "a float")
        guard let double = value.doubleValue else { throw mismatch(key, "a float", value) }
        return double
    }

    /// A float32 or float64 value as `Float`.
    public func float(_ key: String) throws -> Float { Float(try double(key)) }

    /// A bool value.
    public func bool(_ key: String) throws -> Bool {
        let value = try require(key, "a bool")
        guard case let .bool(bool) = value else { throw mismatch(key, "a bool", value) }
        return bool
    }

    /// An array value (any element type) as its elements.
    public func array(_ key: String) throws -> [GGUFValue] {
        let value = try require(key, "an array")
        guard case let .array(_, elements) = value else { throw mismatch(key, "an array", value) }
        return elements
    }

    /// An array of strings (`tokenizer.ggml.tokens`, `tokenizer.ggml.merges`).
    public func strings(_ key: String) throws -> [String] {
        let expected = "an array of string"
        let value = try require(key, expected)
        guard case let .array(elementType, elements) = value, elementType == .string else {
            throw mismatch(key, expected, value)
        }
        return elements.map { if case let .string(string) = $0 { return string } else { return "" } }
    }

    /// An array of integers of any integer element type (`tokenizer.ggml.token_type`).
    public func ints(_ key: String) throws -> [Int] {
        let expected = "an array of integers"
        let value = try require(key, expected)
        guard case let .array(_, elements) = value else { throw mismatch(key, expected, value) }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let int = element.intValue else { throw mismatch(key, expected, value) }
            result.append(int)
        }
        return result
    }

    /// An array of float32/float64 values as `Float` (`tokenizer.ggml.scores`).
    public func floats(_ key: String) throws -> [Float] {
        let expected = "an array of floats"
        let value = try require(key, expected)
        guard case let .array(_, elements) = value else { throw mismatch(key, expected, value) }
        var result: [Float] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            switch element {
            case let .float32(float): result.append(float)
            case let .float64(double): result.append(Float(double))
            default: throw mismatch(key, expected, value)
            }
        }
        return result
    }

    /// Optional variants: nil when the key is absent, a throw when it has the wrong type.
    public func stringIfPresent(_ key: String) throws -> String? { contains(key) ? try string(key) : nil }
    public func intIfPresent(_ key: String) throws -> Int? { contains(key) ? try int(key) : nil }
    public func floatIfPresent(_ key: String) throws -> Float? { contains(key) ? try float(key) : nil }
    public func doubleIfPresent(_ key: String) throws -> Double? { contains(key) ? try double(key) : nil }
    public func boolIfPresent(_ key: String) throws -> Bool? { contains(key) ? try bool(key) : nil }
}
