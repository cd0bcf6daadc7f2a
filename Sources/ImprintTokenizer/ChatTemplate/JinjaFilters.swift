import Foundation

/// Jinja's builtin filters the chat templates use, plus transformers' `tojson` (`ensure_ascii=False`).
enum JinjaFilters {
    /// markupsafe's `escape`: `&`, `<`, `>`, `"` and `'` as HTML entities.
    static func htmlEscape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&#34;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    static func apply(_ name: String, to value: JinjaValue, arguments: [JinjaValue], keywords: OrderedDictionary,
                      position: SourcePosition, interpreter: JinjaInterpreter) throws -> JinjaValue {
        func failure(_ message: String) -> TemplateError {
            TemplateError(.runtime, "filter '\(name)': \(message)", line: position.line, column: position.column)
        }
        /// Positional argument `index` or keyword `keyword`.
        func argument(_ index: Int, _ keyword: String) -> JinjaValue? {
            index < arguments.count ? arguments[index] : keywords[keyword]
        }
        func list(_ value: JinjaValue) throws -> [JinjaValue] {
            try interpreter.iterate(value, position: position)
        }
        func text(_ value: JinjaValue) -> String { value.pythonString }
        func attributeOf(_ element: JinjaValue, _ path: String) throws -> JinjaValue {
            var current = element
            for part in path.split(separator: ".") {
                if let index = Int(part) {
                    current = try interpreter.item(of: current, .int(index), position: position)
                } else {
                    current = try interpreter.item(of: current, .string(String(part)), position: position)
                }
            }
            return current
        }

        switch name {
        case "trim":
            let characters = argument(0, "chars").flatMap { $0 == .none ? nil : $0.pythonString }
            return .string(PythonString.strip(text(value), characters: characters, left: true, right: true))
        case "tojson":
            let indent = argument(0, "indent")?.integerIndex
            let maximumLength = interpreter.budget.limits.maximumOutputLength
            do {
                return .string(try JinjaJSON.serialize(value, indent: indent, sortKeys: keywords["sort_keys"]?.isTruthy ?? false,
                                                       maximumLength: maximumLength))
            } catch let error as JinjaJSON.NotSerializable {
                throw failure("Object of type \(error.typeName) is not JSON serializable")
            } catch is JinjaJSON.TooLong {
                throw interpreter.budget.textTooLong(at: position)
            }
        case "length", "count":
            switch value {
            case .generator: throw failure("object of type 'generator' has no len()")
            case .string(let string): return .int(string.unicodeScalars.count)
            case .array(let elements), .tuple(let elements): return .int(elements.count)
            case .object(let dictionary): return .int(dictionary.count)
            case .undefined: return .int(0)
            default: throw failure("object of type '\(value.typeName)' has no len()")
            }
        case "lower": return .string(text(value).lowercased())
        case "upper": return .string(text(value).uppercased())
        case "capitalize": return .string(PythonString.capitalize(text(value)))
        case "title": return .string(PythonString.title(text(value)))
        case "string":
            if case .generator = value { throw failure("the text of a generator is a memory address; add '| list'") }
            return .string(text(value))
        case "safe":
            if case .markup = value { return value }
            return .markup(text(value))
        case "escape", "e":
            if case .markup = value { return value }
            return .markup(htmlEscape(text(value)))
        case "items":
            switch value {
            case .object(let dictionary): return .array(dictionary.pairs.map { .tuple([.string($0.0), $0.1]) })
            case .undefined: return .array([])
            default: throw failure("can only get items of a mapping")
            }
        case "dictsort":
            guard case .object(let dictionary) = value else { throw failure("can only sort a mapping") }
            let caseSensitive = argument(0, "case_sensitive")?.isTruthy ?? false
            let byValue = (argument(1, "by").map(text) ?? "key") == "value"
            let sorted = try dictionary.pairs.sorted { a, b in
                var left: JinjaValue = byValue ? a.1 : .string(a.0)
                var right: JinjaValue = byValue ? b.1 : .string(b.0)
                if !caseSensitive, case .string(let x) = left, case .string(let y) = right { left = .string(x.lowercased()); right = .string(y.lowercased()) }
                return try JinjaOperators.apply("<", left, right, position: position).isTruthy
            }
            let reversed = argument(2, "reverse")?.isTruthy ?? false
            let pairs = reversed ? Array(sorted.reversed()) : sorted
            return .array(pairs.map { .tuple([.string($0.0), $0.1]) })
        case "join":
            let separator = argument(0, "d").map(text) ?? ""
            var elements = try list(value)
            if let attribute = argument(1, "attribute") { elements = try elements.map { try attributeOf($0, text(attribute)) } }
            return .string(elements.map(text).joined(separator: separator))
        case "default", "d":
            let fallback = argument(0, "default_value") ?? .string("")
            let boolean = argument(1, "boolean")?.isTruthy ?? false
            if case .undefined = value { return fallback }
            if boolean && !value.isTruthy { return fallback }
            return value
        case "first":
            let elements = try list(value)
            return elements.first ?? .undefined
        case "last":
            if case .generator = value { throw failure("'generator' object is not reversible") }
            let elements = try list(value)
            return elements.last ?? .undefined
        case "list":
            return .array(try list(value))
        case "reverse":
            if case .string(let string) = value { return .string(String(String.UnicodeScalarView(string.unicodeScalars.reversed()))) }
            return .array(try list(value).reversed())
        case "unique":
            var seen: [JinjaValue] = []
            for element in try list(value) where !seen.contains(element) { seen.append(element) }
            return .array(seen)
        case "sort":
            let reverse = argument(0, "reverse")?.isTruthy ?? false
            let attribute = argument(2, "attribute").map(text)
            let elements = try list(value)
            let sorted = try elements.sorted { a, b in
                let left = try attribute.map { try attributeOf(a, $0) } ?? a
                let right = try attribute.map { try attributeOf(b, $0) } ?? b
                return try JinjaOperators.apply(reverse ? ">" : "<", left, right, position: position).isTruthy
            }
            return .array(sorted)
        case "replace":
            guard let old = argument(0, "old"), let new = argument(1, "new") else { throw failure("needs two arguments") }
            return .string(PythonString.replace(text(value), text(old), text(new), count: argument(2, "count")?.integerIndex ?? -1))
        case "int":
            switch value {
            case .int: return value
            case .bool(let flag): return .int(flag ? 1 : 0)
            case .double(let number): return .int(Int(number))
            case .string(let string):
                return .int(Int(PythonString.strip(string, characters: nil, left: true, right: true)) ?? (argument(0, "default")?.integerIndex ?? 0))
            default: return argument(0, "default") ?? .int(0)
            }
        case "float":
            if let number = value.numericValue { return .double(number) }
            if case .string(let string) = value, let number = Double(PythonString.strip(string, characters: nil, left: true, right: true)) {
                return .double(number)
            }
            return argument(0, "default") ?? .double(0)
        case "abs":
            switch value {
            case .int(let number): return .int(abs(number))
            case .double(let number): return .double(abs(number))
            default: throw failure("bad operand type for abs()")
            }
        case "sum":
            var total: JinjaValue = argument(1, "start") ?? .int(0)
            let attribute = argument(0, "attribute").map(text)
            for element in try list(value) {
                total = try JinjaOperators.apply("+", total, try attribute.map { try attributeOf(element, $0) } ?? element, position: position)
            }
            return total
        case "min", "max":
            let elements = try list(value)
            guard var best = elements.first else { return .undefined }
            for element in elements.dropFirst()
            where try JinjaOperators.apply(name == "min" ? "<" : ">", element, best, position: position).isTruthy {
                best = element
            }
            return best
        case "map":
            // jinja2's map/select/reject yield nothing for a falsy input (`if value:` guards the loop).
            let elements = value.isTruthy ? try list(value) : []
            if let attribute = keywords["attribute"] {
                return .generator(try elements.map { element in
                    let mapped = try attributeOf(element, text(attribute))
                    if case .undefined = mapped, let fallback = keywords["default"] { return fallback }
                    return mapped
                })
            }
            guard let filterName = arguments.first else { throw failure("needs a filter name or attribute=") }
            let rest = Array(arguments.dropFirst())
            return .generator(try elements.map {
                try apply(text(filterName), to: $0, arguments: rest, keywords: OrderedDictionary(), position: position, interpreter: interpreter)
            })
        case "select", "reject":
            let elements = value.isTruthy ? try list(value) : []
            let testName = arguments.first.map(text)
            let rest = Array(arguments.dropFirst())
            return .generator(try elements.filter { element in
                let passed = try testName.map { try JinjaTests.apply($0, to: element, arguments: rest, position: position) } ?? element.isTruthy
                return passed == (name == "select")
            })
        case "selectattr", "rejectattr":
            let elements = value.isTruthy ? try list(value) : []
            guard let attribute = arguments.first.map(text) else { throw failure("needs an attribute name") }
            let testName = arguments.count > 1 ? text(arguments[1]) : nil
            let rest = Array(arguments.dropFirst(2))
            return .generator(try elements.filter { element in
                let attributeValue = try attributeOf(element, attribute)
                let passed = try testName.map { try JinjaTests.apply($0, to: attributeValue, arguments: rest, position: position) }
                    ?? attributeValue.isTruthy
                return passed == (name == "selectattr")
            })
        case "indent":
            let width = argument(0, "width")
            let indentation: String
            switch width {
            case .string(let text)?: indentation = text
            case let width?:
                let spaces = max(0, width.integerIndex ?? 4)
                try interpreter.budget.checkLength(spaces, at: position)
                indentation = String(repeating: " ", count: spaces)
            case nil: indentation = "    "
            }
            let indentFirst = argument(1, "first")?.isTruthy ?? false
            let indentBlank = argument(2, "blank")?.isTruthy ?? false
            let lines = PythonString.split(text(value), separator: "\n")
            // The result's length bound (every line indented), checked before it is built.
            let length = indentation.utf8.count.multipliedReportingOverflow(by: lines.count)
            try interpreter.budget.checkLength(length.overflow ? Int.max : length.partialValue + text(value).utf8.count, at: position)
            var result: [String] = []
            for (index, line) in lines.enumerated() {
                if index == 0 && !indentFirst { result.append(line); continue }
                if line.isEmpty && !indentBlank { result.append(line); continue }
                result.append(indentation + line)
            }
            return .string(result.joined(separator: "\n"))
        case "wordcount":
            return .int(PythonString.split(text(value), separator: nil).count)
        case "round":
            guard let number = value.numericValue else { throw failure("needs a number") }
            let precision = argument(0, "precision")?.integerIndex ?? 0
            let scale = pow(10.0, Double(precision))
            return .double((number * scale).rounded(.toNearestOrEven) / scale)
        case "batch", "slice", "groupby", "format", "pprint", "urlencode", "xmlattr", "filesizeformat", "truncate", "wordwrap",
             "center", "striptags", "urlize", "forceescape", "random", "attr":
            throw TemplateError(.unsupported, "filter '\(name)' is not supported", line: position.line, column: position.column)
        default:
            throw TemplateError(.unsupported, "no filter named '\(name)'", line: position.line, column: position.column)
        }
    }
}
