/// Recursive-descent parser for the expression inside one tag.
struct ExpressionParser {
    private var tokens: ArraySlice<JinjaToken>
    private let tagPosition: SourcePosition
    private let maximumDepth: Int
    /// An upper bound on the depth of the expression tree at the token being parsed: one per enclosing bracket
    /// and unary operator, and one per operator, filter, test, call or attribute already applied in each enclosing
    /// expression. Parsing, rendering and releasing the tree all recurse through it, so it must stay shallow.
    private var depth = 0

    init(maximumDepth: Int, tokens: ArraySlice<JinjaToken>, tagPosition: SourcePosition) {
        self.maximumDepth = maximumDepth
        self.tokens = tokens
        self.tagPosition = tagPosition
    }

    /// One level deeper; an error past `maximumDepth`.
    private mutating func deepen() throws {
        depth += 1
        guard depth <= maximumDepth else {
            throw TemplateError(.limitExceeded, "an expression nests deeper than \(maximumDepth) levels "
                                + "(ChatTemplate.Limits.maximumNestingDepth)", line: position.line, column: position.column)
        }
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
        let enclosingDepth = depth
        defer { depth = enclosingDepth }
        try deepen()
        return allowConditional ? try parseConditional() : try parseOr()
    }

    private mutating func parseConditional() throws -> JinjaExpression {
        var expression = try parseOr()
        while skipKeyword("if") {
            try deepen()
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
            try deepen()
            left = .binary("or", left, try parseAnd(), position)
        }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpression {
        var left = try parseNot()
        while isKeyword("and") {
            let position = self.position
            tokens.removeFirst()
            try deepen()
            left = .binary("and", left, try parseNot(), position)
        }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpression {
        if isKeyword("not") {
            let position = self.position
            tokens.removeFirst()
            try deepen()
            return .unary("not", try parseNot(), position)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> JinjaExpression {
        var left = try parseMath1()
        while true {
            let position = self.position
            let operation: String
            if let token = current, token.kind == .symbol, ["==", "!=", "<", "<=", ">", ">="].contains(token.text) {
                tokens.removeFirst()
                operation = token.text
            } else if skipKeyword("in") {
                operation = "in"
            } else if isKeyword("not"), tokens.dropFirst().first?.kind == .name, tokens.dropFirst().first?.text == "in" {
                tokens.removeFirst(2)
                operation = "not in"
            } else {
                return left
            }
            try deepen()
            left = .binary(operation, left, try parseMath1(), position)
        }
    }

    private mutating func parseMath1() throws -> JinjaExpression {
        var left = try parseConcat()
        while let token = current, token.kind == .symbol, token.text == "+" || token.text == "-" {
            tokens.removeFirst()
            try deepen()
            left = .binary(token.text, left, try parseConcat(), token.position)
        }
        return left
    }

    private mutating func parseConcat() throws -> JinjaExpression {
        var left = try parseMath2()
        while let token = current, token.kind == .symbol, token.text == "~" {
            tokens.removeFirst()
            try deepen()
            left = .binary("~", left, try parseMath2(), token.position)
        }
        return left
    }

    private mutating func parseMath2() throws -> JinjaExpression {
        var left = try parsePower()
        while let token = current, token.kind == .symbol, ["*", "/", "//", "%"].contains(token.text) {
            tokens.removeFirst()
            try deepen()
            left = .binary(token.text, left, try parsePower(), token.position)
        }
        return left
    }

    private mutating func parsePower() throws -> JinjaExpression {
        var left = try parseUnary(withFilter: true)
        while let token = current, token.kind == .symbol, token.text == "**" {
            tokens.removeFirst()
            try deepen()
            left = .binary("**", left, try parseUnary(withFilter: true), token.position)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool) throws -> JinjaExpression {
        var expression: JinjaExpression
        if let token = current, token.kind == .symbol, token.text == "-" || token.text == "+" {
            tokens.removeFirst()
            try deepen()
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
        while let token = current, token.kind == .symbol, [".", "[", "("].contains(token.text) {
            try deepen()
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
            if isSymbol("|") || isKeyword("is") || isSymbol("(") { try deepen() }
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
