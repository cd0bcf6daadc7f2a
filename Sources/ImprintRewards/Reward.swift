import ImprintCore

/// A reward: scores a batch of completions, one optional score per completion.
///
/// Batch-shaped and async like TRL's reward functions (`reward_func(prompts, completions, **kwargs)
/// -> list[float | None]`): a reward sees the prompts, the completions and each sample's dataset
/// fields, and returns one score per completion in order. `nil` means "not applicable to this
/// sample" (TRL's `None`): a weighted sum skips it, and a sample no reward applies to stays `nil`.
/// A reward may also log extra per-sample columns (a judge's raw output, a group's fraction).
///
/// Conform your own types to add rewards; a reward that scores each sample on its own is shortest
/// through `SampleReward`:
///
/// ```swift
/// struct MentionsReference: SampleReward {
///     var name: String { "mentions_reference" }
///     func score(completion: String, sample: RewardSample) throws -> Double? {
///         guard let reference = sample.reference else { return nil }   // not applicable
///         return completion.localizedCaseInsensitiveContains(reference) ? 1 : 0
///     }
/// }
/// ```
///
/// Rewards are pure: the same batch gives the same scores (a judge is as deterministic as its
/// generator). Errors are thrown for unusable data (`RewardError`), never for a bad completion.
public protocol Reward: Sendable {
    /// The column name of this reward in logs and in `WeightedSum` breakdowns, e.g. `"difflib"`.
    var name: String { get }

    /// One score per completion of `batch`, in order, plus any extra log columns.
    ///
    /// - Throws: `RewardError` when the batch lacks a field this reward needs; errors of a judge
    ///   are scored, not thrown (see `JudgeReward`); `CancellationError` when the task is cancelled.
    func score(_ batch: RewardBatch) async throws -> RewardOutput
}

/// What a reward is asked to score: prompts, completions and dataset fields, index-aligned.
///
/// For GRPO with `G` generations per prompt, a prompt and its fields appear `G` times in a row,
/// as in TRL, so `batch.prompts.count == batch.completions.count == batch.samples.count`.
public struct RewardBatch: Sendable {
    /// The prompt that produced each completion.
    public var prompts: [GenerationPrompt]
    /// The generated texts to score.
    public var completions: [String]
    /// Each completion's dataset fields (reference answer, fact, story, group id...).
    public var samples: [RewardSample]

    /// A batch; the three arrays must have the same length.
    public init(prompts: [GenerationPrompt], completions: [String], samples: [RewardSample]) {
        precondition(prompts.count == completions.count && samples.count == completions.count,
                     "RewardBatch: \(prompts.count) prompts, \(completions.count) completions, "
                     + "\(samples.count) samples; they must be index-aligned")
        self.prompts = prompts
        self.completions = completions
        self.samples = samples
    }

    /// A batch of completions scored against references only (no prompts): the CLI's and the
    /// metrics' case. `RewardBatch(completions: ["Paris"], references: ["Paris"])`.
    public init(completions: [String], references: [String]) {
        precondition(completions.count == references.count,
                     "RewardBatch: \(completions.count) completions but \(references.count) references")
        self.init(prompts: Array(repeating: .text(""), count: completions.count), completions: completions,
                  samples: references.map { RewardSample(reference: $0) })
    }

    /// Number of completions.
    public var count: Int { completions.count }

    /// The question a sample asks: its `question` field, else the prompt's text (a raw prompt, or
    /// the last user message).
    public func question(at index: Int) -> String {
        if let question = samples[index].question { return question }
        switch prompts[index] {
        case .text(let text):
            return text
        case .messages(let messages):
            return messages.last(where: { $0.role == "user" })?.content ?? ""
        }
    }

    /// The named field of sample `index`, or a `RewardError.missingField` naming `reward`.
    public func required(_ field: RewardSample.Field, at index: Int, for reward: String) throws -> String {
        guard let value = samples[index][field] else {
            throw RewardError.missingField(reward: reward, field: field.rawValue, sample: index)
        }
        return value
    }
}

