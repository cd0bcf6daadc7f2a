import Foundation

/// Binary operators with Python semantics: `+` adds numbers and concatenates strings and lists, `/` is true
/// division, `//` and `%` floor, `~` concatenates `str()`s, comparisons order numbers and strings.
enum JinjaOperators {
    /// - Parameter budget: the render's limits, which `*` checks before repeating a string or list; nil where
    ///   `*` cannot occur (comparisons from filters and tests).
    static func apply(_ operation: String, _ left: JinjaValue, _ right: JinjaValue, position: SourcePosition,
                      budget: RenderBudget? = nil) throws -> JinjaValue {
        func failure() -> TemplateError {
            TemplateError(.runtime, "unsupported operand type(s) for \(operation): '\(left.typeName)' and '\(right.typeName)'",
                          line: position.line, column: position.column)
        }
        if case .undefined = left, operation != "==", operation != "!=", operation != "~", operation != "in", operation != "not in" {
            throw TemplateError(.runtime, "undefined value used with '\(operation)'", line: position.line, column: position.column)
        }
        switch operation {
        case "~":
            if case .generator = left { throw failure() }
            if case .generator = right { throw failure() }
            return .string(left.pythonString + right.pythonString)
        case "==": return .bool(left == right)
        case "!=": return .bool(left != right)
        case "in", "not in":
            let contained: Bool
            switch right {
            case .string(let text):
                guard case .string(let needle) = left else { throw failure() }
                contained = needle.isEmpty || text.utf8.firstRange(of: needle.utf8) != nil
            case .array(let elements), .tuple(let elements), .generator(let elements): contained = elements.contains(left)
            case .object(let dictionary): contained = dictionary[left.pythonString] != nil && left.isStringLike
            case .undefined: contained = false
            default: throw failure()
            }
            return .bool(operation == "in" ? contained : !contained)
        case "<", "<=", ">", ">=":
            let order: Int
            if let a = left.numericValue, let b = right.numericValue {
                order = a < b ? -1 : (a > b ? 1 : 0)
            } else if case .string(let a) = left, case .string(let b) = right {
                order = a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1
                    : (a.unicodeScalars.elementsEqual(b.unicodeScalars) ? 0 : 1)
            } else {
                throw failure()
            }
            switch operation {
            case "<": return .bool(order < 0)
            case "<=": return .bool(order <= 0)
            case ">": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case "+":
            switch (left, right) {
            case (.string(let a), .string(let b)): return .string(a + b)
            case (.markup(let a), .markup(let b)): return .markup(a + b)
            case (.markup(let a), .string(let b)): return .markup(a + JinjaFilters.htmlEscape(b))
            case (.string(let a), .markup(let b)): return .markup(JinjaFilters.htmlEscape(a) + b)
            case (.array(let a), .array(let b)): return .array(a + b)
            case (.tuple(let a), .tuple(let b)): return .tuple(a + b)
            default: return try arithmetic(left, right, failure, integer: { $0.addingReportingOverflow($1).partialValue }, real: +)
            }
        case "-": return try arithmetic(left, right, failure, integer: { $0.subtractingReportingOverflow($1).partialValue }, real: -)
        case "*":
            switch (left, right) {
            case (.string(let text), .int(let count)), (.int(let count), .string(let text)):
                let length = text.utf8.count.multipliedReportingOverflow(by: max(0, count))
                try budget?.checkLength(length.overflow ? Int.max : length.partialValue, at: position)
                return .string(String(repeating: text, count: max(0, count)))
            case (.array(let elements), .int(let count)), (.int(let count), .array(let elements)):
                let length = elements.count.multipliedReportingOverflow(by: max(0, count))
                try budget?.checkListLength(length.overflow ? Int.max : length.partialValue, at: position)
                return .array(Array((0..<max(0, count)).map { _ in elements }.joined()))
            default: return try arithmetic(left, right, failure, integer: { $0.multipliedReportingOverflow(by: $1).partialValue }, real: *)
            }
        case "/":
            guard let a = left.numericValue, let b = right.numericValue else { throw failure() }
            guard b != 0 else { throw TemplateError(.runtime, "division by zero", line: position.line, column: position.column) }
            return .double(a / b)
        case "//", "%":
            guard let a = left.numericValue, let b = right.numericValue else { throw failure() }
            guard b != 0 else { throw TemplateError(.runtime, "integer division or modulo by zero", line: position.line, column: position.column) }
            if let x = left.integerIndex, let y = right.integerIndex {
                let quotient = Int((Double(x) / Double(y)).rounded(.down))
                return operation == "//" ? .int(quotient) : .int(x - quotient * y)
            }
            let quotient = (a / b).rounded(.down)
            return operation == "//" ? .double(quotient) : .double(a - quotient * b)
        case "**":
            if let x = left.integerIndex, let y = right.integerIndex, y >= 0 {
                // Square-and-multiply: the same wrapped product as multiplying y times, in log2(y) steps.
                var (result, base, exponent) = (1, x, y)
                while exponent > 0 {
                    if exponent & 1 == 1 { result = result.multipliedReportingOverflow(by: base).partialValue }
                    base = base.multipliedReportingOverflow(by: base).partialValue
                    exponent >>= 1
                }
                return .int(result)
            }
            guard let a = left.numericValue, let b = right.numericValue else { throw failure() }
            return .double(pow(a, b))
        default:
            throw TemplateError(.unsupported, "unsupported operator '\(operation)'", line: position.line, column: position.column)
        }
    }

    private static func arithmetic(_ left: JinjaValue, _ right: JinjaValue, _ failure: () -> TemplateError,
                                   integer: (Int, Int) -> Int, real: (Double, Double) -> Double) throws -> JinjaValue {
        if let a = left.integerIndex, let b = right.integerIndex { return .int(integer(a, b)) }
        guard let a = left.numericValue, let b = right.numericValue else { throw failure() }
        return .double(real(a, b))
    }
}

extension JinjaValue {
    var isStringLike: Bool {
        if case .string = self { return true }
        return false
    }
}
