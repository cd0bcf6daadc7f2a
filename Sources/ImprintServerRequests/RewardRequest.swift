import Foundation
import ImprintCore
import ImprintRewards

/// A checked `POST /v1/rewards` request, whose body is shaped as TRL calls a reward function
/// (`reward_func(prompts=..., completions=..., completion_ids=..., **columns)`):
///
/// ```json
/// {"reward": "difflib", "prompts": ["Q: ..."], "completions": ["A: ..."], "reference": ["A: ..."]}
/// ```
/// → `{"rewards": [0.93]}`. `reward` is one specification (`RewardSpecification`: `bleu`, `judge:0.5`,
/// `group_generalization=judge`...) or a list of them (a weighted sum, as TRL's `reward_weights`).
/// Prompts and completions are texts or chat messages (TRL's conversational format; a completion's
/// text is its messages' contents). Every other key is a dataset column with one value per
/// completion (TRL's `**kwargs`): `reference`/`answer`/`solution`, `question`, `fact`, `fact_id`,
/// `phrasing_id`... (`RewardSample(columns:)`). `completion_ids` is accepted and unused.
/// The response also carries the rewards' log columns (a judge's raw output...) under `columns`.
public struct RewardRequest: Sendable {
    /// The rewards to sum (one with weight 1 for a single name).
    public var specifications: [RewardSpecification]
    public var batch: RewardBatch

    public init(specifications: [RewardSpecification], batch: RewardBatch) {
        self.specifications = specifications
        self.batch = batch
    }

    /// Keys that are not dataset columns.
    static let reserved: Set<String> = ["reward", "prompts", "completions", "completion_ids", "model"]

    /// Decodes and checks a request body: JSON (U+FEFF kept inside strings, see `ExactUTF8`), a known reward, and
    /// prompts and columns with one value per completion. The rewards' own checks (a reference column the metric
    /// needs...) happen when they score.
    ///
    /// - Throws: `APIError` 413 for a body over `limits.maxBodyBytes`; 400 for JSON that does not parse, and naming the
    ///   field for a missing, unknown or misshapen one.
    public static func decode(_ body: some Collection<UInt8>, limits: RequestLimits) throws(APIError) -> RewardRequest {
        try JSONBody.check(body, limits: limits)
        let object: Any
        do {
            object = try ExactUTF8.jsonObject(with: Data(body))
        } catch {
            throw .invalid("We could not parse the JSON body of your request: it is not valid JSON.")
        }
        return try RewardRequest(json: object)
    }

    init(json object: Any) throws(APIError) {
        guard let fields = object as? [String: Any] else {
            throw .invalid("The body must be a JSON object: {\"reward\": ..., \"completions\": [...], ...}.")
        }
        let names: [String]
        switch fields["reward"] {
        case let name as String: names = [name]
        case let list as [Any] where !list.isEmpty && list.allSatisfy({ $0 is String }): names = list.map { $0 as! String }
        case nil: throw .invalid("Missing required parameter: 'reward' (e.g. \"difflib\").", param: "reward")
        default: throw .invalid("'reward' must be a reward name or a non-empty list of them.", param: "reward")
        }
        specifications = []
        for name in names {
            do {
                specifications.append(try RewardSpecification(name))
            } catch {
                throw .invalid("reward \(error)", param: "reward")
            }
        }
        guard let completionValues = fields["completions"] as? [Any] else {
            throw .invalid("Missing required parameter: 'completions' (a list of texts or of message lists).", param: "completions")
        }
        var completions: [String] = []
        for (index, value) in completionValues.enumerated() {
            if let text = value as? String {
                completions.append(text)
            } else if let messages = DataRows.messages(value) {
                completions.append(messages.map(\.content).joined())
            } else {
                throw .invalid("completions[\(index)] must be a text or a list of {\"role\", \"content\"} messages.",
                               param: "completions")
            }
        }
        let count = completions.count
        var prompts = [GenerationPrompt](repeating: .text(""), count: count)
        if let promptValues = fields["prompts"] {
            guard let list = promptValues as? [Any], list.count == count else {
                throw .invalid("'prompts' must be a list with one prompt per completion (\(count)).", param: "prompts")
            }
            for (index, value) in list.enumerated() {
                if let text = value as? String {
                    prompts[index] = .text(text)
                } else if let messages = DataRows.messages(value) {
                    prompts[index] = .messages(messages)
                } else {
                    throw .invalid("prompts[\(index)] must be a text or a list of {\"role\", \"content\"} messages.", param: "prompts")
                }
            }
        }
        var rows = [[String: String]](repeating: [:], count: count)
        for (key, value) in fields where !Self.reserved.contains(key) {
            guard let list = value as? [Any], list.count == count else {
                throw .invalid("Column '\(key)' must be a list with one value per completion (\(count)).", param: key)
            }
            for (index, item) in list.enumerated() {
                guard let text = DataRows.text(item) else {
                    throw .invalid("Column '\(key)' item \(index) cannot be read as text.", param: key)
                }
                rows[index][key] = text
            }
        }
        batch = RewardBatch(prompts: prompts, completions: completions, samples: rows.map { RewardSample(columns: $0) })
    }
}