/// The dataset fields of one sample that rewards may read (TRL passes these as `**kwargs`).
///
/// Seed 000 rows carry a `reference` (the story or masked-out text); seed 003 rows carry a
/// `question` (the phrasing), a `fact`, a `groupID` (the fact's id) and a `phrasingID`. Anything
/// else goes in `extra`.
public struct RewardSample: Hashable, Sendable, Codable {
    /// The reference answer or ground-truth text (TRL's `answer` / `solution` column).
    public var reference: String?
    /// The question as the model saw it (one phrasing).
    public var question: String?
    /// The atomic fact a judge checks the answer against.
    public var fact: String?
    /// The story the sample comes from.
    public var story: String?
    /// Samples with the same group id are phrasings of the same fact (seed 003's fact id).
    public var groupID: String?
    /// Which phrasing of the group's fact this sample asks (e.g. `"rephrased_2"`).
    public var phrasingID: String?
    /// Any other column.
    public var extra: [String: String]

    public init(reference: String? = nil, question: String? = nil, fact: String? = nil, story: String? = nil,
                groupID: String? = nil, phrasingID: String? = nil, extra: [String: String] = [:]) {
        self.reference = reference
        self.question = question
        self.fact = fact
        self.story = story
        self.groupID = groupID
        self.phrasingID = phrasingID
        self.extra = extra
    }

    /// The fields of a dataset row's columns (TRL's reward keyword arguments), one mapping for GRPO datasets and
    /// `/v1/rewards`: `reference` (or `answer`, `solution`, `completion`), `question`, `fact`, `story`, the group id
    /// (`fact_id`, `group_id`, `groupID`), the phrasing id (`phrasing_id`, `phrasingID`); the rest in `extra`.
    public init(columns: [String: String]) {
        var remaining = columns
        func take(_ keys: [String]) -> String? {
            for key in keys { if let value = remaining.removeValue(forKey: key) { return value } }
            return nil
        }
        let reference = take(["reference", "answer", "solution", "completion"])
        self.init(reference: reference, question: take(["question"]), fact: take(["fact"]), story: take(["story"]),
                  groupID: take(["fact_id", "group_id", "groupID"]), phrasingID: take(["phrasing_id", "phrasingID"]),
                  extra: remaining)
    }

    /// The named fields, for rewards that let the user choose which one to read.
    public enum Field: String, Sendable, Hashable, Codable, CaseIterable {
        case reference, question, fact, story, groupID, phrasingID
    }

    /// The value of a named field.
    public subscript(field: Field) -> String? {
        switch field {
        case .reference: return reference
        case .question: return question
        case .fact: return fact
        case .story: return story
        case .groupID: return groupID
        case .phrasingID: return phrasingID
        }
    }
}

/// A reward's scores, one per completion (`nil` = not applicable), and optional log columns.
public struct RewardOutput: Sendable {
    /// One score per completion, in order.
    public var scores: [Double?]
    /// Extra per-sample columns to log, each with one value per completion.
    public var columns: [RewardColumn]

    public init(_ scores: [Double?], columns: [RewardColumn] = []) {
        self.scores = scores
        self.columns = columns
    }

    /// The column with this name, if the reward logged one.
    public func column(_ name: String) -> RewardColumn? {
        columns.first { $0.name == name }
    }
}

/// One named per-sample log column of a reward (a judge's raw output, a parsed verdict...).
public struct RewardColumn: Sendable, Hashable {
    /// The column name; `WeightedSum` prefixes it with the reward's name (`judge/judge_output`).
    public var name: String
    /// One value per completion (`nil` where the reward logged nothing).
    public var values: [RewardLogValue?]

    public init(name: String, values: [RewardLogValue?]) {
        self.name = name
        self.values = values
    }
}

/// A logged value: a number or a text.
public enum RewardLogValue: Sendable, Hashable {
    case number(Double)
    case text(String)
}

/// Why a reward could not score a batch: the data, not a completion, is at fault.
public enum RewardError: Error, Equatable, CustomStringConvertible {
    /// Sample `sample` has no `field`, which `reward` needs.
    case missingField(reward: String, field: String, sample: Int)
    /// A reward returned `got` scores for a batch of `expected` completions.
    case wrongScoreCount(reward: String, expected: Int, got: Int)

    public var description: String {
        switch self {
        case let .missingField(reward, field, sample):
            return "reward '\(reward)': sample \(sample) has no '\(field)' field, which this reward needs"
        case let .wrongScoreCount(reward, expected, got):
            return "reward '\(reward)' returned \(got) scores for \(expected) completions"
        }
    }
}
