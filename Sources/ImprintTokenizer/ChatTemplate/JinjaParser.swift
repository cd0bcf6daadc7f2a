/// Parses template parts into statements, and tag tokens into expressions, following the grammar and operator
/// precedence of `jinja2.parser.Parser`.
struct JinjaParser {
    private let parts: [TemplatePart]
    private var index = 0
    /// How deeply statements may nest in one another, and expressions inside one tag (`ChatTemplate.Limits`).
    private let maximumNestingDepth: Int
    /// The statements being parsed around the current one.
    private var statementDepth = 0

    init(parts: [TemplatePart], maximumNestingDepth: Int) {
        self.parts = parts
        self.maximumNestingDepth = maximumNestingDepth
    }

    /// Parses the whole template.
    mutating func parseTemplate() throws -> [JinjaStatement] {
        let (body, end) = try parseBlock(until: [])
        if let end {
            throw TemplateError(.syntax, "unexpected '\(end.name)'", line: end.position.line, column: end.position.column)
        }
        return body
    }

    /// A block tag that ended a body: its keyword, its remaining tokens and where it is.
    private struct BlockEnd { let name: String; let tokens: ArraySlice<JinjaToken>; let position: SourcePosition }

    /// Parses statements until one of `terminators` (e.g. `elif`, `else`, `endif`); returns nil at end of input.
    private mutating func parseBlock(until terminators: Set<String>) throws -> ([JinjaStatement], BlockEnd?) {
        var body: [JinjaStatement] = []
        while index < parts.count {
            let part = parts[index]
            index += 1
            switch part {
            case .text(let text):
                body.append(.text(text))
            case .output(let tokens, let position):
                var expression = ExpressionParser(maximumDepth: maximumNestingDepth, tokens: tokens[...], tagPosition: position)
                body.append(.output(try expression.parseComplete()))
            case .statement(let tokens, let position):
                guard let keyword = tokens.first, keyword.kind == .name else {
                    throw TemplateError(.syntax, "expected a statement keyword", line: position.line, column: position.column)
                }
                let rest = tokens.dropFirst()
                if terminators.contains(keyword.text) {
                    return (body, BlockEnd(name: keyword.text, tokens: rest, position: keyword.position))
                }
                body.append(try parseStatement(keyword, rest, position))
            }
        }
        return (body, nil)
    }

