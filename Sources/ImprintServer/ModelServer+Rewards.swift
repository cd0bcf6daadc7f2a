import Foundation
import Hummingbird
import ImprintCore
import ImprintModel
import ImprintRewards
import ImprintServerRequests

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
        let parsed = try RewardRequest.decode(try await body(of: &request).readableBytesView, limits: requestLimits)
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
