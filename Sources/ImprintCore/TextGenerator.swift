/// What a text generator is asked: a raw prompt, or messages to which the chat template is applied.
public enum GenerationPrompt: Hashable, Sendable {
    case text(String)
    case messages([ChatMessage])
}

/// Anything that turns prompts into completions: a local model, a vLLM or llama.cpp server, an API.
///
/// Rewards, judges, evaluation and data generation take a `TextGenerator`, so local models and
/// remote servers are interchangeable. A simple conformer implements one method,
/// `generate(_:parameters:)`; the others have defaults built on it.
public protocol TextGenerator: Sendable {
    /// Who generates: a stable, human-readable name (model path and adapter, or server URL and model
    /// name; never a secret). Judge caches key on it, and reports print it.
    var identity: String { get }

    /// One completion per prompt, in order.
    ///
    /// - Throws: `InvalidSamplingParameter` for parameters out of range; a generator's own errors
    ///   (a prompt longer than the model's context, an unreachable server).
    func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [Completion]

    /// `count` completions of every prompt (OpenAI's `n`), prompt by prompt and in order.
    ///
    /// The default asks `generate(_:parameters:)` `count` times, the k-th time with the seed
    /// `seed + k` when a seed is set, so a seeded request still gives `count` different samples.
    /// A generator that can share a prompt's prefill between its completions overrides it.
    func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters, count: Int) async throws -> [[Completion]]

    /// How many tokens `prompt` is to this generator, or nil where it cannot tell (the default: a remote server).
    /// Callers that split many prompts into calls (evaluation) order them by it, so a local model's groups pad little.
    func promptTokenCount(_ prompt: GenerationPrompt) -> Int?
}

extension TextGenerator {
    public var identity: String { String(describing: type(of: self)) }

    public func promptTokenCount(_ prompt: GenerationPrompt) -> Int? { nil }

    public func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters, count: Int) async throws -> [[Completion]] {
        precondition(count >= 1, "count must be at least 1")
        var byPrompt = Array(repeating: [Completion](), count: prompts.count)
        for k in 0..<count {
            var round = parameters
            if let seed = parameters.seed { round.seed = seed &+ UInt64(k) }
            let completions = try await generate(prompts, parameters: round)
            for (index, completion) in completions.enumerated() { byPrompt[index].append(completion) }
        }
        return byPrompt
    }
}
