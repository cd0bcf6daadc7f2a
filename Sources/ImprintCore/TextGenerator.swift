/// What a text generator is asked: a raw prompt, or messages to which the chat template is applied.
public enum GenerationPrompt: Hashable, Sendable {
    case text(String)
    case messages([ChatMessage])
}

/// Anything that turns prompts into completions: a local model, a vLLM or llama.cpp server, an API.
///
/// Rewards, judges, evaluation and data generation take a `TextGenerator`, so local models and
/// remote servers are interchangeable.
public protocol TextGenerator: Sendable {
    /// One completion per prompt, in order.
    ///
    /// - Throws: `InvalidSamplingParameter` for parameters out of range; a generator's own errors
    ///   (a prompt longer than the model's context, an unreachable server).
    func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [Completion]
}
