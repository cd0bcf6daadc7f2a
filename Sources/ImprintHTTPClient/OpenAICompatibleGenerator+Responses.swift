import Foundation
import ImprintCore

extension OpenAICompatibleGenerator {
    /// Why a 2xx body is not a usable OpenAI response.
    struct MalformedResponse: Error {
        var message: String
    }

    /// The `n` completions of a chat or completions response, in the order of their `index`.
    ///
    /// `finish_reason` "length" is `.length`, anything else (`stop`, `eos`, `tool_calls`, null) `.stop`. The prompt's
    /// token count is `usage.prompt_tokens`. A completion's token count is the length of its `logprobs` when the
    /// server sent them, else `usage.completion_tokens` — which for `n` > 1 is the total over the choices, so each
    /// gets an even share (an estimate; ask for `logProbabilities` to have exact counts).
    ///
    /// - Throws: `MalformedResponse` for a body that is not JSON of that shape, or holds other than `n` choices.
    static func completions(from data: Data, n: Int, isChat: Bool) throws -> [Completion] {
        let response: OpenAIWire.Response
        do {
            response = try JSONDecoder().decode(OpenAIWire.Response.self, from: data)
        } catch {
            throw MalformedResponse(message: "expected a JSON object with \"choices\" (\(Self.decodingProblem(error))); "
                                    + "the body starts: \(OpenAIWire.bodyExcerpt(data))")
        }
        guard response.choices.count == n else {
            throw MalformedResponse(message: "\(response.choices.count) choices, expected \(n)")
        }
        let choices = response.choices.enumerated()
            .sorted { ($0.element.index ?? $0.offset) < ($1.element.index ?? $1.offset) }
            .map(\.element)
        let promptTokens = response.usage?.promptTokens ?? 0
        let completionTokens = response.usage?.completionTokens.map { n == 1 ? $0 : $0 / n } ?? 0
        return try choices.enumerated().map { offset, choice in
            let text: String
            if isChat {
                guard let message = choice.message else {
                    throw MalformedResponse(message: "choice \(offset) of a chat completion has no \"message\"")
                }
                text = message.content ?? ""
            } else {
                guard let choiceText = choice.text else {
                    throw MalformedResponse(message: "choice \(offset) of a completion has no \"text\"")
                }
                text = choiceText
            }
            let logProbabilities = choice.logprobs?.values
            return Completion(text: text, tokenIds: choice.logprobs?.tokenIds ?? [],
                              finishReason: choice.finishReason == "length" ? .length : .stop,
                              promptTokenCount: promptTokens,
                              completionTokenCount: logProbabilities?.count ?? completionTokens,
                              logProbabilities: logProbabilities)
        }
    }

    /// A decoding error in a few words: the missing key or mistyped path.
    private static func decodingProblem(_ error: Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            let at = path(context)
            return "no \"\(key.stringValue)\"" + (at.isEmpty ? "" : " in \(at)")
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "unexpected value at \(path(context))"
        case .dataCorrupted?:
            return "not valid JSON"
        default:
            return "\(error)"
        }
    }
}
