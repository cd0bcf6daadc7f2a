import Foundation
import ImprintCore

/// The JSON bodies of OpenAI's `/v1/chat/completions` and `/v1/completions`, as far as the generator uses them.
///
/// Requests carry only what the caller set: `top_k` and `min_p` (vLLM and llama.cpp extensions that OpenAI
/// itself refuses) are left out at their "off" values, `n` at 1, `stop` when empty, `seed` when nil.
enum OpenAIWire {
    /// One request body; `messages` for chat, `prompt` for completions.
    struct Request: Encodable {
        var model: String
        var messages: [ChatMessage]?
        var prompt: String?
        var maxTokens: Int
        var temperature: Double
        var topP: Double
        var topK: Int?
        var minP: Double?
        var stop: [String]?
        var seed: UInt64?
        var n: Int?
        var responseFormat: ResponseFormatBody?
        /// Chat: `true`; completions: how many alternatives per token (1: the chosen token's and one more).
        var logprobs: LogProbabilitiesRequest?
        /// Chat only: alternatives per token. llama.cpp returns no log-probabilities for 0, so 1 is asked.
        var topLogprobs: Int?

        enum CodingKeys: String, CodingKey {
            case model, messages, prompt, temperature, stop, seed, n, logprobs
            case maxTokens = "max_tokens", topP = "top_p", topK = "top_k", minP = "min_p"
            case responseFormat = "response_format", topLogprobs = "top_logprobs"
        }

        init(model: String, prompt: GenerationPrompt, parameters: SamplingParameters, n: Int,
             responseFormat: OpenAICompatibleGenerator.ResponseFormat?, logProbabilities: Bool) {
            self.model = model
            switch prompt {
            case .messages(let messages):
                self.messages = messages
                if logProbabilities { (logprobs, topLogprobs) = (.chat(true), 1) }
            case .text(let text):
                self.prompt = text
                if logProbabilities { logprobs = .completions(1) }
            }
            maxTokens = parameters.maxTokens
            temperature = parameters.temperature
            topP = parameters.topP
            topK = parameters.topK == 0 ? nil : parameters.topK
            minP = parameters.minP == 0 ? nil : parameters.minP
            stop = parameters.stop.isEmpty ? nil : parameters.stop
            seed = parameters.seed
            self.n = n == 1 ? nil : n
            self.responseFormat = responseFormat.map(ResponseFormatBody.init)
        }
    }

    /// `logprobs`: a flag for chat, a count for completions.
    enum LogProbabilitiesRequest: Encodable {
        case chat(Bool)
        case completions(Int)

        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .chat(let flag): try container.encode(flag)
            case .completions(let count): try container.encode(count)
            }
        }
    }

    /// `response_format`.
    struct ResponseFormatBody: Encodable {
        struct Schema: Encodable {
            var name: String
            var schema: JSONValue
            var strict = true
        }
        var type: String
        var jsonSchema: Schema?

        enum CodingKeys: String, CodingKey {
            case type, jsonSchema = "json_schema"
        }

        init(_ format: OpenAICompatibleGenerator.ResponseFormat) {
            switch format {
            case .jsonObject: type = "json_object"
            case .jsonSchema(let name, let schema): (type, jsonSchema) = ("json_schema", Schema(name: name, schema: schema))
            }
        }
    }

    /// A chat or completions response.
    struct Response: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
            }
            var index: Int?
            /// Completions.
            var text: String?
            /// Chat.
            var message: Message?
            var finishReason: String?
            var logprobs: LogProbabilities?

            enum CodingKeys: String, CodingKey {
                case index, text, message, logprobs, finishReason = "finish_reason"
            }
        }
        struct Usage: Decodable {
            var promptTokens: Int?
            var completionTokens: Int?

            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
            }
        }
        var choices: [Choice]
        var usage: Usage?
    }

    /// A choice's `logprobs`, in either of OpenAI's two shapes: chat's `{"content": [{"token", "logprob"}]}`
    /// (which llama.cpp also uses for completions, adding each token's `id`), or legacy completions'
    /// `{"tokens": [...], "token_logprobs": [...]}`.
    struct LogProbabilities: Decodable {
        struct Entry: Decodable {
            var id: Int?
            var logprob: Double?
        }
        var content: [Entry]?
        var tokenLogprobs: [Double?]?

        enum CodingKeys: String, CodingKey {
            case content, tokenLogprobs = "token_logprobs"
        }

        /// Each generated token's log-probability (a missing one as -infinity), nil when neither shape is there.
        var values: [Float]? {
            if let content { return content.map { Float($0.logprob ?? -.infinity) } }
            return tokenLogprobs.map { $0.map { Float($0 ?? -.infinity) } }
        }

        /// The generated token ids, when every entry names its id (llama.cpp).
        var tokenIds: [Int]? {
            guard let content, !content.isEmpty else { return nil }
            let ids = content.compactMap(\.id)
            return ids.count == content.count ? ids : nil
        }
    }

    /// The message of an error body: OpenAI's and llama.cpp's `{"error": {"message": ...}}`, vLLM's
    /// `{"message": ...}` or `{"detail": ...}` (FastAPI), `{"error": "text"}`; otherwise the body's start.
    static func errorMessage(in body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if let error = object["error"] as? [String: Any], let message = error["message"] as? String { return message }
            if let message = object["error"] as? String { return message }
            if let message = object["message"] as? String { return message }
            if let detail = object["detail"] as? String { return detail }
        }
        return bodyExcerpt(body)
    }

    /// The first 300 characters of a body, for an error message.
    static func bodyExcerpt(_ body: Data) -> String {
        let text = String(decoding: body.prefix(1200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return "(empty body)" }
        return text.count > 300 ? String(text.prefix(300)) + "..." : text
    }
}
