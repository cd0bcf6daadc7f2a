import Foundation
import ImprintCore
import ImprintRewards

/// Stories from plotlines (seed 000's prompt). Item fields: `plotline`. Rows: `{story_id, title, plotline, story}`.
public struct StoryStep: GenerationStep {
    public var minimumWords: Int
    public init(minimumWords: Int = 20) { self.minimumWords = minimumWords }

    public var name: String { "stories" }
    public var keyColumn: String { "story_id" }
    public var defaultParameters: SamplingParameters { SamplingParameters(maxTokens: 512, temperature: 0.8, seed: 0) }

    public func prompt(for item: PipelineItem) -> String { GenerationPrompts.story(plotline: item.fields["plotline"] ?? "") }

    public func process(_ response: String, item: PipelineItem) throws -> StepOutput {
        var story = (ResponseParsing.fenced(response) ?? response).trimmingCharacters(in: .whitespacesAndNewlines)
        if story.lowercased().hasPrefix("output:") { story = String(story.dropFirst(7)).trimmingCharacters(in: .whitespacesAndNewlines) }
        let words = story.split(whereSeparator: \.isWhitespace).count
        guard words >= minimumWords else {
            throw ResponseProblem("the story has \(words) words; write one full paragraph of at least \(minimumWords) words")
        }
        let plotline = item.fields["plotline"] ?? ""
        let title = plotline.split(separator: ":", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? plotline
        return StepOutput(rows: [CandidateRow(fields: [("story_id", .string(item.key)), ("title", .string(title)),
                                                       ("plotline", .string(plotline)), ("story", .string(story))])])
    }
}

/// Question/answer/context triplets from a story (seed 000's prompt and rule: the context is verbatim in the story).
/// Item fields: `story`, `plotline`. Rows: `{story_id, plotline, question, answer, context}`.
///
/// Kept only when the context is a substring of the story, the answer (case-insensitively) of the context, and the
/// answer at most `maximumAnswerWords` words.
public struct StoryQuestionStep: GenerationStep {
    public var questionsPerStory: Int
    public var maximumAnswerWords: Int
    public init(questionsPerStory: Int = 8, maximumAnswerWords: Int = 3) {
        self.questionsPerStory = questionsPerStory
        self.maximumAnswerWords = maximumAnswerWords
    }

    public var name: String { "qa" }
    public var keyColumn: String { "story_id" }
    public var defaultParameters: SamplingParameters { SamplingParameters(maxTokens: 1024, temperature: 0.2, seed: 0) }

    public func prompt(for item: PipelineItem) -> String {
        GenerationPrompts.storyQuestions(story: item.fields["story"] ?? "", plotline: item.fields["plotline"] ?? "",
                                         count: questionsPerStory)
    }

    public func process(_ response: String, item: PipelineItem) throws -> StepOutput {
        let objects = try Self.objects(ResponseParsing.json(response))
        let story = item.fields["story"] ?? ""
        var output = StepOutput(rows: [])
        for object in objects {
            guard let question = (object["question"] as? String).map(ResponseParsing.cleanItem), !question.isEmpty,
                  let answer = (object["answer"] as? String).map(ResponseParsing.cleanItem), !answer.isEmpty,
                  let rawContext = object["context"] as? String else {
                output.dropped.append(DroppedRow(.missingField, "\(object)"))
                continue
            }
            let context = ResponseParsing.cleanItem(rawContext)
            if !story.contains(context) || context.isEmpty {
                output.dropped.append(DroppedRow(.contextNotInSource, context))
            } else if !context.lowercased().contains(answer.lowercased()) {
                output.dropped.append(DroppedRow(.answerNotInContext, "\(answer) | \(context)"))
            } else if answer.split(whereSeparator: \.isWhitespace).count > maximumAnswerWords {
                output.dropped.append(DroppedRow(.answerTooLong, answer))
            } else {
                output.rows.append(CandidateRow(fields: [("story_id", .string(item.key)),
                                                         ("plotline", .string(item.fields["plotline"] ?? "")),
                                                         ("question", .string(question)), ("answer", .string(answer)),
                                                         ("context", .string(context))], question: question))
            }
        }
        return output
    }

    /// The objects of a JSON list, or of the first list inside a JSON object (`{"triplets": [...]}`).
    static func objects(_ value: Any) throws -> [[String: Any]] {
        var list = value as? [Any]
        if list == nil, let object = value as? [String: Any] {
            list = object.keys.sorted().lazy.compactMap { object[$0] as? [Any] }.first ?? [object]
        }
        let objects = (list ?? []).compactMap { $0 as? [String: Any] }
        guard !objects.isEmpty else { throw ResponseProblem("expected a JSON list of {\"question\", \"answer\", \"context\"} objects") }
        return objects
    }
}

/// Atomic facts from a news article (our prompt). Item fields: `text`, `title`, `category`. Rows:
/// `{article_id, fact_id, category, fact}` with `fact_id` = `<article_id>-<k>`.
public struct AtomicFactStep: GenerationStep {
    public var factsPerArticle: Int
    public init(factsPerArticle: Int = 2) { self.factsPerArticle = factsPerArticle }

    public var name: String { "facts" }
    public var keyColumn: String { "article_id" }
    public var defaultParameters: SamplingParameters { SamplingParameters(maxTokens: 400, temperature: 0.1, seed: 0) }

    public func prompt(for item: PipelineItem) -> String {
        GenerationPrompts.atomicFacts(article: item.fields["text"] ?? "", title: item.fields["title"], count: factsPerArticle)
    }

