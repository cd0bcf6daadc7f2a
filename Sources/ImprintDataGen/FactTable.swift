import Foundation
import ImprintCore

/// Fact tables in seed 003's row shape, from JSONL, a JSON array or CSV, and back:
///
/// `{fact_id?, category, fact, question, answer, aliases?, rephrased_1 … rephrased_6?, distractors?, subject?}`
///
/// This one reader takes `qa_pairs.json` (no ids, quoted strings), `Rephrased_QA.jsonl`, the published
/// `training_data.csv` / `testing_data.csv` and Imprint's own fact files. In CSV, `aliases` and `distractors` are JSON
/// arrays in a field.
public enum FactTable {
    /// What happens to a row whose fact (after cleaning) repeats an earlier row's.
    public enum RepeatedFacts: String, Sendable, CaseIterable {
        /// Keep the first row of each fact; drop the later ones (counted in the report).
        case keepFirst = "keep-first"
        /// Keep every row (each keeps its own row id).
        case keepAll = "keep-all"
    }

    /// What loading cleaned and found.
    public struct Report: Sendable, Hashable, CustomStringConvertible {
        public var rows = 0
        public var kept = 0
        /// Strings that lost a pair of surrounding double quotes (seed 003's parser artefact), by column.
        public var quotesRemoved: [String: Int] = [:]
        /// Strings that lost code fences or surrounding whitespace and line breaks.
        public var whitespaceTrimmed = 0
        /// Rows whose fact repeats an earlier row's (after cleaning), and how many facts repeat.
        public var repeatedRows = 0
        public var repeatedFacts = 0
        /// Rows dropped by `.keepFirst`.
        public var droppedRepeats = 0
        /// Questions asked by rows of different facts (facts that differ only in wording, e.g. "includes increasing"
        /// and "includes an increase in").
        public var questionsSharedByDifferentFacts = 0
        /// Distinct facts.
        public var distinctFacts = 0

        public var description: String {
            var lines = ["rows: \(rows), kept: \(kept), distinct facts: \(distinctFacts)"]
            let quotes = quotesRemoved.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("surrounding quotes removed: " + (quotes.isEmpty ? "none" : quotes))
            lines.append("whitespace or fences trimmed: \(whitespaceTrimmed)")
            lines.append("repeated facts: \(repeatedRows) rows repeat \(repeatedFacts) facts; dropped: \(droppedRepeats)")
            lines.append("questions shared by different facts: \(questionsSharedByDifferentFacts)")
            return lines.joined(separator: "\n")
        }
    }

    /// Reads facts; rows without `fact_id` get `\(idPrefix)-NNNNN` from their 1-based row number, so an id names the
    /// same row whatever `repeated` is.
    ///
    /// - Throws: `DataFileError` naming the file and line of a row without `fact` or `question` (or `answer`), or of a
    ///   malformed row, and for duplicate explicit ids.
    public static func read(path: String, repeated: RepeatedFacts = .keepFirst,
                            idPrefix: String = "rg") throws -> (facts: [Fact], report: Report) {
        let rows = try stringRows(path: path)
        var report = Report()
        report.rows = rows.count
        let width = max(5, String(rows.count).count)
        var facts: [Fact] = []
        var firstRowOfFact: [String: Int] = [:]
        var factsOfQuestion: [String: Set<String>] = [:]
        var seenIDs: Set<String> = []
        var repeatedFactTexts: Set<String> = []
        for (number, row) in rows.enumerated() {
            func field(_ key: String, required: Bool = true) throws -> String? {
                guard let raw = row.fields[key], !raw.isEmpty else {
                    if required {
                        throw DataFileError(path: path, line: row.line, reason: "the row has no \"\(key)\" (expected a string)")
                    }
                    return nil
                }
                let (text, removedQuotes, trimmed) = clean(raw)
                if removedQuotes { report.quotesRemoved[key, default: 0] += 1 }
                if trimmed { report.whitespaceTrimmed += 1 }
                return text
            }
            let statement = try field("fact")!
            let question = try field("question")!
            let answer = try field("answer")!
            var phrasings = [question]
            for k in 1...6 {
                guard let rephrased = try field("rephrased_\(k)", required: false) else { break }
                phrasings.append(rephrased)
            }
            let id: String
            if let explicit = row.fields["fact_id"], !explicit.isEmpty {
                id = explicit
            } else {
                let digits = String(number + 1)
                id = idPrefix + "-" + String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            guard seenIDs.insert(id).inserted else {
                throw DataFileError(path: path, line: row.line, reason: "the fact id \(id) appears twice")
            }
            factsOfQuestion[question, default: []].insert(statement)
            if firstRowOfFact[statement] != nil {
                report.repeatedRows += 1
                repeatedFactTexts.insert(statement)
                if repeated == .keepFirst { report.droppedRepeats += 1; continue }
            } else {
                firstRowOfFact[statement] = number
            }
            facts.append(Fact(id: id, statement: statement, answer: answer,
                              aliases: try list(row, "aliases", path: path), phrasings: phrasings,
                              category: try field("category", required: false) ?? "",
                              distractors: try list(row, "distractors", path: path),
                              subject: try field("subject", required: false)))
        }
        report.repeatedFacts = repeatedFactTexts.count
        report.distinctFacts = firstRowOfFact.count
        report.kept = facts.count
        report.questionsSharedByDifferentFacts = factsOfQuestion.values.filter { $0.count > 1 }.count
        return (facts, report)
    }

    /// A string with seed 003's artefacts removed: surrounding whitespace, code fences, and one pair of double
    /// quotes around the whole string. The quotes go only when what is left stays balanced: no other quote inside, or
    /// an even number whose first opens a quotation (`"When is "Harbor Lights" on?"` → `When is "Harbor Lights" on?`,
    /// while `"A" and "B"` and `"Alien: Earth" is set…` keep theirs).
    public static func clean(_ raw: String) -> (text: String, removedQuotes: Bool, trimmed: Bool) {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasPrefix("```") { text = String(text.dropFirst(3)).trimmingCharacters(in: .whitespacesAndNewlines) }
        while text.hasSuffix("```") { text = String(text.dropLast(3)).trimmingCharacters(in: .whitespacesAndNewlines) }
        let trimmed = text != raw
        var removedQuotes = false
        for (open, close) in [("\"", "\""), ("\u{201C}", "\u{201D}")] where text.count >= 2 {
            if text.hasPrefix(open), text.hasSuffix(close), balancedInside(text.dropFirst().dropLast()) {
                text = String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespacesAndNewlines)
                removedQuotes = true
                break
            }
        }
        return (text, removedQuotes, trimmed)
    }

