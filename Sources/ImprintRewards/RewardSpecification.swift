import ImprintCore

/// A reward named in text, as `imprint grpo --reward` and `POST /v1/rewards` name them:
/// `NAME[=PARAMETER][:WEIGHT]`.
///
/// | text | reward |
/// |---|---|
/// | `difflib`, `exact`, `f1`, `bleu`, `jaccard` | the `ReferenceMetric` against the sample's reference |
/// | `word_count=12` | `WordCountReward(target: 12)` |
/// | `judge` | `JudgeReward` with seed 003's judge prompt, asking the judge the caller supplies |
/// | `group_generalization=judge` (or `=exact`, ...) | `GroupGeneralizationReward` over that correctness reward |
///
/// The weight after the last `:` (default 1) scales the reward in a weighted sum:
/// `RewardSpecification("bleu:0.5")` is BLEU with weight 0.5.
public struct RewardSpecification: Sendable, Equatable {
    /// The names and their parameters, for help texts and error messages.
    public static let help = "difflib, exact, f1, bleu, jaccard (against the row's reference), word_count=N (about N words), "
        + "judge (seed 003's judge prompt), group_generalization=BASE (BASE's score plus a bonus for the share of the "
        + "fact's phrasings answered correctly; BASE is judge or a reference metric), each NAME or NAME:WEIGHT"

    public var name: String
    public var parameter: String?
    public var weight: Double

    /// Parses `NAME[=PARAMETER][:WEIGHT]`.
    /// - Throws: `RewardSpecificationError` naming the text for an unknown name, a weight that is not a
    ///   number, or a missing or unusable parameter.
    public init(_ text: String) throws {
        var body = Substring(text)
        weight = 1
        if let colon = text.lastIndex(of: ":") {
            guard let value = Double(text[text.index(after: colon)...]), value.isFinite else {
                throw RewardSpecificationError(text: text, message: "the weight after ':' must be a number")
            }
            weight = value
            body = text[..<colon]
        }
        let parts = body.split(separator: "=", maxSplits: 1).map(String.init)
        name = parts.first ?? ""
        parameter = parts.count > 1 ? parts[1] : nil
        switch name {
        case _ where ReferenceMetric(rawValue: name) != nil, "judge":
            break
        case "word_count":
            if Int(parameter ?? "").map({ $0 > 0 }) != true {
                throw RewardSpecificationError(text: text, message: "word_count needs a positive target, e.g. word_count=12")
            }
        case "group_generalization":
            if parameter.map({ ReferenceMetric(rawValue: $0) != nil || $0 == "judge" }) != true {
                throw RewardSpecificationError(text: text, message: "group_generalization needs its correctness reward, "
                    + "judge or one of " + ReferenceMetric.allCases.map(\.rawValue).joined(separator: ", ")
                    + ", e.g. group_generalization=judge")
            }
        default:
            throw RewardSpecificationError(text: text, message: "unknown reward '\(name)'; expected \(Self.help)")
        }
    }

    /// Whether the reward asks a judge model (`judge`, `group_generalization=judge`).
    public var needsJudge: Bool { name == "judge" || (name == "group_generalization" && parameter == "judge") }

    /// The reward; a judge reward sends its prompts to `judge` in batches of `batchSize`.
    /// - Precondition: `judge` is given when `needsJudge`.
    public func reward(judge: (any TextGenerator)?, batchSize: Int) -> any Reward {
        precondition(!needsJudge || judge != nil, "reward '\(name)' needs a judge model")
        func named(_ base: String) -> any Reward {
            if let metric = ReferenceMetric(rawValue: base) { return metric.reward() }
            return JudgeReward(judge: judge!, batchSize: Swift.max(batchSize, 1), maxConcurrentBatches: 1)
        }
        switch name {
        case "word_count": return WordCountReward(target: Int(parameter!)!)
        case "group_generalization": return GroupGeneralizationReward(correctness: named(parameter!))
        default: return named(name)
        }
    }
}

/// A reward specification that names no reward Imprint has, or names it wrongly.
public struct RewardSpecificationError: Error, Equatable, CustomStringConvertible {
    /// The specification as written.
    public var text: String
    /// What is wrong with it.
    public var message: String

    public var description: String { "\(text): \(message)" }
}