    public func process(_ response: String, item: PipelineItem) throws -> StepOutput {
        var candidates: [String]
        var jsonProblem: ResponseProblem? = nil
        do {
            candidates = Self.factStrings(try ResponseParsing.json(response))
        } catch let problem as ResponseProblem {
            jsonProblem = problem
            candidates = ResponseParsing.numberedList(response)
        }
        candidates = candidates.map(ResponseParsing.cleanItem)
        guard !candidates.isEmpty else {
            throw ResponseProblem("expected a JSON list of \(factsPerArticle) fact sentences"
                                  + (jsonProblem.map { " (\($0.reason))" } ?? ""))
        }
        var output = StepOutput(rows: [])
        var seen: Set<String> = []
        for fact in candidates {
            if fact.split(whereSeparator: \.isWhitespace).count < 4 { output.dropped.append(DroppedRow(.tooShort, fact)); continue }
            guard seen.insert(fact.lowercased()).inserted else { output.dropped.append(DroppedRow(.duplicate, fact)); continue }
            output.rows.append(CandidateRow(fields: [("article_id", .string(item.key)),
                                                     ("fact_id", .string("\(item.key)-\(output.rows.count + 1)")),
                                                     ("category", .string(item.fields["category"] ?? "")),
                                                     ("fact", .string(fact))]))
        }
        return output
    }
}

extension AtomicFactStep {
    /// The fact sentences in a JSON value as models write it: a list of strings; a list of objects (their `fact`
    /// field, else their longest string); an object holding such a list (`{"facts": [...]}`, `{"content": [...]}`).
    static func factStrings(_ value: Any) -> [String] {
        if let text = value as? String { return [text] }
        if let list = value as? [Any] {
            return list.compactMap { item -> String? in
                if let text = item as? String { return text }
                guard let object = item as? [String: Any] else { return nil }
                if let fact = object["fact"] as? String { return fact }
                return object.values.compactMap { $0 as? String }.max { $0.count < $1.count }
            }
        }
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() where object[key] is [Any] { return factStrings(object[key]!) }
        }
        return []
    }
}

/// A question and its answer from a fact (our prompt in seed 003's spirit and format). Item fields: `fact`,
/// `category`. Rows: `{fact_id, category, fact, question, answer}`.
public struct FactQuestionStep: GenerationStep {
    public init() {}

    public var name: String { "question" }
    public var keyColumn: String { "fact_id" }
    public var defaultParameters: SamplingParameters { SamplingParameters(maxTokens: 500, temperature: 0.1, seed: 0) }

    public func prompt(for item: PipelineItem) -> String { GenerationPrompts.question(fact: item.fields["fact"] ?? "") }

    public func process(_ response: String, item: PipelineItem) throws -> StepOutput {
        let (question, answer) = try ResponseParsing.questionAnswer(response)
        guard question.hasSuffix("?") else { throw ResponseProblem("the question does not end with a question mark") }
        return StepOutput(rows: [CandidateRow(fields: [("fact_id", .string(item.key)),
                                                       ("category", .string(item.fields["category"] ?? "")),
                                                       ("fact", .string(item.fields["fact"] ?? "")),
                                                       ("question", .string(question)), ("answer", .string(answer))],
                                              question: question)])
    }
}

/// Six rephrasings of a question (seed 003's prompt). Item fields: `question` and whatever the row carries (passed
/// through). Rows: the item's fields in order, then `rephrased_1` … `rephrased_6`.
///
/// A rephrasing whose Jaccard similarity to the question (or to an earlier rephrasing) reaches `copyThreshold` is
/// dropped; fewer than six left is a problem the model is asked to fix on the retry.
public struct RephraseStep: GenerationStep {
    public var count: Int
    public var copyThreshold: Double
    /// The item's columns, in the order they are written before the rephrasings.
    public var columns: [String]

    public init(count: Int = 6, copyThreshold: Double = 0.9,
                columns: [String] = ["fact_id", "category", "fact", "question", "answer"]) {
        self.count = count
        self.copyThreshold = copyThreshold
        self.columns = columns
    }

    public var name: String { "rephrase" }
    public var keyColumn: String { "fact_id" }
    public var defaultParameters: SamplingParameters { SamplingParameters(maxTokens: 500, temperature: 0.9, seed: 0) }

    public func prompt(for item: PipelineItem) -> String { GenerationPrompts.rephrasings(question: item.fields["question"] ?? "") }

    public func process(_ response: String, item: PipelineItem) throws -> StepOutput {
        var candidates = ResponseParsing.numberedList(response)
        if candidates.count < count, let list = try? ResponseParsing.json(response) as? [Any] {
            candidates = list.compactMap { $0 as? String }.map(ResponseParsing.cleanItem)
        }
        let question = item.fields["question"] ?? ""
        var kept: [String] = []
        var dropped: [DroppedRow] = []
        for candidate in candidates {
            if jaccardSimilarity(candidate, question) >= copyThreshold {
                dropped.append(DroppedRow(.copiesQuestion, candidate))
            } else if kept.contains(where: { jaccardSimilarity(candidate, $0) >= copyThreshold }) {
                dropped.append(DroppedRow(.duplicate, candidate))
            } else {
                kept.append(candidate)
            }
        }
        guard kept.count >= count else {
            let why = dropped.isEmpty ? "" : " (\(dropped.count) copied the question or each other)"
            throw ResponseProblem("\(kept.count) usable rephrasings of the \(count) asked for\(why); give \(count) numbered "
                                  + "rephrasings that differ from the question and from each other")
        }
        var fields: [(String, JSONValue)] = [(keyColumn, .string(item.key))]
        for column in columns where column != keyColumn {
            if let value = item.fields[column] { fields.append((column, .string(value))) }
        }
        for (index, rephrasing) in kept.prefix(count).enumerated() { fields.append(("rephrased_\(index + 1)", .string(rephrasing))) }
        return StepOutput(rows: [CandidateRow(fields: fields)], dropped: dropped)
    }
}
