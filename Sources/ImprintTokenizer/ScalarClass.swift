/// The character classes the GPT-2 family of pre-tokenizer regexes distinguish: `\p{L}`, `\p{N}`, `\s`, `\p{M}`
/// and everything else, with `\r`/`\n` flagged because the Llama 3 and Qwen2 patterns treat them specially.
/// Marks are `[^\s\p{L}\p{N}]` to every pattern but Qwen3.5's, which joins them to letters.
enum ScalarClass: UInt8 {
    case letter, number, whitespace, newline, mark, other

    /// Whether the class is `\s` (carriage return and line feed included).
    @inline(__always) var isWhitespace: Bool { self == .whitespace || self == .newline }

    /// Classes of the ASCII range, looked up without touching the Unicode tables.
    private static let asciiClasses: [ScalarClass] = (0..<128).map { value in
        if value == 0x0A || value == 0x0D { return .newline }
        if (0x09...0x0D).contains(value) || value == 0x20 { return .whitespace }
        if (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) { return .letter }
        if (0x30...0x39).contains(value) { return .number }
        return .other
    }

    /// Whether the class is `[^\s\p{L}\p{N}]` (marks included).
    @inline(__always) var isOtherOrMark: Bool { self == .other || self == .mark }

    /// The class of `scalar`, matching Oniguruma's Unicode `\p{L}`, `\p{N}`, `\p{M}` and `\s` (White_Space).
    @inline(__always) static func of(_ scalar: Unicode.Scalar) -> ScalarClass {
        let value = scalar.value
        if value < 128 { return asciiClasses[Int(value)] }
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return .mark
        default:
            return .other
        }
    }
}

extension Unicode.Scalar {
    /// Whether the scalar is in a Unicode punctuation category (`P*`: Pc, Pd, Ps, Pe, Pi, Pf, Po), regex `\p{P}`.
    var isInPunctuationCategory: Bool {
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
