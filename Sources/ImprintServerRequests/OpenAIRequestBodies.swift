import Foundation
import ImprintCore

// The request bodies of OpenAI's chat completions and completions APIs as JSON gives them, before
// they are checked (`ChatCompletionRequest.decode`, `CompletionRequest.decode`). Fields that change
// nothing (`user`, ...) are ignored.

/// The body of `POST /v1/chat/completions`.
struct ChatCompletionBody: Decodable {
    var model: String?
    var messages: [RequestMessage]
    var sampling: SamplingFields
    var logprobs: Bool?
    var topLogprobs: Int?
    var responseFormat: ResponseFormat?
    /// Only counted: tools are refused, so their schemas are never decoded.
    var tools: [UnreadValue]?

    enum CodingKeys: String, CodingKey {
        case model, messages, logprobs, tools
        case topLogprobs = "top_logprobs", responseFormat = "response_format"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([RequestMessage].self, forKey: .messages)
        logprobs = try container.decodeIfPresent(Bool.self, forKey: .logprobs)
        topLogprobs = try container.decodeIfPresent(Int.self, forKey: .topLogprobs)
        responseFormat = try container.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat)
        tools = try container.decodeIfPresent([UnreadValue].self, forKey: .tools)
        sampling = try SamplingFields(from: decoder)
    }
}

/// The body of `POST /v1/completions`.
struct CompletionBody: Decodable {
    var model: String?
    var prompt: CompletionPrompt
    var sampling: SamplingFields
    /// The legacy API's `logprobs`: how many most likely alternatives to list (only 0 is served).
    var logprobs: Int?
    var echo: Bool?
    var suffix: String?
    var bestOf: Int?

    enum CodingKeys: String, CodingKey {
        case model, prompt, logprobs, echo, suffix
        case bestOf = "best_of"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        prompt = try container.decode(CompletionPrompt.self, forKey: .prompt)
        logprobs = try container.decodeIfPresent(Int.self, forKey: .logprobs)
        echo = try container.decodeIfPresent(Bool.self, forKey: .echo)
        suffix = try container.decodeIfPresent(String.self, forKey: .suffix)
        bestOf = try container.decodeIfPresent(Int.self, forKey: .bestOf)
        sampling = try SamplingFields(from: decoder)
    }
}

/// The fields both APIs share: sampling, `n`, `stop`, `seed`, streaming.
struct SamplingFields: Decodable {
    var maxTokens: Int?
    var maxCompletionTokens: Int?
    var temperature: Double?
    var topP: Double?
    /// vLLM's and llama.cpp's extensions.
    var topK: Int?
    var minP: Double?
    var ignoreEOS: Bool?
    var n: Int?
    var stop: StopStrings?
    var seed: Int64?
    var stream: Bool?
    var streamOptions: StreamOptions?
    var frequencyPenalty: Double?
    var presencePenalty: Double?
    var logitBias: [String: Double]?

    enum CodingKeys: String, CodingKey {
        case temperature, n, stop, seed, stream
        case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens", topP = "top_p", topK = "top_k"
        case minP = "min_p", streamOptions = "stream_options", frequencyPenalty = "frequency_penalty"
        case presencePenalty = "presence_penalty", logitBias = "logit_bias", ignoreEOS = "ignore_eos"
    }

    struct StreamOptions: Decodable {
        var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }
}

/// `stop`: one string or a list of them.
struct StopStrings: Decodable {
    var strings: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            strings = [one]
        } else {
            strings = try container.decode([String].self)
        }
    }
}

/// A chat message of a request: `content` is a string, a list of text parts, or null.
struct RequestMessage: Decodable {
    var role: String
    var content: String

    enum CodingKeys: String, CodingKey { case role, content }

    struct Part: Decodable {
        var type: String
        var text: String?
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(String.self, forKey: .role)
        if try container.decodeNil(forKey: .content) {
            content = ""
        } else if let text = try? container.decode(String.self, forKey: .content) {
            content = text
        } else {
            let parts = try container.decode([Part].self, forKey: .content)
            guard parts.allSatisfy({ $0.type == "text" && $0.text != nil }) else {
                throw DecodingError.dataCorruptedError(forKey: .content, in: container,
                                                       debugDescription: "only text content parts ({\"type\": \"text\", \"text\": ...}) are served")
            }
            content = parts.compactMap(\.text).joined()
        }
    }
}

/// The completions API's `prompt`: a string, a list of strings, a list of token ids, or a list of lists of them.
public enum CompletionPrompt: Decodable, Equatable, Sendable {
    case texts([String])
    case tokens([[Int]])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .texts([text])
        } else if let texts = try? container.decode([String].self) {
            self = .texts(texts)
        } else if let tokens = try? container.decode([Int].self) {
            self = .tokens([tokens])
        } else if let lists = try? container.decode([[Int]].self) {
            self = .tokens(lists)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription:
                "expected a string, a list of strings, a list of token ids or a list of lists of token ids")
        }
    }

    /// How many prompts: each is completed `n` times.
    public var count: Int {
        switch self {
        case .texts(let texts): return texts.count
        case .tokens(let lists): return lists.count
        }
    }
}

/// `response_format`: only `{"type": "text"}` is served (no constrained decoding).
struct ResponseFormat: Decodable {
    var type: String
}

/// A JSON value that is only counted, never read: whatever it holds, decoding it takes no time and no stack.
struct UnreadValue: Decodable {
    init(from decoder: any Decoder) {}
}
