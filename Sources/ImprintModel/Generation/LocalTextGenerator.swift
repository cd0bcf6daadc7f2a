import Foundation
import ImprintCore
import ImprintTensor
import ImprintTokenizer

/// A `TextGenerator` backed by a local model (plus its tokenizer and any loaded adapter), so
/// rewards, judges, evaluation and data generation can use local models and remote servers
/// interchangeably.
///
/// Raw prompts are encoded as `tokenizer(prompt)` does (special tokens added by the
/// post-processor); messages are rendered with the chat template and `add_generation_prompt`,
/// then encoded without adding special tokens (as `apply_chat_template(tokenize=True)`).
/// Generation stops at the tokenizer's and the model's end-of-sequence ids (finish reason `stop`)
/// or at `maxTokens` or the model's context length (`length`); completions are decoded without
/// special tokens and cut at the first stop string.
///
/// Completions are batch-invariant by default: a prompt gets the same completions alone or among any
/// other prompts (`Generator`'s `batchInvariant`), so re-evaluating a subset of questions reproduces
/// their answers. Sampled completions are seeded by their row in the call, so that holds for greedy
/// decoding, or for the same row.
public final class LocalTextGenerator: TextGenerator, @unchecked Sendable {
    public let model: TransformerDecoder
    public let tokenizer: any Tokenizer
    /// The name judge caches and reports know this generator by: `local:` and the model path (plus
    /// `+adapter:` and its folder when one is attached), or what the creator passed.
    public let identity: String
    /// Generate in groups so that no prompt's completions depend on the others in the call (default true;
    /// false makes one batch of all prompts, which can be faster for many prompts and differs by rounding).
    public var batchInvariant = true
    private let lock = NSLock()

    /// - Parameter identity: how caches and reports name this model; name the weights (and any
    ///   adapter) so two different models never share a name.
    public init(model: TransformerDecoder, tokenizer: any Tokenizer, identity: String = "local model") {
        self.model = model
        self.tokenizer = tokenizer
        self.identity = identity
    }

    /// Loads the model (quantized weights kept quantized) and the tokenizer from one path.
    public convenience init(path: String) throws {
        self.init(model: try ModelLoader.load(path: path, keepQuantized: true),
                  tokenizer: try PretrainedTokenizer.load(modelPath: path), identity: "local:\(path)")
    }

    /// The token ids of a prompt.
    public func encode(_ prompt: GenerationPrompt) throws -> [Int] {
        try Self.encode(prompt, tokenizer: tokenizer)
    }

    /// The length of `encode(prompt)`; nil where the chat template fails (`generate` then reports the error).
    public func promptTokenCount(_ prompt: GenerationPrompt) -> Int? {
        try? encode(prompt).count
    }

    /// The token ids of a prompt under `tokenizer` (shared with `BatchedTextGenerator`).
    static func encode(_ prompt: GenerationPrompt, tokenizer: any Tokenizer) throws -> [Int] {
        switch prompt {
        case .text(let text):
            return tokenizer.encode(text, addSpecialTokens: true)
        case .messages(let messages):
            let rendered = try tokenizer.applyChatTemplate(messages.map { (role: $0.role, content: $0.content) }, addGenerationPrompt: true)
            return tokenizer.encode(rendered, addSpecialTokens: false)
        }
    }

    /// The end-of-sequence ids: the tokenizer's and the model configuration's.
    public var stopTokenIds: Set<Int> { Self.stopTokenIds(model: model, tokenizer: tokenizer) }

    static func stopTokenIds(model: TransformerDecoder, tokenizer: any Tokenizer) -> Set<Int> {
        Set(model.configuration.eosTokenIds + (tokenizer.eosTokenId.map { [$0] } ?? []))
    }

    /// `text` cut before the first of `stops` it contains (the whole text when none).
    static func cut(_ text: String, atFirstOf stops: [String]) -> String {
        guard let cut = stops.compactMap({ text.range(of: $0)?.lowerBound }).min() else { return text }
        return String(text[..<cut])
    }

    /// Completions, one per prompt, generated as one batch, with the sequences behind them (their
    /// log-probabilities and what ended them).
    ///
    /// - Throws: `InvalidSamplingParameter`, `GenerationError.promptTooLong`, or a chat template's error.
    public func generateSequences(_ prompts: [GenerationPrompt], parameters: SamplingParameters,
                                  completionsPerPrompt: Int = 1) throws -> [(completion: Completion, sequence: GeneratedSequence)] {
        let ids = try prompts.map(encode)
        let tokenizer = self.tokenizer
        let decode: ([Int]) -> String = { tokenizer.decode($0, skipSpecialTokens: true) }
        // One generation at a time: the model's KV cache and buffers are not shared between calls,
        // but the machine's cores are.
        lock.lock()
        defer { lock.unlock() }
        let sequences = try Generator(model: model).generate(prompts: ids, parameters: parameters,
                                                             completionsPerPrompt: completionsPerPrompt, stopTokenIds: stopTokenIds,
                                                             decode: parameters.stop.isEmpty ? nil : decode,
                                                             batchInvariant: batchInvariant)
        return sequences.map { sequence in
            let text = Self.cut(decode(sequence.tokens), atFirstOf: parameters.stop)
            let completion = Completion(text: text, tokenIds: sequence.tokens, finishReason: sequence.end.finishReason,
                                        promptTokenCount: ids[sequence.promptIndex].count,
                                        logProbabilities: sequence.logProbabilities)
            return (completion, sequence)
        }
    }

    public func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [Completion] {
        try generateSequences(prompts, parameters: parameters).map(\.completion)
    }

    /// `count` completions per prompt; each prompt is prefilled once and its cache shared by them.
    public func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters, count: Int) async throws -> [[Completion]] {
        precondition(count >= 1, "count must be at least 1")
        let flat = try generateSequences(prompts, parameters: parameters, completionsPerPrompt: count).map(\.completion)
        return (0..<prompts.count).map { Array(flat[($0 * count)..<(($0 + 1) * count)]) }
    }
}
