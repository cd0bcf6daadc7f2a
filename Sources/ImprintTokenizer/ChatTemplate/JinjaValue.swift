import Foundation

/// A dictionary that keeps insertion order, as Python dicts (and so `tojson`, `items`) do. Keys compare by code
/// points, as Python's do (Swift `String` equality would merge canonically equivalent keys).
public struct OrderedDictionary: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var storage: [ExactText: JinjaValue] = [:]

    public init() {}

    public init(_ pairs: [(String, JinjaValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    public subscript(key: String) -> JinjaValue? {
        get { storage[ExactText(key)] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: ExactText(key)) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: ExactText(key)) != nil {
                keys.removeAll { ExactText($0) == ExactText(key) }
            }
        }
    }

    public var count: Int { keys.count }
    public var pairs: [(String, JinjaValue)] { keys.map { ($0, storage[ExactText($0)]!) } }

    public static func == (lhs: OrderedDictionary, rhs: OrderedDictionary) -> Bool {
        lhs.storage == rhs.storage
    }
}

/// The mutable object `namespace()` returns; `{% set ns.attribute = value %}` writes through it.
public final class JinjaNamespace: @unchecked Sendable {
    var attributes = OrderedDictionary()
    init() {}
}

/// A callable value: a macro, a global function or a bound method. Receives positional and keyword arguments.
struct JinjaCallable: @unchecked Sendable {
    let name: String
    let call: (_ arguments: [JinjaValue], _ keywords: OrderedDictionary, _ position: SourcePosition) throws -> JinjaValue
}

/// A value in a template: Python's `None`, booleans, numbers, strings, lists and dicts as `transformers` passes them,
/// plus Jinja's undefined, namespaces and callables.
public enum JinjaValue: Sendable, Equatable {
    case undefined
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// A markupsafe `Markup` string (the `safe` filter's result): `+` with a plain string HTML-escapes the plain one.
    case markup(String)
    case array([JinjaValue])
    /// A Python tuple: from tuple literals, `items()` and `dictsort`; prints as `(a, b)`.
    case tuple([JinjaValue])
    case object(OrderedDictionary)
    /// The lazy result of `map`, `select`, `reject`, `selectattr`, `rejectattr`: iterable (and `| list`-able), always
    /// truthy, but with no length, no index and no JSON form, as the Python generator jinja2 returns.
    case generator([JinjaValue])
    case namespace(JinjaNamespace)
    indirect case callable(JinjaCallableBox)

    /// Python truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let value): return value
        case .int(let value): return value != 0
        case .double(let value): return value != 0
        case .string(let value), .markup(let value): return !value.isEmpty
        case .array(let values), .tuple(let values): return !values.isEmpty
        case .object(let dictionary): return dictionary.count > 0
        case .namespace, .callable, .generator: return true
        }
    }

    /// Python `str()`: what `{{ value }}` prints (undefined prints nothing).
    public var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let value), .markup(let value): return value
        default: return pythonRepresentation
        }
    }

    /// Python `repr()`: strings quoted, containers recursively.
    public var pythonRepresentation: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .int(let value): return String(value)
        case .double(let value): return Self.pythonFloat(value)
        case .string(let value): return Self.pythonQuoted(value)
        case .markup(let value): return "Markup(\(Self.pythonQuoted(value)))"
        case .array(let values): return "[" + values.map(\.pythonRepresentation).joined(separator: ", ") + "]"
        case .tuple(let values):
            return "(" + values.map(\.pythonRepresentation).joined(separator: ", ") + (values.count == 1 ? ",)" : ")")
        case .object(let dictionary):
            return "{" + dictionary.pairs.map { "\(Self.pythonQuoted($0.0)): \($0.1.pythonRepresentation)" }.joined(separator: ", ") + "}"
        case .namespace(let namespace):
            return "<Namespace " + namespace.attributes.pairs.map { "\($0.0)=\($0.1.pythonRepresentation)" }.joined(separator: ", ") + ">"
        case .callable(let box): return "<function \(box.callable.name)>"
        case .generator: return "<generator object>"
        }
    }

    /// Python `repr(float)`: the shortest round-trip digits, positional for exponents -4 ..< 16 (with `.0` when
    /// integral), scientific otherwise (`1e-05`, `1e+16`), `inf`/`nan`.
    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        var text = "\(value)"
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        var exponent = 0
        if let marker = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: marker)...]) ?? 0
            text = String(text[..<marker])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = String(parts[0])
        var digits = integerPart + (parts.count > 1 ? String(parts[1]) : "")
        var pointPosition = integerPart.count + exponent
        while digits.count > 1 && digits.hasPrefix("0") { digits.removeFirst(); pointPosition -= 1 }
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
        let sign = negative ? "-" : ""
        if digits == "0" { return sign + "0.0" }
        let scientificExponent = pointPosition - 1
        if scientificExponent < -4 || scientificExponent >= 16 {
            let mantissa = digits.count > 1 ? "\(digits.first!).\(digits.dropFirst())" : digits
            let magnitude = abs(scientificExponent)
            return sign + mantissa + "e" + (scientificExponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
        }
        if pointPosition <= 0 { return sign + "0." + String(repeating: "0", count: -pointPosition) + digits }
        if pointPosition >= digits.count { return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0" }
        return sign + digits.prefix(pointPosition) + "." + digits.dropFirst(pointPosition)
    }

    /// Python's `repr(str)`: single quotes unless the text has a single quote and no double quote.
    static func pythonQuoted(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var result = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if Character(scalar) == quote {
                    result += "\\\(quote)"
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += String(format: "\\x%02x", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        result.append(quote)
        return result
    }

    /// The Jinja type name used in error messages.
    var typeName: String {
        switch self {
        case .undefined: return "undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .array: return "list"
        case .tuple: return "tuple"
        case .object: return "dict"
        case .namespace: return "Namespace"
        case .callable: return "function"
        case .generator: return "generator"
        }
    }

    /// Python `==` (1 == 1.0 == True).
    public static func == (lhs: JinjaValue, rhs: JinjaValue) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)), (.markup(let a), .markup(let b)), (.string(let a), .markup(let b)),
             (.markup(let a), .string(let b)):
            return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)), (.tuple(let a), .tuple(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        case (.namespace(let a), .namespace(let b)): return a === b
        default:
            if let a = lhs.numericValue, let b = rhs.numericValue { return a == b }
            return false
        }
    }

    /// The value as a number when it is a bool, int or float (Python treats bools as ints).
    var numericValue: Double? {
        switch self {
        case .bool(let value): return value ? 1 : 0
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The elements of a list or tuple.
    var sequenceElements: [JinjaValue]? {
        switch self {
        case .array(let elements), .tuple(let elements): return elements
        default: return nil
        }
    }

    var isNumber: Bool {
        switch self {
        case .int, .double: return true
        default: return false
        }
    }
}

/// Boxes a callable so that `JinjaValue` stays `Equatable` (callables compare by identity).
public final class JinjaCallableBox: @unchecked Sendable, Equatable {
    let callable: JinjaCallable
    init(_ callable: JinjaCallable) { self.callable = callable }
    public static func == (lhs: JinjaCallableBox, rhs: JinjaCallableBox) -> Bool { lhs === rhs }
}

extension JinjaValue {
    static func function(_ name: String,
                         _ call: @escaping ([JinjaValue], OrderedDictionary, SourcePosition) throws -> JinjaValue) -> JinjaValue {
        .callable(JinjaCallableBox(JinjaCallable(name: name, call: call)))
    }
}
