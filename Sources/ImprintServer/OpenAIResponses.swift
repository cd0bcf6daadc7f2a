import Foundation
import ImprintCore

// The response bodies of OpenAI's APIs. Optional fields are written as `null` where OpenAI writes
// them (`logprobs`, `finish_reason` of a chunk, `usage` of a chunk), so strict clients find every key.

/// Token counts of a request: the prompt once, the completions summed over `n` (as OpenAI counts).
struct Usage: Encodable, Equatable {
    var promptTokens: Int
    var completionTokens: Int

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(promptTokens + completionTokens, forKey: .totalTokens)
    }
}

/// The message of a chat choice, or the delta of a chunk (`role` only in a choice's first chunk).
struct ResponseMessage: Encodable {
    var role: String?
    var content: String?
}

/// Chat log-probabilities: one entry per generated token (`top_logprobs` empty: only the chosen token is reported).
struct ChatLogProbabilities: Encodable {
    struct Entry: Encodable {
        var token: String
        var logprob: Float
        var bytes: [UInt8]
        var topLogprobs: [String] = []
        enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }
    }
    var content: [Entry]
}

/// One choice of a chat completion or of a chunk.
struct ChatChoice: Encodable {
    var index: Int
    var message: ResponseMessage?
    var delta: ResponseMessage?
    var logprobs: ChatLogProbabilities?
    var finishReason: FinishReason?

    enum CodingKeys: String, CodingKey { case index, message, delta, logprobs, finishReason = "finish_reason" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encodeIfPresent(message, forKey: .message)
        try container.encodeIfPresent(delta, forKey: .delta)
        try container.encode(logprobs, forKey: .logprobs)
        try container.encode(finishReason, forKey: .finishReason)
    }
}

/// The legacy completions API's log-probabilities (`top_logprobs` null: only the chosen tokens are reported).
struct CompletionLogProbabilities: Encodable {
    var tokens: [String]
    var tokenLogprobs: [Float]
    var textOffset: [Int]

    enum CodingKeys: String, CodingKey {
        case tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tokens, forKey: .tokens)
        try container.encode(tokenLogprobs, forKey: .tokenLogprobs)
        try container.encodeNil(forKey: .topLogprobs)
        try container.encode(textOffset, forKey: .textOffset)
    }
}

/// One choice of a text completion or of a chunk.
struct CompletionChoice: Encodable {
    var index: Int
    var text: String
    var logprobs: CompletionLogProbabilities?
    var finishReason: FinishReason?

    enum CodingKeys: String, CodingKey { case index, text, logprobs, finishReason = "finish_reason" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(text, forKey: .text)
        try container.encode(logprobs, forKey: .logprobs)
        try container.encode(finishReason, forKey: .finishReason)
    }
}

/// A chat completion, a text completion, or one chunk of either (`object` tells which).
struct CompletionResponse<Choice: Encodable>: Encodable {
    var id: String
    /// `chat.completion`, `chat.completion.chunk`, `text_completion`.
    var object: String
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage?
    /// Chunks write `usage: null` except the last one of a stream that asked for usage.
    var isChunk: Bool

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        if isChunk { try container.encode(usage, forKey: .usage) } else { try container.encodeIfPresent(usage, forKey: .usage) }
        try container.encodeNil(forKey: .systemFingerprint)
    }
}

/// `GET /v1/models`.
struct ModelList: Encodable {
    struct Model: Encodable {
        var id: String
        var object = "model"
        var created: Int
        var ownedBy = "imprint"
        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }
    var object = "list"
    var data: [Model]
}
