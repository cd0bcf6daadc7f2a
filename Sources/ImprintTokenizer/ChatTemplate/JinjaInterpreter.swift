import Foundation

/// A variable scope. Loops and macros open a child scope, so that `{% set %}` inside them does not leak out,
/// as in Jinja; `if` blocks do not.
final class JinjaScope {
    var variables: [String: JinjaValue] = [:]
    let parent: JinjaScope?

    init(parent: JinjaScope?) { self.parent = parent }

    func lookup(_ name: String) -> JinjaValue? {
        var scope: JinjaScope? = self
        while let current = scope {
            if let value = current.variables[name] { return value }
            scope = current.parent
        }
        return nil
    }
}

/// Renders parsed statements: Jinja's evaluation rules with Python's value semantics (truthiness, `==`, `str()`,
/// `and`/`or` returning an operand, negative indexing, slicing).
struct JinjaInterpreter {
    /// How a block finished: normally or by `break`/`continue`.
    enum Flow { case normal, breakLoop, continueLoop }

    /// The time `strftime_now` formats, as a wall-clock time in `timeZone` (Python's `datetime.now()` is the
    /// local time).
    var now: Date
    var timeZone: TimeZone
    /// The render's steps, macro depth and text lengths so far, against its limits.
    let budget: RenderBudget

