/// How text is sampled: the knobs every generator (local model or remote server) understands.
public struct SamplingParameters: Codable, Hashable, Sendable {
    /// Largest number of new tokens.
    public var maxTokens: Int
    /// Softmax temperature; 0 means greedy decoding.
    public var temperature: Double
    /// Nucleus sampling: keep the smallest set of tokens whose probability reaches `topP` (1 = off).
    public var topP: Double
    /// Keep the `topK` most likely tokens (0 = off).
    public var topK: Int
    /// Drop tokens whose probability is below `minP` times the most likely one (0 = off).
    public var minP: Double
    /// Generation stops when one of these strings appears; it is not part of the completion.
    public var stop: [String]
    /// Seed of the sampler; the same seed gives the same completions.
    public var seed: UInt64?

    public init(maxTokens: Int = 256, temperature: Double = 1.0, topP: Double = 1.0, topK: Int = 0,
                minP: Double = 0, stop: [String] = [], seed: UInt64? = nil) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.minP = minP
        self.stop = stop
        self.seed = seed
    }

    /// Greedy decoding of at most `maxTokens` tokens.
    public static func greedy(maxTokens: Int = 256) -> SamplingParameters {
        SamplingParameters(maxTokens: maxTokens, temperature: 0)
    }
}

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
    func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [String]
}
