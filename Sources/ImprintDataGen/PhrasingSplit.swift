import Foundation
import ImprintCore

/// Which phrasings of each question are trained on and which are held out for evaluation.
///
/// Seed 003's split (its published `training_data.csv` / `testing_data.csv`): train on `question, rephrased_1,
/// rephrased_2, rephrased_4, rephrased_5`, hold out `rephrased_3, rephrased_6`.
public struct PhrasingSplit: Sendable, Hashable {
    public var train: [PhrasingID]
    public var heldOut: [PhrasingID]

    public init(train: [PhrasingID], heldOut: [PhrasingID]) {
        precondition(Set(train).isDisjoint(with: heldOut), "PhrasingSplit: \(train) and \(heldOut) overlap")
        self.train = train
        self.heldOut = heldOut
    }

    public static let seed003 = PhrasingSplit(train: [0, 1, 2, 4, 5].map(PhrasingID.init(index:)),
                                              heldOut: [3, 6].map(PhrasingID.init(index:)))

    /// Parses comma-separated column names (`question,rephrased_1`); nil when one is not a phrasing column.
    public static func columns(_ text: String) -> [PhrasingID]? {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let ids = names.compactMap(PhrasingID.init(name:))
        return ids.count == names.count && !ids.isEmpty ? ids : nil
    }
}

/// One SFT example drawn from a fact: a phrasing and its answer, or the fact statement alone.
public struct FactExample: Sendable, Hashable {
    /// The question asked (nil for a facts-only example).
    public var prompt: String?
    /// The answer, or the fact statement for a facts-only example.
    public var completion: String
    public var factID: String
    /// `question`, `rephrased_k`, or nil for a facts-only example.
    public var phrasing: PhrasingID?
}

/// The SFT sets of seed 003's comparison (its README table): what the model sees of each fact.
public enum SFTVariant: String, Sendable, CaseIterable {
    /// The five training phrasings, each once (seed 003: 74% both held-out phrasings right, Qwen 3B).
    case fivePhrasings = "five-phrasings"
    /// The question five times (10%).
    case questionRepeated = "question-x5"
    /// The question once (4%).
    case questionOnce = "question-once"
    /// The question once, trained for as many optimizer steps as `fivePhrasings` (`stepsFactor` = 5: five times the
    /// epochs, or a fifth of the batch); the rows are those of `questionOnce` (7%).
    case questionOnceEqualSteps = "question-once-equal-steps"
    /// The fact statement alone, five times (seed 003's committed "Fact 1 Repeat", 4.33%).
    case factRepeated = "fact-x5"
    /// The fact statement alone, once (1.67%).
    case factOnce = "fact-once"

    /// How many times the epochs of a run on this set must be multiplied to take `fivePhrasings`' optimizer steps.
    public var stepsFactor: Int { self == .questionOnceEqualSteps ? 5 : 1 }

    /// The examples, fact by fact in order.
    ///
    /// - Precondition: for `fivePhrasings`, every fact has all the split's training phrasings.
    public func examples(_ facts: [Fact], split: PhrasingSplit = .seed003) -> [FactExample] {
        var examples: [FactExample] = []
        for fact in facts {
            let question = FactExample(prompt: fact.question, completion: fact.answer, factID: fact.id, phrasing: .question)
            let statement = FactExample(prompt: nil, completion: fact.statement, factID: fact.id, phrasing: nil)
            switch self {
            case .fivePhrasings:
                for phrasing in split.train {
                    guard let text = fact.phrasing(phrasing) else {
                        preconditionFailure("fact \(fact.id) has no \(phrasing.name) for the five-phrasing set")
                    }
                    examples.append(FactExample(prompt: text, completion: fact.answer, factID: fact.id, phrasing: phrasing))
                }
            case .questionRepeated: examples += Array(repeating: question, count: 5)
            case .questionOnce, .questionOnceEqualSteps: examples.append(question)
            case .factRepeated: examples += Array(repeating: statement, count: 5)
            case .factOnce: examples.append(statement)
            }
        }
        return examples
    }
}

/// The JSONL rows the trainers (Imprint's and TRL's) and the evaluation read.
public enum TrainingRows {
    /// The shapes of an SFT row (TRL's dataset formats).
    public enum SFTFormat: String, Sendable, CaseIterable {
        /// `{"messages": [user, assistant]}`; a facts-only example is `[assistant]` alone, as seed 003 trained it.
        case messages
        /// `{"prompt": "question", "completion": " answer"}` (TRL's standard prompt-completion: the texts are joined,
        /// so the completion starts with a space); a facts-only example is `{"text": fact}`.
        case promptCompletion = "prompt-completion"
        /// `{"prompt": [user], "completion": [assistant]}` (TRL's conversational prompt-completion).
        case conversational
    }

    /// An SFT row, with `fact_id` and `phrasing_id` columns (trainers ignore them; they trace a row to its fact).
    public static func sft(_ example: FactExample, format: SFTFormat = .messages) -> JSONValue {
        var pairs: [(String, JSONValue)]
        let answer = ChatMessage(role: "assistant", content: example.completion)
        if let prompt = example.prompt {
            let user = ChatMessage(role: "user", content: prompt)
            switch format {
            case .messages: pairs = [("messages", .messages([user, answer]))]
            case .promptCompletion: pairs = [("prompt", .string(prompt)), ("completion", .string(" " + example.completion))]
            case .conversational: pairs = [("prompt", .messages([user])), ("completion", .messages([answer]))]
            }
        } else {
            switch format {
            case .messages, .conversational: pairs = [("messages", .messages([answer]))]
            case .promptCompletion: pairs = [("text", .string(example.completion))]
            }
        }
        pairs.append(("fact_id", .string(example.factID)))
        pairs.append(("phrasing_id", example.phrasing.map { .string($0.name) } ?? .null))
        return .object(pairs)
    }

    /// GRPO rows (TRL's prompt-only conversational shape): one per phrasing in `phrasings`, the phrasing as the user
    /// message, and the columns rewards read: `answer`, `aliases`, `fact`, `question` (the original), `fact_id` (the
    /// group of a fact's phrasings), `phrasing_id`, `category`.
    public static func grpo(_ fact: Fact, phrasings: [PhrasingID]) -> [JSONValue] {
        phrasings.compactMap { phrasing in
            guard let text = fact.phrasing(phrasing) else { return nil }
            return .object([("prompt", .messages([ChatMessage(role: "user", content: text)])),
                            ("answer", .string(fact.answer)), ("aliases", .strings(fact.aliases)),
                            ("fact", .string(fact.statement)), ("question", .string(fact.question)),
                            ("fact_id", .string(fact.id)), ("phrasing_id", .string(phrasing.name)),
                            ("category", .string(fact.category))])
        }
    }

    /// Evaluation rows, one per phrasing in `phrasings`: `{question, answer, aliases, fact, fact_id, phrasing_id,
    /// category}`, where `question` is the phrasing asked — the keys the evaluation reads.
    public static func evaluation(_ fact: Fact, phrasings: [PhrasingID]) -> [JSONValue] {
        phrasings.compactMap { phrasing in
            guard let text = fact.phrasing(phrasing) else { return nil }
            return .object([("question", .string(text)), ("answer", .string(fact.answer)),
                            ("aliases", .strings(fact.aliases)), ("fact", .string(fact.statement)),
                            ("fact_id", .string(fact.id)), ("phrasing_id", .string(phrasing.name)),
                            ("category", .string(fact.category))])
        }
    }
}
