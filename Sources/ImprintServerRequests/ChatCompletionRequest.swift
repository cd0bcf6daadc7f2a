import Foundation
import ImprintCore

/// A checked `POST /v1/chat/completions` request: the messages to render with the model's chat template,
/// the sampling settings, and whether to report log-probabilities.
///
/// ```swift
/// let request = try ChatCompletionRequest.decode(Array(#"{"messages": [{"role": "user", "content": "Hi"}], "n": 2}"#.utf8),
///                                                limits: RequestLimits())
/// // request.messages == [.user("Hi")], request.settings.n == 2, request.settings.parameters.maxTokens == 4096
/// ```
public struct ChatCompletionRequest: Sendable {
    public var messages: [ChatMessage]
    public var settings: GenerationSettings
    /// `logprobs: true`: the chosen tokens' log-probabilities (no alternatives are served).
    public var logprobs: Bool

    public init(messages: [ChatMessage], settings: GenerationSettings, logprobs: Bool = false) {
        self.messages = messages
        self.settings = settings
        self.logprobs = logprobs
    }

    /// The prompt the model completes.
    public var prompt: GenerationPrompt { .messages(messages) }

    /// Decodes and checks a request body: JSON as OpenAI defines it, within `limits`, with only the fields a local
    /// model can honour. Fields that would change the answer and cannot be honoured (`tools`, `response_format`
    /// other than text, `top_logprobs`, penalties, `logit_bias`) are refused, never ignored.
    ///
    /// - Throws: `APIError` 413 for a body over `limits.maxBodyBytes`; 400 naming the field for malformed JSON, a wrong
    ///   type, a value out of range or over a limit, or a field not served.
    public static func decode(_ body: some Collection<UInt8>, limits: RequestLimits) throws(APIError) -> ChatCompletionRequest {
        let fields = try JSONBody.decode(ChatCompletionBody.self, from: body, limits: limits)
        let settings = try GenerationSettings(fields.sampling, limits: limits)
        guard !fields.messages.isEmpty else { throw .invalid("messages must hold at least one message.", param: "messages") }
        if let format = fields.responseFormat, format.type != "text" {
            throw .invalid("response_format '\(format.type)' is not supported: imprint serve does not constrain decoding; "
                           + "ask for JSON in the prompt instead.", param: "response_format")
        }
        if let tools = fields.tools, !tools.isEmpty {
            throw .invalid("tools are not supported by imprint serve.", param: "tools")
        }
        if let top = fields.topLogprobs, top > 0 {
            throw .invalid("top_logprobs = \(top) is not supported: imprint serve reports the chosen tokens' log-probabilities "
                           + "only (logprobs: true, top_logprobs: 0).", param: "top_logprobs")
        }
        return ChatCompletionRequest(messages: fields.messages.map { ChatMessage(role: $0.role, content: $0.content) },
                                     settings: settings, logprobs: fields.logprobs ?? false)
    }
}

/// Request bodies as JSON.
enum JSONBody {
    /// The 413 of a body over the limit (the server also stops reading there).
    static func check(_ body: some Collection<UInt8>, limits: RequestLimits) throws(APIError) {
        guard body.count <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
    }

    /// `body` decoded as `type`; malformed JSON and wrong types are 400s naming the field.
    static func decode<Body: Decodable>(_ type: Body.Type, from body: some Collection<UInt8>,
                                        limits: RequestLimits) throws(APIError) -> Body {
        try check(body, limits: limits)
        let data = Data(body)
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty
                    && (try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)) != nil {
            // Foundation's decoder reports a number it cannot convert (`"n": 1.5`, `"seed": 2^64`) as invalid JSON, at no field.
            throw .invalid("A number in the JSON body of your request cannot be read as its field's type: a fraction or an "
                           + "exponent where an integer is expected, or an integer beyond 64 bits.")
        } catch let error as DecodingError {
            throw error.apiError
        } catch {
            throw .invalid("We could not parse the JSON body of your request: \(error)")
        }
    }
}
