import Foundation
import ImprintCore

/// JSON in and out of template values, keeping key order: parsing (the CLI's JSONL messages) and Python's
/// `json.dumps(value, ensure_ascii=False, indent=...)`, which transformers' `tojson` filter calls.
public enum JinjaJSON {
    /// How deeply arrays and objects may nest, by default: Foundation's `JSONSerialization` refuses more than 512
    /// levels too, so every JSON reader in Imprint accepts the same files. Real files nest a handful of levels
    /// (`tokenizer.json`: 4, a tool schema: under 20; Hugging Face's `tokenizers` reads with serde_json, which stops
    /// at 128). The parser recurses once per level, so the limit is what keeps a crafted file from overflowing the
    /// stack: 512 levels take under 256 KB of it in a release build (about 1 MB in a debug build).
    public static let defaultMaximumDepth = 512

    /// A JSON value that cannot be read, at a UTF-8 byte offset.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public enum Kind: Equatable, Sendable {
            /// Not valid JSON.
            case syntax
            /// Valid so far, but arrays and objects nest deeper than `limit` levels.
            case tooDeep(limit: Int)
        }

        public let kind: Kind
        public let offset: Int
        public let message: String

        init(_ kind: Kind = .syntax, offset: Int, message: String) {
            self.kind = kind
            self.offset = offset
            self.message = message
        }

        public var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    /// Parses one JSON value; objects keep their key order, integers stay integers.
    ///
    /// - Parameter maximumDepth: how deeply arrays and objects may nest (`[[1]]` is 2 levels).
    /// - Throws: `ParseError`, of kind `.tooDeep` when the nesting exceeds `maximumDepth`.
    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws -> JinjaValue {
        var parser = Parser(bytes: Array(text.utf8), maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else { throw parser.error("unexpected trailing characters") }
        return value
    }

    /// Python's `json.dumps(value, ensure_ascii=False, indent=indent)` (separators `", "`/`": "` without indent,
    /// `","`/`": "` with it; a negative indent starts lines without spaces). Undefined values and callables are not
    /// serializable. Throws `TooLong` once the text passes `maximumLength` UTF-8 bytes (a large indent can
    /// make a short value's text huge).
    static func serialize(_ value: JinjaValue, indent: Int?, sortKeys: Bool = false, maximumLength: Int = .max) throws -> String {
        var output = ""
        try write(value, indent: indent.map { max(0, $0) }, level: 0, sortKeys: sortKeys, maximumLength: maximumLength,
                  into: &output)
        return output
    }

    struct NotSerializable: Error { let typeName: String }
    struct TooLong: Error {}

    /// A line break and the indentation of `level`, checked against `maximumLength` before it is made.
    private static func writeNewline(indent: Int, level: Int, maximumLength: Int, into output: inout String) throws {
        let width = indent.multipliedReportingOverflow(by: level)
        guard !width.overflow, width.partialValue < maximumLength - output.utf8.count else { throw TooLong() }
        output += "\n" + String(repeating: " ", count: width.partialValue)
    }

    private static func write(_ value: JinjaValue, indent: Int?, level: Int, sortKeys: Bool, maximumLength: Int,
                              into output: inout String) throws {
        guard output.utf8.count <= maximumLength else { throw TooLong() }
        switch value {
        case .none: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .double(let number):
            if number.isNaN { output += "NaN" } else if number.isInfinite { output += number > 0 ? "Infinity" : "-Infinity" } else {
                output += JinjaValue.pythonFloat(number)
            }
        case .string(let text), .markup(let text): JSONStringLiteral.write(text, into: &output)
        case .array(let elements), .tuple(let elements):
            guard !elements.isEmpty else { output += "[]"; return }
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += indent == nil ? ", " : "," }
                if let indent { try writeNewline(indent: indent, level: level + 1, maximumLength: maximumLength, into: &output) }
                try write(element, indent: indent, level: level + 1, sortKeys: sortKeys, maximumLength: maximumLength,
                          into: &output)
            }
            if let indent { try writeNewline(indent: indent, level: level, maximumLength: maximumLength, into: &output) }
            output += "]"
        case .object(let dictionary):
            guard dictionary.count > 0 else { output += "{}"; return }
            output += "{"
            var pairs = dictionary.pairs
            if sortKeys { pairs.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
            for (index, (key, element)) in pairs.enumerated() {
                if index > 0 { output += indent == nil ? ", " : "," }
                if let indent { try writeNewline(indent: indent, level: level + 1, maximumLength: maximumLength, into: &output) }
                JSONStringLiteral.write(key, into: &output)
                output += ": "
                try write(element, indent: indent, level: level + 1, sortKeys: sortKeys, maximumLength: maximumLength,
                          into: &output)
            }
            if let indent { try writeNewline(indent: indent, level: level, maximumLength: maximumLength, into: &output) }
            output += "}"
        case .namespace(let namespace):
            try write(.object(namespace.attributes), indent: indent, level: level, sortKeys: sortKeys, maximumLength: maximumLength,
                          into: &output)
        case .undefined, .callable, .generator:
            throw NotSerializable(typeName: value.typeName)
        }
    }

    /// `text` as a JSON string literal, as Python's `json.dumps(text, ensure_ascii=False)` writes it.
    public static func stringLiteral(_ text: String) -> String {
        var output = ""
        JSONStringLiteral.write(text, into: &output)
        return output
    }

    private struct Parser {
        let bytes: [UInt8]
        let maximumDepth: Int
        var position = 0
        /// The arrays and objects open at `position`.
        var depth = 0

        func error(_ message: String) -> ParseError { ParseError(offset: position, message: message) }

        /// Enters an array or object, refusing to nest deeper than `maximumDepth`.
        mutating func enterContainer() throws {
            guard depth < maximumDepth else {
                throw ParseError(.tooDeep(limit: maximumDepth), offset: position,
                                 message: "arrays and objects nest deeper than \(maximumDepth) levels")
            }
            depth += 1
            position += 1
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ literal: String, _ value: JinjaValue) throws -> JinjaValue {
            let literalBytes = Array(literal.utf8)
            guard position + literalBytes.count <= bytes.count,
                  Array(bytes[position..<(position + literalBytes.count)]) == literalBytes else { throw error("expected \(literal)") }
            position += literalBytes.count
            return value
        }

        mutating func value() throws -> JinjaValue {
            guard position < bytes.count else { throw error("unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                try enterContainer()
                defer { depth -= 1 }
                var dictionary = OrderedDictionary()
                skipWhitespace()
                if position < bytes.count && bytes[position] == UInt8(ascii: "}") { position += 1; return .object(dictionary) }
                while true {
                    skipWhitespace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                    let key = try string()
                    skipWhitespace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
                    position += 1
                    skipWhitespace()
                    dictionary[key] = try value()
                    skipWhitespace()
                    guard position < bytes.count else { throw error("unexpected end of input") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(dictionary) }
                    throw error("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                try enterContainer()
                defer { depth -= 1 }
                var elements: [JinjaValue] = []
                skipWhitespace()
                if position < bytes.count && bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
                while true {
                    skipWhitespace()
                    elements.append(try value())
                    skipWhitespace()
                    guard position < bytes.count else { throw error("unexpected end of input") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
                    throw error("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .none)
            default: return try number()
            }
        }

        mutating func number() throws -> JinjaValue {
            let start = position
            var isFloat = false
            while position < bytes.count {
                let byte = bytes[position]
                if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                    position += 1
                } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                    isFloat = true
                    position += 1
                } else {
                    break
                }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if !isFloat, let integer = Int(text) { return .int(integer) }
            guard !text.isEmpty, let double = Double(text) else {
                position = start
                throw error("expected a value")
            }
            return .double(double)
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count,
                  let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
            else { throw error("invalid \\u escape") }
            position += 4
            return value
        }

        mutating func string() throws -> String {
            position += 1
            var scalars = String.UnicodeScalarView()
            var runStart = position
            func flushRun(_ end: Int) {
                if end > runStart { scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars) }
            }
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    flushRun(position)
                    position += 1
                    return String(scalars)
                }
                if byte == UInt8(ascii: "\\") {
                    flushRun(position)
                    position += 1
                    guard position < bytes.count else { break }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "u"):
                        // A surrogate must be a high one followed by an escaped low one; a lone surrogate is an
                        // error, as in serde_json (HF `tokenizers`), whereas Python's `json` accepts it into a str
                        // that no tokenizer can encode.
                        let escapeStart = position - 2
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code), position + 6 <= bytes.count,
                           bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else {
                                position = escapeStart
                                throw error("lone surrogate in \\u escape")
                            }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else {
                            position = escapeStart
                            throw error("lone surrogate in \\u escape")
                        }
                        scalars.append(scalar)
                    default: throw error("invalid escape")
                    }
                    runStart = position
                    continue
                }
                // Raw control characters must be escaped, as serde_json (HF `tokenizers`) and Python's `json` require.
                if byte < 0x20 { throw error("unescaped control character U+\(String(format: "%04X", byte)) in a string") }
                position += 1
            }
            throw error("unterminated string")
        }
    }
}
