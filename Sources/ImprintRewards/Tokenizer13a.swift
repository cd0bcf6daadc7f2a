/// sacreBLEU's default tokenizer, `13a` (mteval-v13a, as used by WMT).
///
/// Steps, in sacreBLEU 2.x's order, over code points:
/// 1. remove `<skipped>`, join `-\n` hyphenations, turn `\n` into spaces;
/// 2. if the line contains `&`: unescape `&quot;`, `&amp;`, `&lt;`, `&gt;` (in that order);
/// 3. pad with one space on each side, then four regular-expression passes, each replacing
///    non-overlapping matches left to right:
///    - every character of ``{|}~ [\]^_` space !"#$%& ()*+ :;<=>?@ /`` gets spaces around it,
///    - `.` or `,` after a non-digit: `X.` → `X . `,
///    - `.` or `,` before a non-digit: `.X` → ` . X`,
///    - `-` after a digit: `7-` → `7 - `;
/// 4. split on whitespace (Python's `str.split()`).
///
/// `Tokenizer13a.tokenize("It is 3.14, not 1990-2000.")` is
/// `["It", "is", "3.14", ",", "not", "1990", "-", "2000", "."]`.
///
/// Matches `sacrebleu.tokenizers.tokenizer_13a.Tokenizer13a` (sacreBLEU 2.6.0).
public enum Tokenizer13a {
    /// The tokens of one line, as strings.
    public static func tokenize(_ line: String) -> [String] {
        tokenScalars(Array(line.unicodeScalars)).map { PythonText.string($0) }
    }

    /// The tokens of one line, as code points (what BLEU counts).
    static func tokenScalars(_ line: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var text = replacing(line, "<skipped>", with: "")
        text = replacing(text, "-\n", with: "")
        text = text.map { $0 == "\n" ? " " : $0 }
        if text.contains("&") {
            text = replacing(text, "&quot;", with: "\"")
            text = replacing(text, "&amp;", with: "&")
            text = replacing(text, "&lt;", with: "<")
            text = replacing(text, "&gt;", with: ">")
        }
        text = [" "] + text + [" "]
        text = padSymbols(text)
        text = pass(text, first: { !isDigit($0) }, second: { $0 == "." || $0 == "," }) { x, y in [x, " ", y, " "] }
        text = pass(text, first: { $0 == "." || $0 == "," }, second: { !isDigit($0) }) { x, y in [" ", x, " ", y] }
        text = pass(text, first: isDigit, second: { $0 == "-" }) { x, y in [x, " ", y, " "] }
        return PythonText.split(text)
    }

    /// Python's `str.replace(old, new)`: every non-overlapping occurrence, left to right.
    static func replacing(_ text: [Unicode.Scalar], _ old: String, with new: String) -> [Unicode.Scalar] {
        let pattern = Array(old.unicodeScalars), replacement = Array(new.unicodeScalars)
        guard text.count >= pattern.count else { return text }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if index + pattern.count <= text.count && text[index..<index + pattern.count].elementsEqual(pattern) {
                result += replacement
                index += pattern.count
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }

    /// `re.sub(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])', r' \1 ', text)`.
    static func padSymbols(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count * 2)
        for scalar in text {
            switch scalar.value {
            case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F:
                result += [" ", scalar, " "]
            default:
                result.append(scalar)
            }
        }
        return result
    }

    /// `re.sub` of a two-character pattern `(first)(second)`: scanning left to right, a match is
    /// replaced and scanning resumes after it, so matches never overlap.
    static func pass(_ text: [Unicode.Scalar], first: (Unicode.Scalar) -> Bool, second: (Unicode.Scalar) -> Bool,
                     replacement: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count + text.count / 2)
        var index = 0
        while index < text.count {
            if index + 1 < text.count && first(text[index]) && second(text[index + 1]) {
                result += replacement(text[index], text[index + 1])
                index += 2
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }

    /// `[0-9]` in a Python pattern: ASCII digits only.
    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(scalar.value)
    }
}
