/// Parses template parts into statements, and tag tokens into expressions, following the grammar and operator
/// precedence of `jinja2.parser.Parser`.
struct JinjaParser {
    private let parts: [TemplatePart]
    private var index = 0

    init(parts: [TemplatePart]) { self.parts = parts }

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
                var expression = ExpressionParser(tokens: tokens[...], tagPosition: position)
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
        switch keyword.text {
        case "if":
            var branches: [(JinjaExpression, [JinjaStatement])] = []
            var conditionParser = ExpressionParser(tokens: tokens, tagPosition: position)
            var condition = try conditionParser.parseCompleteExpression()
            while true {
                let (body, end) = try parseBlock(until: ["elif", "else", "endif"])
                branches.append((condition, body))
                guard let end else { throw missingEnd("endif", keyword) }
                switch end.name {
                case "elif":
                    var elifParser = ExpressionParser(tokens: end.tokens, tagPosition: end.position)
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
            var parser = ExpressionParser(tokens: tokens, tagPosition: position)
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
            var parser = ExpressionParser(tokens: tokens, tagPosition: position)
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
            var parser = ExpressionParser(tokens: tokens, tagPosition: position)
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

/// Recursive-descent parser for the expression inside one tag.
struct ExpressionParser {
    private var tokens: ArraySlice<JinjaToken>
    private let tagPosition: SourcePosition

    init(tokens: ArraySlice<JinjaToken>, tagPosition: SourcePosition) {
        self.tokens = tokens
        self.tagPosition = tagPosition
    }

    var atEnd: Bool { tokens.isEmpty }
    private var current: JinjaToken? { tokens.first }
    private var position: SourcePosition { current?.position ?? tagPosition }

    func error(_ message: String) -> TemplateError {
        TemplateError(.syntax, message, line: position.line, column: position.column)
    }

    private func isSymbol(_ symbol: String) -> Bool { current?.kind == .symbol && current?.text == symbol }
    private func isKeyword(_ name: String) -> Bool { current?.kind == .name && current?.text == name }

    mutating func skip(_ symbol: String) -> Bool {
        guard isSymbol(symbol) else { return false }
        tokens.removeFirst()
        return true
    }

    mutating func skipKeyword(_ name: String) -> Bool {
        guard isKeyword(name) else { return false }
        tokens.removeFirst()
        return true
    }

    mutating func expect(_ symbol: String) throws {
        guard skip(symbol) else { throw error("expected '\(symbol)'") }
    }

    mutating func expectKeyword(_ name: String) throws {
        guard skipKeyword(name) else { throw error("expected '\(name)'") }
    }

    mutating func expectName() throws -> String {
        guard let token = current, token.kind == .name else { throw error("expected a name") }
        tokens.removeFirst()
        return token.text
    }

    mutating func expectEnd() throws {
        guard atEnd else { throw error("unexpected '\(current!.text)'") }
    }

    /// An output tag: one expression (a bare tuple allowed) and nothing after it.
    mutating func parseComplete() throws -> JinjaExpression {
        let expression = try parseTupleExpression()
        try expectEnd()
        return expression
    }

    mutating func parseCompleteExpression() throws -> JinjaExpression {
        let expression = try parseExpression(allowConditional: true)
        try expectEnd()
        return expression
    }

    /// `a, b` without parentheses is a tuple.
    mutating func parseTupleExpression() throws -> JinjaExpression {
        let first = try parseExpression(allowConditional: true)
        guard isSymbol(",") else { return first }
        var elements = [first]
        while skip(",") {
            if atEnd { break }
            elements.append(try parseExpression(allowConditional: true))
        }
        return .tuple(elements)
    }

    mutating func parseExpression(allowConditional: Bool) throws -> JinjaExpression {
        allowConditional ? try parseConditional() : try parseOr()
    }

    private mutating func parseConditional() throws -> JinjaExpression {
        var expression = try parseOr()
        while skipKeyword("if") {
            let condition = try parseOr()
            let otherwise = skipKeyword("else") ? try parseConditional() : nil
            expression = .conditional(then: expression, condition: condition, otherwise: otherwise)
        }
        return expression
    }

    mutating func parseOr() throws -> JinjaExpression {
        var left = try parseAnd()
        while isKeyword("or") {
            let position = self.position
            tokens.removeFirst()
            left = .binary("or", left, try parseAnd(), position)
        }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpression {
        var left = try parseNot()
        while isKeyword("and") {
            let position = self.position
            tokens.removeFirst()
            left = .binary("and", left, try parseNot(), position)
        }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpression {
        if isKeyword("not") {
            let position = self.position
            tokens.removeFirst()
            return .unary("not", try parseNot(), position)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> JinjaExpression {
        var left = try parseMath1()
        while true {
            let position = self.position
            if let token = current, token.kind == .symbol, ["==", "!=", "<", "<=", ">", ">="].contains(token.text) {
                tokens.removeFirst()
                left = .binary(token.text, left, try parseMath1(), position)
            } else if skipKeyword("in") {
                left = .binary("in", left, try parseMath1(), position)
            } else if isKeyword("not"), tokens.dropFirst().first?.kind == .name, tokens.dropFirst().first?.text == "in" {
                tokens.removeFirst(2)
                left = .binary("not in", left, try parseMath1(), position)
            } else {
                return left
            }
        }
    }

    private mutating func parseMath1() throws -> JinjaExpression {
        var left = try parseConcat()
        while let token = current, token.kind == .symbol, token.text == "+" || token.text == "-" {
            tokens.removeFirst()
            left = .binary(token.text, left, try parseConcat(), token.position)
        }
        return left
    }

    private mutating func parseConcat() throws -> JinjaExpression {
        var left = try parseMath2()
        while let token = current, token.kind == .symbol, token.text == "~" {
            tokens.removeFirst()
            left = .binary("~", left, try parseMath2(), token.position)
        }
        return left
    }

    private mutating func parseMath2() throws -> JinjaExpression {
        var left = try parsePower()
        while let token = current, token.kind == .symbol, ["*", "/", "//", "%"].contains(token.text) {
            tokens.removeFirst()
            left = .binary(token.text, left, try parsePower(), token.position)
        }
        return left
    }

    private mutating func parsePower() throws -> JinjaExpression {
        var left = try parseUnary(withFilter: true)
        while let token = current, token.kind == .symbol, token.text == "**" {
            tokens.removeFirst()
            left = .binary("**", left, try parseUnary(withFilter: true), token.position)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool) throws -> JinjaExpression {
        var expression: JinjaExpression
        if let token = current, token.kind == .symbol, token.text == "-" || token.text == "+" {
            tokens.removeFirst()
            expression = .unary(token.text, try parseUnary(withFilter: false), token.position)
        } else {
            expression = try parsePrimary()
        }
        expression = try parsePostfix(expression)
        if withFilter { expression = try parseFilterExpression(expression) }
        return expression
    }

    private mutating func parsePrimary() throws -> JinjaExpression {
        guard let token = current else { throw error("unexpected end of expression") }
        tokens.removeFirst()
        switch token.kind {
        case .name:
            switch token.text {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(token.text, token.position)
            }
        case .string:
            var text = token.text
            while let next = current, next.kind == .string {
                text += next.text
                tokens.removeFirst()
            }
            return .literal(.string(text))
        case .integer:
            guard let value = Int(token.text) else { throw error("integer literal out of range") }
            return .literal(.int(value))
        case .float:
            return .literal(.double(Double(token.text) ?? 0))
        case .symbol:
            switch token.text {
            case "(":
                if skip(")") { return .tuple([]) }
                let first = try parseExpression(allowConditional: true)
                if skip(")") { return first }
                var elements = [first]
                while skip(",") {
                    if isSymbol(")") { break }
                    elements.append(try parseExpression(allowConditional: true))
                }
                try expect(")")
                return .tuple(elements)
            case "[":
                var elements: [JinjaExpression] = []
                while !skip("]") {
                    if !elements.isEmpty { try expect(",") }
                    if skip("]") { break }
                    elements.append(try parseExpression(allowConditional: true))
                }
                return .list(elements)
            case "{":
                var pairs: [(JinjaExpression, JinjaExpression)] = []
                while !skip("}") {
                    if !pairs.isEmpty { try expect(",") }
                    if skip("}") { break }
                    let key = try parseExpression(allowConditional: true)
                    try expect(":")
                    pairs.append((key, try parseExpression(allowConditional: true)))
                }
                return .dictionary(pairs)
            default:
                throw TemplateError(.syntax, "unexpected '\(token.text)'", line: token.position.line, column: token.position.column)
            }
        }
    }

    private mutating func parsePostfix(_ base: JinjaExpression) throws -> JinjaExpression {
        var expression = base
        while let token = current, token.kind == .symbol {
            if token.text == "." {
                tokens.removeFirst()
                guard let name = current, name.kind == .name || name.kind == .integer else { throw error("expected an attribute name") }
                tokens.removeFirst()
                if name.kind == .integer {
                    expression = .item(expression, .literal(.int(Int(name.text) ?? 0)), token.position)
                } else {
                    expression = .attribute(expression, name.text, token.position)
                }
            } else if token.text == "[" {
                tokens.removeFirst()
                expression = try parseSubscript(expression, token.position)
            } else if token.text == "(" {
                tokens.removeFirst()
                let (arguments, keywords) = try parseArguments()
                expression = .call(expression, arguments, keywords, token.position)
            } else {
                break
            }
        }
        return expression
    }

    private mutating func parseSubscript(_ base: JinjaExpression, _ position: SourcePosition) throws -> JinjaExpression {
        var parts: [JinjaExpression?] = []
        var current: JinjaExpression?
        var isSlice = false
        while !skip("]") {
            if skip(":") {
                isSlice = true
                parts.append(current)
                current = nil
                continue
            }
            current = try parseExpression(allowConditional: true)
        }
        parts.append(current)
        if !isSlice {
            guard let index = parts.first ?? nil else { throw error("expected a subscript") }
            return .item(base, index, position)
        }
        guard parts.count <= 3 else { throw error("too many ':' in slice") }
        return .slice(base, start: parts[0], stop: parts.count > 1 ? parts[1] : nil, step: parts.count > 2 ? parts[2] : nil, position)
    }

    private mutating func parseArguments() throws -> ([JinjaExpression], [(String, JinjaExpression)]) {
        var arguments: [JinjaExpression] = []
        var keywords: [(String, JinjaExpression)] = []
        while !skip(")") {
            if !arguments.isEmpty || !keywords.isEmpty { try expect(",") }
            if skip(")") { break }
            if let token = current, token.kind == .name, tokens.dropFirst().first?.kind == .symbol, tokens.dropFirst().first?.text == "=" {
                tokens.removeFirst(2)
                keywords.append((token.text, try parseExpression(allowConditional: true)))
            } else {
                arguments.append(try parseExpression(allowConditional: true))
            }
        }
        return (arguments, keywords)
    }

    private mutating func parseFilterExpression(_ base: JinjaExpression) throws -> JinjaExpression {
        var expression = base
        while true {
            if isSymbol("|") {
                let position = self.position
                tokens.removeFirst()
                var name = try expectName()
                while skip(".") { name += "." + (try expectName()) }
                var arguments: [JinjaExpression] = []
                var keywords: [(String, JinjaExpression)] = []
                if skip("(") { (arguments, keywords) = try parseArguments() }
                expression = .filter(expression, name, arguments, keywords, position)
            } else if isKeyword("is") {
                let position = self.position
                tokens.removeFirst()
                let negated = skipKeyword("not")
                var name = try expectName()
                while skip(".") { name += "." + (try expectName()) }
                var arguments: [JinjaExpression] = []
                if skip("(") {
                    (arguments, _) = try parseArguments()
                } else if let token = current, [.name, .string, .integer, .float].contains(token.kind) || (token.kind == .symbol && ["(", "[", "{"].contains(token.text)),
                          !(token.kind == .name && ["else", "or", "and", "if", "in", "not", "is"].contains(token.text)) {
                    arguments = [try parsePrimary()]
                    arguments[0] = try parsePostfix(arguments[0])
                }
                expression = .test(expression, name, arguments, negated: negated, position)
            } else if isSymbol("(") {
                let position = self.position
                tokens.removeFirst()
                let (arguments, keywords) = try parseArguments()
                expression = .call(expression, arguments, keywords, position)
            } else {
                return expression
            }
        }
    }
}
