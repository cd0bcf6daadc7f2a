import Foundation
import Hummingbird
import ImprintCore
import ImprintModel
import ImprintRewards

/// The body of `POST /v1/rewards`, shaped as TRL calls a reward function
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
struct RewardRequest {
    var specifications: [RewardSpecification]
    var batch: RewardBatch

    /// Keys that are not dataset columns.
    static let reserved: Set<String> = ["reward", "prompts", "completions", "completion_ids", "model"]

    init(json object: Any) throws {
        guard let fields = object as? [String: Any] else {
            throw APIError.invalid("The body must be a JSON object: {\"reward\": ..., \"completions\": [...], ...}.")
        }
        let names: [String]
        switch fields["reward"] {
        case let name as String: names = [name]
        case let list as [Any] where !list.isEmpty && list.allSatisfy({ $0 is String }): names = list.map { $0 as! String }
        case nil: throw APIError.invalid("Missing required parameter: 'reward' (e.g. \"difflib\").", param: "reward")
        default: throw APIError.invalid("'reward' must be a reward name or a non-empty list of them.", param: "reward")
        }
        do {
            specifications = try names.map { try RewardSpecification($0) }
        } catch let error as RewardSpecificationError {
            throw APIError.invalid("reward \(error)", param: "reward")
        }
        guard let completionValues = fields["completions"] as? [Any] else {
            throw APIError.invalid("Missing required parameter: 'completions' (a list of texts or of message lists).", param: "completions")
        }
        let completions = try completionValues.enumerated().map { index, value -> String in
            if let text = value as? String { return text }
            if let messages = DataRows.messages(value) { return messages.map(\.content).joined() }
            throw APIError.invalid("completions[\(index)] must be a text or a list of {\"role\", \"content\"} messages.",
                                   param: "completions")
        }
        let count = completions.count
        var prompts = [GenerationPrompt](repeating: .text(""), count: count)
        if let promptValues = fields["prompts"] {
            guard let list = promptValues as? [Any], list.count == count else {
                throw APIError.invalid("'prompts' must be a list with one prompt per completion (\(count)).", param: "prompts")
            }
            prompts = try list.enumerated().map { index, value in
                if let text = value as? String { return .text(text) }
                if let messages = DataRows.messages(value) { return .messages(messages) }
                throw APIError.invalid("prompts[\(index)] must be a text or a list of {\"role\", \"content\"} messages.", param: "prompts")
            }
        }
        var rows = [[String: String]](repeating: [:], count: count)
        for (key, value) in fields where !Self.reserved.contains(key) {
            guard let list = value as? [Any], list.count == count else {
                throw APIError.invalid("Column '\(key)' must be a list with one value per completion (\(count)).", param: key)
            }
            for (index, item) in list.enumerated() {
                guard let text = DataRows.text(item) else {
                    throw APIError.invalid("Column '\(key)' item \(index) cannot be read as text.", param: key)
                }
                rows[index][key] = text
            }
        }
        batch = RewardBatch(prompts: prompts, completions: completions, samples: rows.map { RewardSample(columns: $0) })
    }
}

/// The response of `POST /v1/rewards`.
struct RewardResponse: Encodable {
    var rewards: [Double?]
    var columns: [String: [RewardLogValue?]]

    func encode(to encoder: any Encoder) throws {
        enum Keys: String, CodingKey { case rewards, columns }
        var container = encoder.container(keyedBy: Keys.self)
        // Non-finite scores are null: JSON has no NaN.
        try container.encode(rewards.map { $0.flatMap { $0.isFinite ? $0 : nil } }, forKey: .rewards)
        try container.encode(columns.mapValues { $0.map { $0.map(LogValue.init) } }, forKey: .columns)
    }

    struct LogValue: Encodable {
        let value: RewardLogValue
        init(_ value: RewardLogValue) { self.value = value }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch value {
            case .number(let number): if number.isFinite { try container.encode(number) } else { try container.encodeNil() }
            case .text(let text): try container.encode(text)
            }
        }
    }
}

extension ModelServer {
    /// `POST /v1/rewards`: scores completions with Imprint's rewards (`RewardRequest`); a judge reward
    /// asks the served model, its prompts joining the decoding batch.
    func rewards(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let buffer = try await body(of: &request)
        let object: Any
        do {
            object = try ExactUTF8.jsonObject(with: Data(buffer.readableBytesView))
        } catch {
            throw APIError.invalid("We could not parse the JSON body of your request: it is not valid JSON.")
        }
        let parsed = try RewardRequest(json: object)
        if configuration.logPrompts { context.logger.info("reward prompts: \(parsed.batch.prompts)") }
        let components = parsed.specifications.map { ($0.reward(judge: generator, batchSize: parsed.batch.count), $0.weight) }
        let reward = components.count == 1 && components[0].1 == 1 ? components[0].0 : WeightedSum(components)
        let output = try await cancellingOnDisconnect(request) {
            do {
                return try await reward.score(parsed.batch)
            } catch let error as RewardError {
                throw APIError.invalid(error.description)
            }
        }
        let columns = Dictionary(output.columns.map { ($0.name, $0.values) }, uniquingKeysWith: { first, _ in first })
        return json(RewardResponse(rewards: output.scores, columns: columns), headers: [.connection: "close"])
    }
}
