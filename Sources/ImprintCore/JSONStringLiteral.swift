/// JSON string literals as Python's `json.dumps(text, ensure_ascii=False)` writes them: `"` and `\` escaped, the
/// control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`, everything else (non-ASCII included) as it is.
/// Chat templates' `tojson` and the JSONL files data generation writes use it, so both spell strings as Python does.
public enum JSONStringLiteral {
    /// `text` as a JSON string literal.
    public static func make(_ text: String) -> String {
        var output = ""
        write(text, into: &output)
        return output
    }

    /// Appends `text` as a JSON string literal to `output`.
    public static func write(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
