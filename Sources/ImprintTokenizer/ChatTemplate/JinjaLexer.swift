/// A token inside a `{{ }}` or `{% %}` tag.
struct JinjaToken: Equatable {
    enum Kind: Equatable { case name, string, integer, float, symbol }
    let kind: Kind
    /// The name or symbol text, or the decoded string literal.
    let text: String
    let position: SourcePosition
}

/// A piece of template source after whitespace control: literal text, an output tag or a statement tag.
enum TemplatePart {
    case text(String)
    case output([JinjaToken], SourcePosition)
    case statement([JinjaToken], SourcePosition)
}

/// Splits Jinja source into text and tags the way `jinja2.Environment(trim_blocks=True, lstrip_blocks=True)`
/// (transformers' chat-template environment) does: line endings normalized to `\n` and a single trailing newline
/// dropped (`keep_trailing_newline=False`), `{%-`/`-%}` strip whitespace, block and comment tags swallow the
/// newline after them and the indentation before them.
struct JinjaLexer {
    private let source: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]

    init(_ template: String) {
        // Python's str.splitlines() + "\n".join(): every line break becomes "\n", one trailing break is dropped.
        var scalars: [Unicode.Scalar] = []
        let input = Array(template.unicodeScalars)
        var index = 0
        while index < input.count {
            let scalar = input[index]
            switch scalar.value {
            case 0x0D:
                scalars.append("\n")
                if index + 1 < input.count && input[index + 1] == "\n" { index += 1 }
            case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                scalars.append("\n")
            default:
                scalars.append(scalar)
            }
            index += 1
        }
        if scalars.last == "\n" { scalars.removeLast() }
        source = scalars
        for (offset, scalar) in source.enumerated() where scalar == "\n" { lineStarts.append(offset + 1) }
    }

    func position(_ offset: Int) -> SourcePosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return SourcePosition(line: low + 1, column: offset - lineStarts[low] + 1)
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    func parts() throws -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var textStart = 0
        var index = 0
        var lineStarting = true
        let count = source.count
        while true {
            var tagStart = index
            while tagStart + 1 < count && !(source[tagStart] == "{" && ["{", "%", "#"].contains(source[tagStart + 1])) {
                tagStart += 1
            }
            if tagStart + 1 >= count {
                if textStart < count { parts.append(.text(String(String.UnicodeScalarView(source[textStart..<count])))) }
                return parts
            }
            let kind = source[tagStart + 1]
            var bodyStart = tagStart + 2
            var leftModifier: Unicode.Scalar?
            if bodyStart < count && (source[bodyStart] == "-" || source[bodyStart] == "+") {
                leftModifier = source[bodyStart]
                bodyStart += 1
            }
            var text = Array(source[textStart..<tagStart])
            if leftModifier == "-" {
                while let last = text.last, Self.isWhitespace(last) { text.removeLast() }
            } else if leftModifier != "+" && kind != "{" {
                let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
                if (lineStart > 0 || lineStarting) && lineStart < text.count && text[lineStart...].allSatisfy(Self.isWhitespace) {
                    text.removeSubrange(lineStart...)
                }
            }
            if !text.isEmpty { parts.append(.text(String(String.UnicodeScalarView(text)))) }

            var after: Int
            var rightModifier: Unicode.Scalar?
            let tagPosition = position(tagStart)
            if kind == "#" {
                var end = bodyStart
                while end + 1 < count && !(source[end] == "#" && source[end + 1] == "}") { end += 1 }
                guard end + 1 < count else { throw TemplateError(.syntax, "unterminated comment", line: tagPosition.line, column: tagPosition.column) }
                if end > bodyStart && (source[end - 1] == "-" || source[end - 1] == "+") { rightModifier = source[end - 1] }
                after = end + 2
            } else {
                let (tokens, end, modifier) = try tokenize(from: bodyStart, closing: kind == "{" ? "}" : "%", tagPosition: tagPosition)
                rightModifier = modifier
                after = end
                parts.append(kind == "{" ? .output(tokens, tagPosition) : .statement(tokens, tagPosition))
            }
            if rightModifier == "-" {
                while after < count && Self.isWhitespace(source[after]) { after += 1 }
            } else if kind != "{" && rightModifier != "+" && after < count && source[after] == "\n" {
                after += 1
            }
            lineStarting = after > 0 && source[after - 1] == "\n"
            textStart = after
            index = after
        }
    }

    private static let symbols = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=",
                                  "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"]

    /// Tokens of a tag body up to its closing `}}` or `%}`; returns the offset after the delimiter and its
    /// whitespace modifier (`-` or `+`).
    private func tokenize(from start: Int, closing: Unicode.Scalar, tagPosition: SourcePosition)
        throws -> ([JinjaToken], Int, Unicode.Scalar?) {
        var tokens: [JinjaToken] = []
        var index = start
        var braceDepth = 0
        let count = source.count
        func at(_ offset: Int) -> Unicode.Scalar? { offset < count ? source[offset] : nil }
        while index < count {
            let scalar = source[index]
            if Self.isWhitespace(scalar) { index += 1; continue }
            // Closing delimiter, possibly with a modifier.
            if (scalar == "-" || scalar == "+") && at(index + 1) == closing && at(index + 2) == "}" && (closing == "%" || braceDepth == 0) {
                return (tokens, index + 3, scalar)
            }
            if scalar == closing && at(index + 1) == "}" && (closing == "%" || braceDepth == 0) {
                return (tokens, index + 2, nil)
            }
            let tokenPosition = position(index)
            if scalar == "_" || scalar.properties.isAlphabetic && scalar.isASCII {
                var end = index + 1
                while end < count, source[end] == "_" || (source[end].isASCII && (source[end].properties.isAlphabetic || ("0"..."9").contains(source[end]))) {
                    end += 1
                }
                tokens.append(JinjaToken(kind: .name, text: String(String.UnicodeScalarView(source[index..<end])), position: tokenPosition))
                index = end
                continue
            }
            if ("0"..."9").contains(scalar) {
                var end = index
                var isFloat = false
                while end < count, ("0"..."9").contains(source[end]) || source[end] == "_" { end += 1 }
                if end + 1 < count, source[end] == ".", ("0"..."9").contains(source[end + 1]) {
                    isFloat = true
                    end += 1
                    while end < count, ("0"..."9").contains(source[end]) || source[end] == "_" { end += 1 }
                }
                if end < count, source[end] == "e" || source[end] == "E" {
                    var exponentEnd = end + 1
                    if exponentEnd < count, source[exponentEnd] == "+" || source[exponentEnd] == "-" { exponentEnd += 1 }
                    if exponentEnd < count, ("0"..."9").contains(source[exponentEnd]) {
                        isFloat = true
                        end = exponentEnd
                        while end < count, ("0"..."9").contains(source[end]) { end += 1 }
                    }
                }
                let text = String(String.UnicodeScalarView(source[index..<end].filter { $0 != "_" }))
                tokens.append(JinjaToken(kind: isFloat ? .float : .integer, text: text, position: tokenPosition))
                index = end
                continue
            }
            if scalar == "'" || scalar == "\"" {
                let (value, end) = try stringLiteral(from: index, quote: scalar)
                tokens.append(JinjaToken(kind: .string, text: value, position: tokenPosition))
                index = end
                continue
            }
            var matched = false
            for symbol in Self.symbols {
                let symbolScalars = Array(symbol.unicodeScalars)
                if index + symbolScalars.count <= count && Array(source[index..<(index + symbolScalars.count)]) == symbolScalars {
                    if symbol == "{" { braceDepth += 1 }
                    if symbol == "}" { braceDepth -= 1 }
                    tokens.append(JinjaToken(kind: .symbol, text: symbol, position: tokenPosition))
                    index += symbolScalars.count
                    matched = true
                    break
                }
            }
            if !matched {
                throw TemplateError(.syntax, "unexpected character '\(scalar)'", line: tokenPosition.line, column: tokenPosition.column)
            }
        }
        throw TemplateError(.syntax, "unterminated tag", line: tagPosition.line, column: tagPosition.column)
    }

    /// A Python string literal (Jinja decodes escapes with `unicode-escape`).
    private func stringLiteral(from start: Int, quote: Unicode.Scalar) throws -> (String, Int) {
        var result = String.UnicodeScalarView()
        var index = start + 1
        let count = source.count
        while index < count {
            let scalar = source[index]
            if scalar == quote { return (String(result), index + 1) }
            if scalar == "\\" && index + 1 < count {
                let escape = source[index + 1]
                index += 2
                switch escape {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "0": result.append("\0")
                case "a": result.append("\u{07}")
                case "b": result.append("\u{08}")
                case "f": result.append("\u{0C}")
                case "v": result.append("\u{0B}")
                case "\\", "'", "\"": result.append(escape)
                case "\n": break
                case "x", "u", "U":
                    let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                    guard index + width <= count,
                          let code = UInt32(String(String.UnicodeScalarView(source[index..<(index + width)])), radix: 16),
                          let decoded = Unicode.Scalar(code) else {
                        let position = position(index)
                        throw TemplateError(.syntax, "invalid \\\(escape) escape", line: position.line, column: position.column)
                    }
                    result.append(decoded)
                    index += width
                default:
                    result.append("\\")
                    result.append(escape)
                }
                continue
            }
            result.append(scalar)
            index += 1
        }
        let position = position(start)
        throw TemplateError(.syntax, "unterminated string", line: position.line, column: position.column)
    }
}