    func render(_ statements: [JinjaStatement], scope: JinjaScope, into output: inout String) throws -> Flow {
        for statement in statements {
            let flow = try execute(statement, scope: scope, into: &output)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ statement: JinjaStatement, scope: JinjaScope, into output: inout String) throws -> Flow {
        switch statement {
        case .text(let text):
            output += text
            try budget.checkLength(output, at: budget.lastStepPosition)
        case .output(let expression):
            let value = try evaluate(expression, scope)
            if case .generator = value {
                let position = expression.position
                throw TemplateError(.unsupported, "printing a generator (its text is a memory address); add '| list'",
                                    line: position.line, column: position.column)
            }
            output += value.pythonString
            try budget.checkLength(output, at: expression.position)
        case .conditional(let branches, let otherwise):
            for (condition, body) in branches where try evaluate(condition, scope).isTruthy {
                return try render(body, scope: scope, into: &output)
            }
            return try render(otherwise, scope: scope, into: &output)
        case .loop(let targets, let iterableExpression, let filter, let body, let otherwise, let position):
            return try executeLoop(targets: targets, iterableExpression, filter: filter, body: body, otherwise: otherwise,
                                   position: position, scope: scope, into: &output)
        case .assign(let targets, let expression, let position):
            let value = try evaluate(expression, scope)
            try budget.checkStored(value, into: nil, at: position)
            if targets.count == 1 {
                scope.variables[targets[0]] = value
            } else {
                let values = try unpack(value, count: targets.count, position: position)
                for (target, element) in zip(targets, values) { scope.variables[target] = element }
            }
        case .assignAttribute(let name, let attribute, let expression, let position):
            guard case .namespace(let namespace)? = scope.lookup(name) else {
                throw TemplateError(.runtime, "cannot assign attribute on non-namespace object '\(name)'", line: position.line, column: position.column)
            }
            let value = try evaluate(expression, scope)
            try budget.checkStored(value, into: namespace, at: position)
            namespace.attributes[attribute] = value
        case .assignBlock(let name, let body):
            var captured = ""
            _ = try render(body, scope: scope, into: &captured)
            scope.variables[name] = .string(captured)
        case .filterBlock(let filtered, let body):
            var captured = ""
            let flow = try render(body, scope: scope, into: &captured)
            let filterScope = JinjaScope(parent: scope)
            filterScope.variables[JinjaStatement.filterBlockInput] = .string(captured)
            output += try evaluate(filtered, filterScope).pythonString
            try budget.checkLength(output, at: filtered.position)
            return flow
        case .macro(let name, let parameters, let body):
            let definingScope = scope
            let interpreter = self
            scope.variables[name] = .function(name) { arguments, keywords, position in
                try interpreter.budget.call(at: position) {
                    try interpreter.callMacro(name, parameters: parameters, body: body, definingScope: definingScope,
                                              arguments: arguments, keywords: keywords, position: position)
                }
            }
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    /// Renders a macro's body with its parameters bound to `arguments`, `keywords` or their defaults.
    private func callMacro(_ name: String, parameters: [(String, JinjaExpression?)], body: [JinjaStatement],
                           definingScope: JinjaScope, arguments: [JinjaValue], keywords: OrderedDictionary,
                           position: SourcePosition) throws -> JinjaValue {
        let macroScope = JinjaScope(parent: definingScope)
        for (index, (parameter, defaultExpression)) in parameters.enumerated() {
            if index < arguments.count {
                macroScope.variables[parameter] = arguments[index]
            } else if let value = keywords[parameter] {
                macroScope.variables[parameter] = value
            } else if let defaultExpression {
                macroScope.variables[parameter] = try evaluate(defaultExpression, macroScope)
            } else {
                macroScope.variables[parameter] = .undefined
            }
        }
        if arguments.count > parameters.count {
            throw TemplateError(.runtime, "macro '\(name)' takes not more than \(parameters.count) argument(s)",
                                line: position.line, column: position.column)
        }
        var rendered = ""
        _ = try render(body, scope: macroScope, into: &rendered)
        return .string(rendered)
    }

    private func executeLoop(targets: [String], _ iterableExpression: JinjaExpression, filter: JinjaExpression?,
                             body: [JinjaStatement], otherwise: [JinjaStatement], position: SourcePosition,
                             scope: JinjaScope, into output: inout String) throws -> Flow {
        let iterable = try evaluate(iterableExpression, scope)
        var items = try iterate(iterable, position: position)
        let loopScope = JinjaScope(parent: scope)
        func bind(_ item: JinjaValue) throws {
            if targets.count == 1 {
                loopScope.variables[targets[0]] = item
            } else {
                for (target, element) in zip(targets, try unpack(item, count: targets.count, position: position)) {
                    loopScope.variables[target] = element
                }
            }
        }
        if let filter {
            items = try items.filter { item in
                try budget.step(at: position)
                try bind(item)
                return try evaluate(filter, loopScope).isTruthy
            }
        }
        if items.isEmpty { return try render(otherwise, scope: scope, into: &output) }
        let length = items.count
        for (index, item) in items.enumerated() {
            // Each iteration starts from a fresh scope: a `set` in one iteration is not seen by the next.
            try budget.step(at: position)
            loopScope.variables = [:]
            try bind(item)
            var loop = OrderedDictionary()
            loop["index"] = .int(index + 1)
            loop["index0"] = .int(index)
            loop["revindex"] = .int(length - index)
            loop["revindex0"] = .int(length - index - 1)
            loop["first"] = .bool(index == 0)
            loop["last"] = .bool(index == length - 1)
            loop["length"] = .int(length)
            loop["depth"] = .int(1)
            loop["depth0"] = .int(0)
            loop["previtem"] = index > 0 ? items[index - 1] : .undefined
            loop["nextitem"] = index + 1 < length ? items[index + 1] : .undefined
            loop["cycle"] = .function("cycle") { arguments, _, position in
                guard !arguments.isEmpty else {
                    throw TemplateError(.runtime, "no items for cycling given", line: position.line, column: position.column)
                }
                return arguments[index % arguments.count]
            }
            loopScope.variables["loop"] = .object(loop)
            let flow = try render(body, scope: loopScope, into: &output)
            if flow == .breakLoop { break }
        }
        return .normal
    }

    /// The items a `for` loop visits: list elements, dict keys, string characters.
    func iterate(_ value: JinjaValue, position: SourcePosition) throws -> [JinjaValue] {
        switch value {
        case .array(let elements), .tuple(let elements), .generator(let elements): return elements
        case .object(let dictionary): return dictionary.keys.map { .string($0) }
        case .string(let text): return text.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        case .namespace(let namespace): return namespace.attributes.keys.map { .string($0) }
        default:
            throw TemplateError(.runtime, "'\(value.typeName)' object is not iterable", line: position.line, column: position.column)
        }
    }

    private func unpack(_ value: JinjaValue, count: Int, position: SourcePosition) throws -> [JinjaValue] {
        let elements = try iterate(value, position: position)
        guard elements.count == count else {
            throw TemplateError(.runtime, "cannot unpack \(elements.count) values into \(count) names", line: position.line, column: position.column)
        }
        return elements
    }

    // MARK: Expressions

    func evaluate(_ expression: JinjaExpression, _ scope: JinjaScope) throws -> JinjaValue {
        switch expression {
        case .literal(let value):
            return value
        case .name(let name, _):
            return scope.lookup(name) ?? JinjaGlobals.value(named: name, now: now, timeZone: timeZone, budget: budget) ?? .undefined
        case .list(let elements):
            return .array(try elements.map { try evaluate($0, scope) })
        case .tuple(let elements):
            return .tuple(try elements.map { try evaluate($0, scope) })
        case .dictionary(let pairs):
            var dictionary = OrderedDictionary()
            for (keyExpression, valueExpression) in pairs {
                let key = try evaluate(keyExpression, scope)
                dictionary[key.pythonString] = try evaluate(valueExpression, scope)
            }
            return .object(dictionary)
        case .attribute(let base, let name, let position):
            return try attribute(of: try evaluate(base, scope), name, position: position)
        case .item(let base, let indexExpression, let position):
            return try item(of: try evaluate(base, scope), try evaluate(indexExpression, scope), position: position)
        case .slice(let base, let start, let stop, let step, let position):
            return try slice(try evaluate(base, scope), start: try start.map { try evaluate($0, scope) },
                             stop: try stop.map { try evaluate($0, scope) }, step: try step.map { try evaluate($0, scope) },
                             position: position)
        case .call(let callee, let argumentExpressions, let keywordExpressions, let position):
            let function = try evaluate(callee, scope)
            guard case .callable(let box) = function else {
                throw TemplateError(.runtime, "'\(function.typeName)' object is not callable", line: position.line, column: position.column)
            }
            let arguments = try argumentExpressions.map { try evaluate($0, scope) }
            var keywords = OrderedDictionary()
            for (name, value) in keywordExpressions { keywords[name] = try evaluate(value, scope) }
            return try box.callable.call(arguments, keywords, position)
        case .filter(let base, let name, let argumentExpressions, let keywordExpressions, let position):
            let value = try evaluate(base, scope)
            let arguments = try argumentExpressions.map { try evaluate($0, scope) }
            var keywords = OrderedDictionary()
            for (keyword, expression) in keywordExpressions { keywords[keyword] = try evaluate(expression, scope) }
            return try JinjaFilters.apply(name, to: value, arguments: arguments, keywords: keywords, position: position, interpreter: self)
        case .test(let base, let name, let argumentExpressions, let negated, let position):
            let value = try evaluate(base, scope)
            let arguments = try argumentExpressions.map { try evaluate($0, scope) }
            let result = try JinjaTests.apply(name, to: value, arguments: arguments, position: position)
            return .bool(negated ? !result : result)
        case .unary(let operation, let operandExpression, let position):
            let operand = try evaluate(operandExpression, scope)
            switch operation {
            case "not": return .bool(!operand.isTruthy)
            case "-":
                switch operand {
                case .int(let value): return .int(-value)
                case .double(let value): return .double(-value)
                case .bool(let value): return .int(value ? -1 : 0)
                default: throw TemplateError(.runtime, "bad operand type for unary -: '\(operand.typeName)'", line: position.line, column: position.column)
                }
            default:
                guard operand.numericValue != nil else {
                    throw TemplateError(.runtime, "bad operand type for unary +: '\(operand.typeName)'", line: position.line, column: position.column)
                }
                return operand
            }
        case .binary(let operation, let leftExpression, let rightExpression, let position):
            let left = try evaluate(leftExpression, scope)
            if operation == "and" { return left.isTruthy ? try evaluate(rightExpression, scope) : left }
            if operation == "or" { return left.isTruthy ? left : try evaluate(rightExpression, scope) }
            let right = try evaluate(rightExpression, scope)
            let result = try JinjaOperators.apply(operation, left, right, position: position, budget: budget)
            if case .string(let text) = result { try budget.checkLength(text, at: position) }
            if case .markup(let text) = result { try budget.checkLength(text, at: position) }
            return result
        case .conditional(let then, let condition, let otherwise):
            if try evaluate(condition, scope).isTruthy { return try evaluate(then, scope) }
            return try otherwise.map { try evaluate($0, scope) } ?? .undefined
        }
    }

    /// `value.name`: Jinja's `getattr` — methods and attributes first, then items; undefined when absent.
    func attribute(of value: JinjaValue, _ name: String, position: SourcePosition) throws -> JinjaValue {
        switch value {
        case .undefined:
            throw TemplateError(.runtime, "'\(name)' is accessed on an undefined value", line: position.line, column: position.column)
        case .object(let dictionary):
            if let method = JinjaMethods.method(of: value, name) { return method }
            return dictionary[name] ?? .undefined
        case .namespace(let namespace):
            return namespace.attributes[name] ?? .undefined
        default:
            return JinjaMethods.method(of: value, name) ?? .undefined
        }
    }

    /// `value[index]`: Jinja's `getitem` — items first (negative list indices count from the end), then attributes.
    func item(of value: JinjaValue, _ index: JinjaValue, position: SourcePosition) throws -> JinjaValue {
        switch (value, index) {
        case (.undefined, _):
            throw TemplateError(.runtime, "subscript of an undefined value", line: position.line, column: position.column)
        case (.array(let elements), _), (.tuple(let elements), _):
            guard let offset = index.integerIndex else { return .undefined }
            let resolved = offset < 0 ? elements.count + offset : offset
            return resolved >= 0 && resolved < elements.count ? elements[resolved] : .undefined
        case (.string(let text), _):
            guard let offset = index.integerIndex else { return .undefined }
            let scalars = Array(text.unicodeScalars)
            let resolved = offset < 0 ? scalars.count + offset : offset
            return resolved >= 0 && resolved < scalars.count ? .string(String(scalars[resolved])) : .undefined
        case (.object(let dictionary), .string(let key)):
            if let element = dictionary[key] { return element }
            return JinjaMethods.method(of: value, key) ?? .undefined
        case (.object(let dictionary), _):
            return dictionary[index.pythonString] ?? .undefined
        case (.namespace(let namespace), .string(let key)):
            return namespace.attributes[key] ?? .undefined
        default:
            return .undefined
        }
    }

    /// Python slicing of lists and strings.
    private func slice(_ value: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?,
                       position: SourcePosition) throws -> JinjaValue {
        func indices(count: Int) throws -> [Int] {
            func bound(_ value: JinjaValue?) throws -> Int? {
                guard let value, value != .none else { return nil }
                guard let integer = value.integerIndex else {
                    throw TemplateError(.runtime, "slice indices must be integers", line: position.line, column: position.column)
                }
                return integer
            }
            let stride = try bound(step) ?? 1
            guard stride != 0 else { throw TemplateError(.runtime, "slice step cannot be zero", line: position.line, column: position.column) }
            func clamp(_ index: Int?, _ defaultValue: Int) -> Int {
                guard var index else { return defaultValue }
                if index < 0 { index += count }
                if stride > 0 { return min(max(index, 0), count) }
                return min(max(index, -1), count - 1)
            }
            var result: [Int] = []
            if stride > 0 {
                var index = clamp(try bound(start), 0)
                let end = clamp(try bound(stop), count)
                while index < end { result.append(index); index += stride }
            } else {
                var index = clamp(try bound(start), count - 1)
                let end = clamp(try bound(stop), -1)
                while index > end { result.append(index); index += stride }
            }
            return result
        }
        switch value {
        case .array(let elements):
            return .array(try indices(count: elements.count).map { elements[$0] })
        case .tuple(let elements):
            return .tuple(try indices(count: elements.count).map { elements[$0] })
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            return .string(String(String.UnicodeScalarView(try indices(count: scalars.count).map { scalars[$0] })))
        case .undefined:
            throw TemplateError(.runtime, "slice of an undefined value", line: position.line, column: position.column)
        default:
            throw TemplateError(.runtime, "'\(value.typeName)' object is not subscriptable", line: position.line, column: position.column)
        }
    }
}

extension JinjaValue {
    /// The value as a list or string index (bools count as 0/1, as in Python).
    var integerIndex: Int? {
        switch self {
        case .int(let value): return value
        case .bool(let value): return value ? 1 : 0
        default: return nil
        }
    }
}
