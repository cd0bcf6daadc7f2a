/// Methods callable on values (`text.strip()`, `message.get('content')`, `tool.items()`), bound to their receiver.
enum JinjaMethods {
    static func method(of receiver: JinjaValue, _ name: String) -> JinjaValue? {
        switch receiver {
        case .string(let text): return stringMethod(text, name)
        case .object(let dictionary): return dictionaryMethod(dictionary, name)
        case .array(let elements), .tuple(let elements): return listMethod(elements, name)
        default: return nil
        }
    }

    private static func string(_ arguments: [JinjaValue], _ index: Int, _ name: String, _ position: SourcePosition) throws -> String? {
        guard index < arguments.count, arguments[index] != .none else { return nil }
        guard case .string(let text) = arguments[index] else {
            throw TemplateError(.runtime, "\(name)() argument \(index + 1) must be str", line: position.line, column: position.column)
        }
        return text
    }

    private static func stringMethod(_ text: String, _ name: String) -> JinjaValue? {
        func bound(_ body: @escaping ([JinjaValue], OrderedDictionary, SourcePosition) throws -> JinjaValue) -> JinjaValue {
            .function(name, body)
        }
        switch name {
        case "strip", "lstrip", "rstrip":
            return bound { arguments, _, position in
                .string(PythonString.strip(text, characters: try string(arguments, 0, name, position),
                                           left: name != "rstrip", right: name != "lstrip"))
            }
        case "split":
            return bound { arguments, keywords, position in
                let separator = try string(arguments, 0, name, position) ?? keywords["sep"].flatMap { if case .string(let s) = $0 { return s } else { return nil } }
                let maxSplit = (arguments.count > 1 ? arguments[1] : keywords["maxsplit"])?.integerIndex ?? -1
                return .array(PythonString.split(text, separator: separator, maxSplit: maxSplit).map { .string($0) })
            }
        case "startswith", "endswith":
            return bound { arguments, _, position in
                let candidates: [JinjaValue]
                if let elements = arguments.first?.sequenceElements { candidates = elements } else { candidates = Array(arguments.prefix(1)) }
                for candidate in candidates {
                    guard case .string(let affix) = candidate else {
                        throw TemplateError(.runtime, "\(name)() argument must be str or a tuple of str", line: position.line, column: position.column)
                    }
                    if name == "startswith" ? PythonString.startsWith(text, affix) : PythonString.endsWith(text, affix) { return .bool(true) }
                }
                return .bool(false)
            }
        case "replace":
            return bound { arguments, _, position in
                guard let old = try string(arguments, 0, name, position), let new = try string(arguments, 1, name, position) else {
                    throw TemplateError(.runtime, "replace() takes two strings", line: position.line, column: position.column)
                }
                return .string(PythonString.replace(text, old, new, count: arguments.count > 2 ? arguments[2].integerIndex ?? -1 : -1))
            }
        case "upper": return bound { _, _, _ in .string(text.uppercased()) }
        case "lower": return bound { _, _, _ in .string(text.lowercased()) }
        case "title": return bound { _, _, _ in .string(PythonString.pythonTitle(text)) }
        case "capitalize": return bound { _, _, _ in .string(PythonString.capitalize(text)) }
        case "find":
            return bound { arguments, _, position in
                .int(PythonString.find(text, try string(arguments, 0, name, position) ?? ""))
            }
        case "count":
            return bound { arguments, _, position in
                let needle = try string(arguments, 0, name, position) ?? ""
                return .int(PythonString.split(text, separator: needle).count - 1)
            }
        case "join":
            return bound { arguments, _, position in
                guard let elements = arguments.first?.sequenceElements else {
                    throw TemplateError(.runtime, "join() needs a list", line: position.line, column: position.column)
                }
                return .string(elements.map(\.pythonString).joined(separator: text))
            }
        case "splitlines":
            return bound { _, _, _ in
                .array(PythonString.split(text.replacingLineBreaks(), separator: "\n").dropLast(text.hasSuffixLineBreak ? 1 : 0).map { .string($0) })
            }
        case "isdigit":
            return bound { _, _, _ in .bool(!text.isEmpty && text.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit }) }
        case "isalpha":
            return bound { _, _, _ in .bool(!text.isEmpty && text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic }) }
        case "isspace":
            return bound { _, _, _ in .bool(!text.isEmpty && text.unicodeScalars.allSatisfy(PythonString.isSpace)) }
        default: return nil
        }
    }

    private static func dictionaryMethod(_ dictionary: OrderedDictionary, _ name: String) -> JinjaValue? {
        switch name {
        case "items": return .function(name) { _, _, _ in .array(dictionary.pairs.map { .tuple([.string($0.0), $0.1]) }) }
        case "keys": return .function(name) { _, _, _ in .array(dictionary.keys.map { .string($0) }) }
        case "values": return .function(name) { _, _, _ in .array(dictionary.pairs.map(\.1)) }
        case "get":
            return .function(name) { arguments, _, position in
                guard let key = arguments.first else {
                    throw TemplateError(.runtime, "get() needs a key", line: position.line, column: position.column)
                }
                return dictionary[key.pythonString] ?? (arguments.count > 1 ? arguments[1] : .none)
            }
        default: return nil
        }
    }

    private static func listMethod(_ elements: [JinjaValue], _ name: String) -> JinjaValue? {
        switch name {
        case "index":
            return .function(name) { arguments, _, position in
                guard let target = arguments.first, let found = elements.firstIndex(of: target) else {
                    throw TemplateError(.runtime, "value is not in list", line: position.line, column: position.column)
                }
                return .int(found)
            }
        case "count":
            return .function(name) { arguments, _, _ in .int(elements.filter { $0 == (arguments.first ?? .none) }.count) }
        default: return nil
        }
    }
}

private extension String {
    func replacingLineBreaks() -> String {
        var result = String.UnicodeScalarView()
        var previousWasReturn = false
        for scalar in unicodeScalars {
            if scalar == "\n" && previousWasReturn { previousWasReturn = false; continue }
            previousWasReturn = scalar == "\r"
            if [0x0A, 0x0D, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029].contains(scalar.value) {
                result.append("\n")
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    var hasSuffixLineBreak: Bool {
        guard let last = unicodeScalars.last else { return false }
        return [0x0A, 0x0D, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029].contains(last.value)
    }
}