    private mutating func parseStatement(_ keyword: JinjaToken, _ tokens: ArraySlice<JinjaToken>,
                                         _ position: SourcePosition) throws -> JinjaStatement {
        statementDepth += 1
        defer { statementDepth -= 1 }
        guard statementDepth <= maximumNestingDepth else {
            throw TemplateError(.limitExceeded, "statements nest deeper than \(maximumNestingDepth) levels "
                                + "(ChatTemplate.Limits.maximumNestingDepth)", line: keyword.position.line, column: keyword.position.column)
        }
        switch keyword.text {
        case "if":
            var branches: [(JinjaExpression, [JinjaStatement])] = []
            var conditionParser = ExpressionParser(maximumDepth: maximumNestingDepth, tokens: tokens, tagPosition: position)
            var condition = try conditionParser.parseCompleteExpression()
            while true {
                let (body, end) = try parseBlock(until: ["elif", "else", "endif"])
                branches.append((condition, body))
                guard let end else { throw missingEnd("endif", keyword) }
                switch end.name {
                case "elif":
                    var elifParser = ExpressionParser(maximumDepth: maximumNestingDepth, tokens: end.tokens, tagPosition: end.position)
                    condition = try elifParser.parseCompleteExpression()
                case "else":
                    let (otherwise, final) = try parseBlock(until: ["endif"])
                    guard final != nil else { throw missingEnd("endif", keyword) }
                    return .conditional(branches, otherwise: otherwise)
                default:
                    return .conditional(branches, otherwise: [])
                }
            }
        case "for":
            var parser = ExpressionParser(maximumDepth: maximumNestingDepth, tokens: tokens, tagPosition: position)
            var targets = [try parser.expectName()]
            while parser.skip(",") { targets.append(try parser.expectName()) }
            try parser.expectKeyword("in")
            let iterable = try parser.parseOr()
            var filter: JinjaExpression?
            if parser.skipKeyword("if") { filter = try parser.parseExpression(allowConditional: false) }
            if parser.skipKeyword("recursive") {
                throw TemplateError(.unsupported, "recursive loops are not supported", line: keyword.position.line, column: keyword.position.column)
            }
            try parser.expectEnd()
            let (body, end) = try parseBlock(until: ["else", "endfor"])
            guard let end else { throw missingEnd("endfor", keyword) }
            var otherwise: [JinjaStatement] = []
            if end.name == "else" {
                let (elseBody, final) = try parseBlock(until: ["endfor"])
                guard final != nil else { throw missingEnd("endfor", keyword) }
                otherwise = elseBody
            }
            return .loop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise, keyword.position)
        case "set":
            var parser = ExpressionParser(maximumDepth: maximumNestingDepth, tokens: tokens, tagPosition: position)
            let first = try parser.expectName()
            if parser.skip(".") {
                let attribute = try parser.expectName()
                try parser.expect("=")
                let value = try parser.parseTupleExpression()
                try parser.expectEnd()
                return .assignAttribute(namespace: first, attribute: attribute, value, keyword.position)
            }
            var targets = [first]
            while parser.skip(",") { targets.append(try parser.expectName()) }
            if parser.atEnd {
                guard targets.count == 1 else { throw parser.error("expected '='") }
                let (body, end) = try parseBlock(until: ["endset"])
                guard end != nil else { throw missingEnd("endset", keyword) }
                return .assignBlock(first, body)
            }
            try parser.expect("=")
            let value = try parser.parseTupleExpression()
            try parser.expectEnd()
            return .assign(targets: targets, value, keyword.position)
        case "macro":
            var parser = ExpressionParser(maximumDepth: maximumNestingDepth, tokens: tokens, tagPosition: position)
            let name = try parser.expectName()
            try parser.expect("(")
            var parameters: [(String, JinjaExpression?)] = []
            while !parser.skip(")") {
                if !parameters.isEmpty { try parser.expect(",") }
                if parser.skip(")") { break }
                let parameter = try parser.expectName()
                var defaultValue: JinjaExpression?
                if parser.skip("=") { defaultValue = try parser.parseExpression(allowConditional: true) }
                parameters.append((parameter, defaultValue))
            }
            try parser.expectEnd()
            let (body, end) = try parseBlock(until: ["endmacro"])
            guard end != nil else { throw missingEnd("endmacro", keyword) }
            return .macro(name: name, parameters: parameters, body: body)
        case "filter":
            let input = JinjaToken(kind: .name, text: JinjaStatement.filterBlockInput, position: keyword.position)
            let pipe = JinjaToken(kind: .symbol, text: "|", position: keyword.position)
            var parser = ExpressionParser(maximumDepth: maximumNestingDepth, tokens: ([input, pipe] + Array(tokens))[...], tagPosition: position)
            let filtered = try parser.parseCompleteExpression()
            let (body, end) = try parseBlock(until: ["endfilter"])
            guard end != nil else { throw missingEnd("endfilter", keyword) }
            return .filterBlock(filtered: filtered, body: body)
        case "break":
            return .breakLoop(keyword.position)
        case "continue":
            return .continueLoop(keyword.position)
        case "generation":
            // transformers' AssistantTracker block: renders its body unchanged.
            let (body, end) = try parseBlock(until: ["endgeneration"])
            guard end != nil else { throw missingEnd("endgeneration", keyword) }
            return .conditional([(.literal(.bool(true)), body)], otherwise: [])
        default:
            throw TemplateError(.unsupported, "unsupported statement '\(keyword.text)'",
                                line: keyword.position.line, column: keyword.position.column)
        }
    }

    private func missingEnd(_ name: String, _ opening: JinjaToken) -> TemplateError {
        TemplateError(.syntax, "'\(opening.text)' is never closed by '\(name)'", line: opening.position.line, column: opening.position.column)
    }
}
