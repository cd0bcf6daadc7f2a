/// Python `str` semantics that the reference metrics depend on, over Unicode code points.
///
/// Python iterates, splits and compares strings by code point, while Swift's `String` compares
/// grapheme clusters under canonical equivalence (`"e\u{301}" == "é"` in Swift, not in Python).
/// Every metric that must equal a Python reference goes through these helpers instead.
enum PythonText {
    /// Python's `str.isspace()`: the 29 code points of bidirectional class WS, B or S, or category Zs.
    ///
    /// `"\u{A0}"` (no-break space) and `"\u{3000}"` are whitespace; `"\u{200B}"` (zero-width space) is not.
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python's `str.split()` with no argument: runs of whitespace separate, empty pieces are dropped.
    ///
    /// `split(" a\u{A0}b  c ")` is `["a", "b", "c"]`, each piece as its code points.
    static func split(_ scalars: some Collection<Unicode.Scalar>) -> [[Unicode.Scalar]] {
        var pieces: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if isWhitespace(scalar) {
                if !current.isEmpty {
                    pieces.append(current)
                    current.removeAll(keepingCapacity: true)
                }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// Python's `str.split()` of a `String`.
    static func split(_ text: String) -> [[Unicode.Scalar]] {
        split(text.unicodeScalars)
    }

    /// Python's `str.strip()`: whitespace removed at both ends.
    static func strip(_ scalars: [Unicode.Scalar]) -> ArraySlice<Unicode.Scalar> {
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end && isWhitespace(scalars[start]) { start += 1 }
        while end > start && isWhitespace(scalars[end - 1]) { end -= 1 }
        return scalars[start..<end]
    }

    /// Python's `str.rstrip()`: trailing whitespace removed.
    static func rstrip(_ scalars: [Unicode.Scalar]) -> ArraySlice<Unicode.Scalar> {
        var end = scalars.endIndex
        while end > 0 && isWhitespace(scalars[end - 1]) { end -= 1 }
        return scalars[0..<end]
    }

    /// Python's `str.lower()` as code points: each scalar's full lowercase mapping (`"İ"` gives
    /// two), and Python's Final_Sigma rule: `Σ` after a cased letter and not before one becomes
    /// `ς` (`"ΟΔΟΣ"` → `"οδος"`), elsewhere `σ`.
    static func lower(_ text: String) -> [Unicode.Scalar] {
        let scalars = Array(text.unicodeScalars)
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        for (index, scalar) in scalars.enumerated() {
            if scalar.isASCII {
                let value = scalar.value
                result.append((0x41...0x5A).contains(value) ? Unicode.Scalar(value + 0x20)! : scalar)
            } else if scalar == "\u{3A3}" {
                result.append(isFinalSigma(scalars, at: index) ? "\u{3C2}" : "\u{3C3}")
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }

    /// CPython's `handle_capital_sigma`: `\p{cased} \p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased})`.
    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0 && scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0 && scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count && scalars[after].properties.isCaseIgnorable { after += 1 }
        return after == scalars.count || !scalars[after].properties.isCased
    }

    /// Python's `str.isalpha()` for one code point: general category Lu, Ll, Lt, Lm or Lo.
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return false
        }
    }

    /// Python's regular-expression word character `\w` in a `str` pattern: a letter, a number
    /// (categories Nd, Nl, No) or `_`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" || isLetter(scalar) { return true }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// A `String` made of exactly these code points (no normalization).
    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}

/// Gives each distinct token (compared by code points, as Python compares `str`) a small integer.
///
/// `TokenCoder().codes(for: [["a"], ["b"], ["a"]])` is `[0, 1, 0]`.
struct TokenCoder {
    private var ids: [[UInt32]: Int] = [:]

    /// The number of distinct tokens seen so far.
    var count: Int { ids.count }

    /// The integer of one token; a new token gets the next integer.
    mutating func code(_ token: [Unicode.Scalar]) -> Int {
        let key = token.map(\.value)
        if let id = ids[key] { return id }
        let id = ids.count
        ids[key] = id
        return id
    }

    /// The integers of several tokens, in order.
    mutating func codes(for tokens: [[Unicode.Scalar]]) -> [Int] {
        tokens.map { code($0) }
    }
}
