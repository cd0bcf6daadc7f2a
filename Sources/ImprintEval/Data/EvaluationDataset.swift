import Foundation
import ImprintCore

/// The rows of an evaluation file, read through `DataRows` (JSONL, or a JSON array of objects), in one of the
/// shapes below; each object is read by its keys, so one loader takes them all:
///
/// - **Rows** (`.rows`): `{"question", "answer", "aliases"?, "fact"?, "fact_id"?, "phrasing_id"?, "category"?}`.
/// - **Seed 000's `modified_qa_pairs.json`** (`.storyQA`), as it is: `{"story_idx", "question", "answer"}` items
///   whose question starts with `"<Title>: "`. The title becomes the `category`; `story_idx` is ignored (the
///   seed numbered QA rows, not stories), so every question is its own fact.
/// - **Seed 003's rephrasing rows** (`.rephrasings`): `{"category", "fact", "question", "answer"?,
///   "rephrased_1"?, ... "rephrased_6"?}` (the shape of its `Rephrased_QA.jsonl` and of its HF training and
///   testing splits, which hold some of the phrasing columns each). Each row is one fact (`fact_id`: the row's
///   own `fact_id`, else its line) and expands into one row per phrasing present, `question` first, then
///   `rephrased_N` in order, with that column's name as `phrasingID`; null or empty phrasings are skipped. A row
///   without `answer` (the testing split) takes its `fact` as the reference. Strings wrapped in one pair of
///   literal double quotes, an artefact of the seed's parser (`"\"What change did ...?\""`), are unwrapped.
/// - **Conversations** (`.conversations`, seed 000's `train_dataset/train_data.json`): `{"conversations" |
///   "messages": [user, assistant]}`: the last user message before the last assistant message is the question,
///   the assistant's text the answer (the story a recitation is compared with).
///
/// ```swift
/// let dataset = try EvaluationDataset(path: "Rephrased_QA.jsonl")
/// dataset.rows.count        // 7 per fact
/// dataset.rows[3].phrasingID // "rephrased_3"
/// ```
public struct EvaluationDataset: Sendable {
    /// The shape a file's rows were read in (that of its first row when they differ).
    public enum Source: String, Codable, Sendable {
        case rows, storyQA = "story_qa", rephrasings, conversations
    }

    public var path: String
    public var source: Source
    public var rows: [EvaluationRow]

    public init(path: String = "", source: Source = .rows, rows: [EvaluationRow]) {
        self.path = path
        self.source = source
        self.rows = rows
    }

    /// Reads `path`.
    ///
    /// - Throws: `DataFileError` naming the file, and the line (JSONL) or item (JSON array) of a row that lacks a
    ///   field or has one of the wrong type, with what was expected; nothing is skipped silently.
    public init(path: String) throws {
        var rows: [EvaluationRow] = []
        var source: Source?
        for row in try DataRows.read(path: path) {
            let (shape, expanded) = try Self.rows(of: row, path: path)
            source = source ?? shape
            rows += expanded
        }
        guard !rows.isEmpty else { throw DataFileError(path: path, reason: "no question to evaluate (every phrasing is empty)") }
        self.init(path: path, source: source ?? .rows, rows: rows)
    }

    /// The phrasing columns of seed 003's rows, in the order they expand.
    static func phrasingColumns(in fields: [String: Any]) -> [String] {
        let rephrased = fields.keys.compactMap { key -> (Int, String)? in
            guard key.hasPrefix("rephrased_"), let number = Int(key.dropFirst("rephrased_".count)) else { return nil }
            return (number, key)
        }.sorted { $0.0 < $1.0 }.map(\.1)
        return rephrased.isEmpty ? [] : ["question"] + rephrased
    }

