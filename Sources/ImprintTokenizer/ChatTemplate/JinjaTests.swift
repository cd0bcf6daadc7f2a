/// Jinja's tests (`value is defined`, `value is string`, ...), as jinja2's builtin `TESTS`.
enum JinjaTests {
    static func apply(_ name: String, to value: JinjaValue, arguments: [JinjaValue], position: SourcePosition) throws -> Bool {
        func argument() throws -> JinjaValue {
            guard let first = arguments.first else {
                throw TemplateError(.runtime, "test '\(name)' needs an argument", line: position.line, column: position.column)
            }
            return first
        }
        switch name {
        case "defined": if case .undefined = value { return false } else { return true }
        case "undefined": if case .undefined = value { return true } else { return false }
        case "none": return value == .none && !(value.numericValue != nil)
        case "string": return value.isStringLike
        case "mapping": if case .object = value { return true } else { return false }
        case "iterable":
            switch value {
            case .array, .tuple, .object, .string, .namespace, .generator: return true
            case .undefined: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .array, .tuple, .object, .string: return true
            default: return false
            }
        case "number": if case .bool = value { return true }; return value.isNumber
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": return value == .bool(true) && { if case .bool = value { return true } else { return false } }()
        case "false": return value == .bool(false) && { if case .bool = value { return true } else { return false } }()
        case "callable": if case .callable = value { return true } else { return false }
        case "odd", "even":
            guard let integer = value.integerIndex else {
                throw TemplateError(.runtime, "test '\(name)' needs an integer", line: position.line, column: position.column)
            }
            return (integer % 2 != 0) == (name == "odd")
        case "divisibleby":
            guard let integer = value.integerIndex, let divisor = try argument().integerIndex, divisor != 0 else {
                throw TemplateError(.runtime, "test 'divisibleby' needs integers", line: position.line, column: position.column)
            }
            return integer % divisor == 0
        case "lower":
            guard case .string(let text) = value else { return false }
            return text == text.lowercased()
        case "upper":
            guard case .string(let text) = value else { return false }
            return text == text.uppercased()
        case "equalto", "eq", "==": return value == (try argument())
        case "ne", "!=": return value != (try argument())
        case "sameas": return value == (try argument())
        case "lt", "<", "lessthan": return try JinjaOperators.apply("<", value, try argument(), position: position).isTruthy
        case "le", "<=": return try JinjaOperators.apply("<=", value, try argument(), position: position).isTruthy
        case "gt", ">", "greaterthan": return try JinjaOperators.apply(">", value, try argument(), position: position).isTruthy
        case "ge", ">=": return try JinjaOperators.apply(">=", value, try argument(), position: position).isTruthy
        case "in": return try JinjaOperators.apply("in", value, try argument(), position: position).isTruthy
        default:
            throw TemplateError(.unsupported, "no test named '\(name)'", line: position.line, column: position.column)
        }
    }
}
