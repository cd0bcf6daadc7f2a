import ImprintCore

/// A checked `POST /v1/completions` request: raw prompts (texts, or token ids), each completed `settings.n` times.
///
/// ```swift
/// let request = try CompletionRequest.decode(Array(#"{"prompt": ["abc", "The cat"], "max_tokens": 7}"#.utf8),
///                                            limits: RequestLimits())
/// // request.prompt == .texts(["abc", "The cat"]), request.settings.parameters.maxTokens == 7
/// ```
public struct CompletionRequest: Sendable {
    public var prompt: CompletionPrompt
    public var settings: GenerationSettings
    /// `logprobs: 0`: the chosen tokens' log-probabilities (the legacy API's count of alternatives must be 0).
    public var logprobs: Bool

    public init(prompt: CompletionPrompt, settings: GenerationSettings, logprobs: Bool = false) {
        self.prompt = prompt
        self.settings = settings
        self.logprobs = logprobs
    }

    /// Decodes and checks a request body, as `ChatCompletionRequest.decode` does; `echo`, `suffix`, `best_of` ≠ `n`
    /// and `logprobs` > 0 are refused. Token ids are checked against the vocabulary only when they are decoded.
    ///
    /// - Throws: `APIError` 413 for a body over `limits.maxBodyBytes`; 400 naming the field for malformed JSON, a wrong
    ///   type, a value out of range or over a limit, or a field not served.
    public static func decode(_ body: some Collection<UInt8>, limits: RequestLimits) throws(APIError) -> CompletionRequest {
        let fields = try JSONBody.decode(CompletionBody.self, from: body, limits: limits)
        let settings = try GenerationSettings(fields.sampling, limits: limits)
        guard fields.prompt.count >= 1 else { throw .invalid("prompt must hold at least one prompt.", param: "prompt") }
        if fields.echo == true { throw .invalid("echo is not supported by imprint serve.", param: "echo") }
        if let suffix = fields.suffix, !suffix.isEmpty { throw .invalid("suffix is not supported by imprint serve.", param: "suffix") }
        if let bestOf = fields.bestOf, bestOf != settings.n {
            throw .invalid("best_of is not supported by imprint serve (it must equal n when given).", param: "best_of")
        }
        if let top = fields.logprobs, top != 0 {
            throw .invalid("logprobs = \(top) is not supported: imprint serve reports the chosen tokens' log-probabilities only "
                           + "(logprobs: 0).", param: "logprobs")
        }
        return CompletionRequest(prompt: fields.prompt, settings: settings, logprobs: fields.logprobs != nil)
    }
}