    /// Whether quotes inside stay paired once the outer pair is gone: none, or an even number whose first one
    /// follows white space or an opening bracket (so it opens a quotation).
    static func balancedInside(_ inside: Substring) -> Bool {
        let quotes = inside.indices.filter { inside[$0] == "\"" }
        guard let first = quotes.first else { return true }
        guard quotes.count % 2 == 0 else { return false }
        if first == inside.startIndex { return true }
        let before = inside[inside.index(before: first)]
        return before.isWhitespace || before == "(" || before == "["
    }

    /// A list column: a JSON array (JSONL) or a JSON array written in a CSV field; absent is empty.
    static func list(_ row: (line: Int, fields: [String: String]), _ key: String, path: String) throws -> [String] {
        guard let raw = row.fields[key], !raw.isEmpty else { return [] }
        guard let data = raw.data(using: .utf8), let values = try? JSONSerialization.jsonObject(with: data) as? [Any],
              values.allSatisfy({ $0 is String }) else {
            throw DataFileError(path: path, line: row.line, reason: "\"\(key)\" must be a list of strings")
        }
        return values.map { $0 as! String }
    }

    /// Rows of a JSONL/JSON (via `DataRows`) or CSV file as strings; JSON lists stay JSON text.
    public static func stringRows(path: String) throws -> [(line: Int, fields: [String: String])] {
        if path.lowercased().hasSuffix(".csv") { return try CSVTable.read(path: path) }
        return try DataRows.read(path: path).map { row in
            var fields: [String: String] = [:]
            for (key, value) in row.fields {
                switch value {
                case let text as String: fields[key] = text
                case is NSNull: continue
                case let number as NSNumber: fields[key] = number.stringValue
                default:
                    if let data = try? JSONSerialization.data(withJSONObject: value), let text = String(data: data, encoding: .utf8) {
                        fields[key] = text
                    }
                }
            }
            return (row.line, fields)
        }
    }

    /// The row of a fact, in seed 003's key order with Imprint's extra keys.
    public static func row(_ fact: Fact) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("fact_id", .string(fact.id)), ("category", .string(fact.category)),
                                            ("fact", .string(fact.statement)), ("question", .string(fact.question)),
                                            ("answer", .string(fact.answer)), ("aliases", .strings(fact.aliases))]
        for (index, phrasing) in fact.phrasings.enumerated().dropFirst() {
            pairs.append((PhrasingID(index: index).name, .string(phrasing)))
        }
        if !fact.distractors.isEmpty { pairs.append(("distractors", .strings(fact.distractors))) }
        if let subject = fact.subject { pairs.append(("subject", .string(subject))) }
        return .object(pairs)
    }

    /// Writes facts as JSONL, or as CSV when `path` ends in `.csv` (lists as JSON in their fields), atomically.
    public static func write(_ facts: [Fact], to path: String) throws {
        if path.lowercased().hasSuffix(".csv") {
            let phrasingCount = facts.map(\.phrasings.count).max() ?? 1
            let header = ["fact_id", "category", "fact", "question", "answer", "aliases"]
                + (1..<max(1, phrasingCount)).map { PhrasingID(index: $0).name } + ["distractors", "subject"]
            let rows = facts.map { fact in
                [fact.id, fact.category, fact.statement, fact.question, fact.answer, JSONValue.strings(fact.aliases).text]
                    + (1..<max(1, phrasingCount)).map { fact.phrasing(PhrasingID(index: $0)) ?? "" }
                    + [JSONValue.strings(fact.distractors).text, fact.subject ?? ""]
            }
            try JSONLines.writeAtomically(Data(CSVTable.text(header: header, rows: rows).utf8), to: path)
        } else {
            try JSONLines.write(facts.map(row), to: path)
        }
    }
}