    static func rows(of row: DataRows.Row, path: String) throws -> (Source, [EvaluationRow]) {
        let fields = row.fields
        func fail(_ reason: String) -> DataFileError { DataFileError(path: path, line: row.line, reason: reason) }
        func string(_ key: String, required: Bool) throws -> String? {
            switch fields[key] {
            case nil, is NSNull:
                if required { throw fail("missing \"\(key)\" (expected a string)") }
                return nil
            case let value as String:
                return value
            case let number as NSNumber where key == "fact_id" && !["c", "B", "d", "f"].contains(String(cString: number.objCType)):
                return "\(number.int64Value)"  // an integer id; a boolean or fraction is refused below
            default:
                throw fail("\"\(key)\" must be a string\(key == "fact_id" ? " or a number" : "")")
            }
        }
        func aliases() throws -> [String] {
            switch fields["aliases"] {
            case nil, is NSNull: return []
            case let list as [Any]:
                return try list.enumerated().map { index, value in
                    guard let text = value as? String else { throw fail("\"aliases\"[\(index)] must be a string") }
                    return text
                }
            default: throw fail("\"aliases\" must be a list of strings")
            }
        }

        if fields["conversations"] != nil || fields["messages"] != nil {
            let key = fields["conversations"] != nil ? "conversations" : "messages"
            guard let messages = DataRows.messages(fields[key]),
                  let answerIndex = messages.lastIndex(where: { $0.role == "assistant" }),
                  let questionIndex = messages[..<answerIndex].lastIndex(where: { $0.role == "user" }) else {
                throw fail("\"\(key)\" must be a list of {\"role\", \"content\"} messages with a user message, then an assistant message")
            }
            return (.conversations, [EvaluationRow(question: messages[questionIndex].content, answer: messages[answerIndex].content,
                                                   line: row.line)])
        }

        let columns = phrasingColumns(in: fields)
        if !columns.isEmpty {
            let fact = try string("fact", required: false).map(unwrappingArtefactQuotes)
            guard let reference = try string("answer", required: false).map(unwrappingArtefactQuotes) ?? fact else {
                throw fail("a rephrasing row needs \"answer\" or \"fact\" (the reference)")
            }
            let factID = try string("fact_id", required: false) ?? String(row.line)
            let category = try string("category", required: false)
            let accepted = try aliases()
            var expanded: [EvaluationRow] = []
            for column in columns {
                guard let question = try string(column, required: false).map(unwrappingArtefactQuotes),
                      !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
                expanded.append(EvaluationRow(question: question, answer: reference, aliases: accepted, fact: fact, factID: factID,
                                              phrasingID: column, category: category, line: row.line))
            }
            return (.rephrasings, expanded)
        }

        guard let question = try string("question", required: true), !question.isEmpty else {
            throw fail("\"question\" is empty")
        }
        let answer = try string("answer", required: true)!
        if fields["story_idx"] != nil {
            // Seed 000: "<Title>: <question>".
            let title = question.range(of: ": ").map { String(question[..<$0.lowerBound]) }
            return (.storyQA, [EvaluationRow(question: question, answer: answer, aliases: try aliases(), category: title,
                                             line: row.line)])
        }
        return (.rows, [EvaluationRow(question: question, answer: answer, aliases: try aliases(),
                                      fact: try string("fact", required: false), factID: try string("fact_id", required: false),
                                      phrasingID: try string("phrasing_id", required: false),
                                      category: try string("category", required: false), line: row.line)])
    }

    /// `text` without one pair of surrounding literal double quotes (seed 003's `"\"What ...?\""`).
    static func unwrappingArtefactQuotes(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return text }
        return String(trimmed.dropFirst().dropLast())
    }

    // MARK: - Selections

    /// The rows of `count` facts drawn without replacement with `seed` (all when there are fewer), in file order.
    ///
    /// A fact is a `factID`; a row without one is a fact of its own. The draw is a partial Fisher–Yates shuffle
    /// of the facts in order of first appearance with `SeededRandom(seed:)`, so it depends on the data and the
    /// seed only (it is not pandas' `sample`, which seed 003 used).
    public func sampling(facts count: Int, seed: UInt64) -> EvaluationDataset {
        var order: [String] = []
        var seen: Set<String> = []
        for row in rows where seen.insert(row.factKey).inserted { order.append(row.factKey) }
        guard count < order.count else { return self }
        var generator = SeededRandom(seed: seed)
        for index in 0..<count {
            order.swapAt(index, index + generator.below(order.count - index))
        }
        let kept = Set(order[..<count])
        var copy = self
        copy.rows = rows.filter { kept.contains($0.factKey) }
        return copy
    }

    /// Only the rows whose `phrasingID` is in `phrasings` (rows without one are kept: they are plain QA).
    public func keepingPhrasings(_ phrasings: Set<String>) -> EvaluationDataset {
        var copy = self
        copy.rows = rows.filter { $0.phrasingID.map(phrasings.contains) ?? true }
        return copy
    }

    /// The first `count` rows.
    public func prefix(_ count: Int) -> EvaluationDataset {
        var copy = self
        copy.rows = Array(rows.prefix(count))
        return copy
    }
}

extension EvaluationRow {
    /// The fact a row belongs to: its `factID`, else the row itself (its key).
    var factKey: String { factID.map { "fact:" + $0 } ?? "row:" + key }
}
