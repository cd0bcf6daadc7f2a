import ImprintCore

/// What the chat and completions APIs share: the sampling settings a request asks for, checked
/// against the server's limits.
public struct GenerationSettings: Sendable {
    public var parameters: SamplingParameters
    /// Completions per prompt (OpenAI's `n`).
    public var n: Int
    public var stream: Bool
    /// `stream_options.include_usage`: a last chunk with the token counts.
    public var includeUsage: Bool
    /// vLLM's and llama.cpp's `ignore_eos`: generate until `max_tokens` (or the context) whatever the model says.
    public var ignoreEndOfSequence: Bool

    public init(parameters: SamplingParameters, n: Int = 1, stream: Bool = false, includeUsage: Bool = false,
                ignoreEndOfSequence: Bool = false) {
        self.parameters = parameters
        self.n = n
        self.stream = stream
        self.includeUsage = includeUsage
        self.ignoreEndOfSequence = ignoreEndOfSequence
    }

    /// The settings of a request, or a 400 naming the field out of range or not served.
    init(_ fields: SamplingFields, limits: RequestLimits) throws(APIError) {
        let n = fields.n ?? 1
        guard n >= 1 else { throw .invalid("n is \(n); it must be at least 1.", param: "n") }
        guard n <= limits.maxCompletions else {
            throw .invalid("n is \(n), but this server decodes at most \(limits.maxCompletions) completions together (--max-batch).",
                           param: "n")
        }
        let maxTokensField = fields.maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens"
        let maxTokens = fields.maxCompletionTokens ?? fields.maxTokens ?? limits.maxTokens
        guard maxTokens >= 1 else { throw .invalid("\(maxTokensField) is \(maxTokens); it must be at least 1.", param: maxTokensField) }
        guard maxTokens <= limits.maxTokens else {
            throw .invalid("\(maxTokensField) is \(maxTokens), but this server allows at most \(limits.maxTokens) "
                           + "(--max-tokens-limit).", param: maxTokensField)
        }
        let stop = fields.stop?.strings ?? []
        guard stop.count <= limits.maxStopStrings else {
            throw .invalid("stop has \(stop.count) strings; at most \(limits.maxStopStrings) are allowed.", param: "stop")
        }
        guard !stop.contains("") else { throw .invalid("stop strings must not be empty.", param: "stop") }
        for (name, value) in [("frequency_penalty", fields.frequencyPenalty), ("presence_penalty", fields.presencePenalty)] {
            if let value, value != 0 {
                throw .invalid("\(name) is not supported by imprint serve; leave it out or set it to 0.", param: name)
            }
        }
        if let bias = fields.logitBias, !bias.isEmpty {
            throw .invalid("logit_bias is not supported by imprint serve.", param: "logit_bias")
        }
        // Without a seed, every request samples differently (as OpenAI's API); with one, reproducibly.
        let seed = fields.seed.map { UInt64(bitPattern: $0) } ?? UInt64.random(in: .min ... .max)
        let parameters = SamplingParameters(maxTokens: maxTokens, temperature: fields.temperature ?? 1, topP: fields.topP ?? 1,
                                            topK: fields.topK ?? 0, minP: fields.minP ?? 0, stop: stop, seed: seed)
        do {
            try parameters.validate()
        } catch let error as InvalidSamplingParameter {
            throw APIError(error)
        } catch {
            throw .invalid("\(error)")
        }
        self.init(parameters: parameters, n: n, stream: fields.stream ?? false,
                  includeUsage: fields.streamOptions?.includeUsage ?? false, ignoreEndOfSequence: fields.ignoreEOS ?? false)
    }
}
