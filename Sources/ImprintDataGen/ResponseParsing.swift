import Foundation

/// Why a model's response could not be used as a whole; the reason is fed back to the model on the retry.
public struct ResponseProblem: Error, CustomStringConvertible, Equatable, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Reads what language models actually write: JSON inside code fences or followed by chatter, trailing commas and
/// curly quotes, numbered lists whose items contain numbers ("7.3 magnitude"), strings wrapped in stray quotes, and
/// seed 003's `<Question>: … <Answer>: …` blocks.
public enum ResponseParsing {
    /// The first JSON array or object in `text`: the inside of a code fence when there is one, cut at the bracket
    /// that closes the first `[` or `{`, with trailing commas and curly double quotes repaired.
    ///
    /// - Throws: `ResponseProblem` naming what was missing or malformed.
    public static func json(_ text: String) throws -> Any {
        let body = fenced(text) ?? text
        guard let start = body.firstIndex(where: { $0 == "[" || $0 == "{" }) else {
            throw ResponseProblem("no JSON array or object in the response")
        }
        let candidate = balancedPrefix(body[start...]) ?? String(body[start...])
        for attempt in [candidate, repaired(candidate)] {
            if let data = attempt.data(using: .utf8),
               let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
                return value
            }
        }
        if balancedPrefix(body[start...]) == nil { throw ResponseProblem("the JSON in the response is cut short (brackets never close)") }
        throw ResponseProblem("the JSON in the response is not valid")
    }

    /// The content of the first ``` fenced block (its language tag dropped), or nil.
    static func fenced(_ text: String) -> String? {
        guard let open = text.range(of: "```") else { return nil }
        var rest = text[open.upperBound...]
        if let newline = rest.firstIndex(of: "\n"), rest[..<newline].allSatisfy({ $0.isLetter }) {
            rest = rest[rest.index(after: newline)...]
        }
        guard let close = rest.range(of: "```") else { return String(rest) }
        return String(rest[..<close.lowerBound])
    }

    /// The text up to the bracket that closes the opening one (strings and escapes respected), or nil.
    static func balancedPrefix(_ text: Substring) -> String? {
        var depth = 0, inString = false, escaped = false
        for index in text.indices {
            let character = text[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"": inString = true
            case "[", "{": depth += 1
            case "]", "}":
                depth -= 1
                if depth == 0 { return String(text[...index]) }
            default: break
            }
        }
        return nil
    }

    /// Curly double quotes made straight, trailing commas before `]` or `}` removed.
    static func repaired(_ json: String) -> String {
        var text = json.replacingOccurrences(of: "\u{201C}", with: "\"").replacingOccurrences(of: "\u{201D}", with: "\"")
        while let range = text.range(of: #",\s*([\]}])"#, options: .regularExpression) {
            let closing = text[range].last!
            text.replaceSubrange(range, with: String(closing))
        }
        return text
    }

    /// The items of a numbered list (`1. …`, `2) …`, `(3) …`, `**4.** …`): a number starts an item only at the start of
    /// a line, so "a 7.3 magnitude quake" stays whole; lines without a number continue the item before. Without any
    /// numbered line, bullet lines (`- …`, `* …`) are the items. Fences are dropped and each item is cleaned
    /// (`cleanItem`).
    public static func numberedList(_ text: String) -> [String] {
        let body = fenced(text) ?? text
        var items: [String] = []
        var bullets: [String] = []
        var current: String? = nil
        let pattern = try! NSRegularExpression(pattern: #"^\s*(?:\*\*)?\(?(\d{1,2})[.)](?:\*\*)?\s+(.*)$"#)
        for rawLine in body.split(whereSeparator: \.isNewline) {
            let line = String(rawLine)
            let range = NSRange(line.startIndex..., in: line)
            if let match = pattern.firstMatch(in: line, range: range), let item = Range(match.range(at: 2), in: line) {
                if let current { items.append(current) }
                current = String(line[item])
            } else if line.trimmingCharacters(in: .whitespaces).hasPrefix("- ") || line.trimmingCharacters(in: .whitespaces).hasPrefix("* ") {
                bullets.append(String(line.trimmingCharacters(in: .whitespaces).dropFirst(2)))
            } else if current != nil, !line.trimmingCharacters(in: .whitespaces).isEmpty {
                current! += " " + line.trimmingCharacters(in: .whitespaces)
            }
        }
        if let current { items.append(current) }
        return (items.isEmpty ? bullets : items).map(cleanItem).filter { !$0.isEmpty }
    }

    /// One generated string made clean: white space trimmed, markdown bold and stray surrounding quotes removed
    /// (`FactTable.clean`), a leading label such as `Question:` or `<Rephrased>:` dropped.
    public static func cleanItem(_ text: String) -> String {
        var item = text.trimmingCharacters(in: .whitespacesAndNewlines)
        item = item.replacingOccurrences(of: "**", with: "")
        if let label = item.range(of: #"^<?[A-Za-z][A-Za-z ]{0,20}>?:\s+"#, options: .regularExpression),
           ["question", "answer", "rephrased", "rephrasing", "fact", "<question>", "<answer>"].contains(where: {
               item[label].lowercased().hasPrefix($0) }) {
            item = String(item[label.upperBound...])
        }
        return FactTable.clean(item).text
    }

    /// A question and its answer from seed 003's format (`<Question>: … <Answer>: …`, fenced or not, labels in any
    /// case with or without angle brackets), or from JSON `{"question": …, "answer": …}`.
    ///
    /// - Throws: `ResponseProblem` when either part is missing or empty.
    public static func questionAnswer(_ text: String) throws -> (question: String, answer: String) {
        if let object = try? json(text) as? [String: Any],
           let question = object["question"] as? String, let answer = object["answer"] as? String {
            let pair = (cleanItem(question), cleanItem(answer))
            guard !pair.0.isEmpty, !pair.1.isEmpty else { throw ResponseProblem("the question or the answer is empty") }
            return pair
        }
        let body = fenced(text) ?? text
        guard let questionLabel = body.range(of: #"<?question>?\s*:"#, options: [.regularExpression, .caseInsensitive]) else {
            throw ResponseProblem("no \"<Question>:\" line in the response")
        }
        guard let answerLabel = body.range(of: #"<?answer>?\s*:"#, options: [.regularExpression, .caseInsensitive],
                                           range: questionLabel.upperBound..<body.endIndex) else {
            throw ResponseProblem("no \"<Answer>:\" line after the question")
        }
        let question = cleanItem(String(body[questionLabel.upperBound..<answerLabel.lowerBound]))
        var answer = String(body[answerLabel.upperBound...])
        if let end = answer.range(of: "\n\n") { answer = String(answer[..<end.lowerBound]) }
        answer = cleanItem(answer)
        guard !question.isEmpty else { throw ResponseProblem("the question after \"<Question>:\" is empty") }
        guard !answer.isEmpty else { throw ResponseProblem("the answer after \"<Answer>:\" is empty") }
        return (question, answer)
    }
}
