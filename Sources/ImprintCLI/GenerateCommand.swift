import ArgumentParser
import Foundation
import Imprint

/// `imprint generate`: completions for JSONL prompts, generated as one batch with a KV cache.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Complete prompts: JSONL {\"prompt\": ...} (raw) or {\"messages\": [...]} (chat template) in, completions out.",
        discussion: """
        Each output line is {"completion", "tokens", "finish_reason", "prompt_tokens", "completion_tokens"}, as an \
        OpenAI-compatible server reports them: finish_reason is "stop" (end-of-sequence token) or "length" (--max-tokens \
        or the model's context length reached: prompt and completion together never exceed it). A prompt that fills \
        the context is refused, and so is one that encodes to no tokens.
        """)

    @OptionGroup var modelOptions: ModelOptions

    @Flag(name: .long, help: "Read and write one JSON value per line (required).")
    var jsonl = false

    @Option(name: .long, help: "Largest number of new tokens (>= 1); generation also ends at the model's context length.")
    var maxTokens = 256

    @Option(name: .long, help: "Sampling temperature (>= 0); 0 is greedy decoding.")
    var temperature = 0.0

    @Option(name: .long, help: "Nucleus sampling threshold, in (0, 1] (1 = off).")
    var topP = 1.0

    @Option(name: .long, help: "Keep only the K most likely tokens (>= 0; 0 = off).")
    var topK = 0

    @Option(name: .long, help: "Drop tokens less likely than this fraction of the most likely one, in [0, 1] (0 = off).")
    var minP = 0.0

    @Flag(name: .long, help: "Mixed precision: weights in bfloat16 with float32 sums (faster on CPUs with AMX; not bit-equal to float32).")
    var bf16 = false

    @Option(name: .long, help: decodeOptionHelp)
    var decode: DecodingPrecision = .float32

    @Option(name: .long, help: "Seed of the sampler; the same seed gives the same completions.")
    var seed: UInt64 = 0

    func validate() throws {
        guard jsonl else { throw ValidationError("imprint generate reads JSONL; pass --jsonl") }
        if bf16 && decode != .float32 { throw ValidationError("--bf16 and --decode \(decode.rawValue) cannot be combined") }
        do {
            try parameters.validate()
        } catch let error as InvalidSamplingParameter {
            throw ValidationError(error.description(naming: Self.optionNames[error.parameter] ?? error.parameter.rawValue))
        }
    }

    /// The option that sets each sampling parameter.
    static let optionNames: [InvalidSamplingParameter.Parameter: String] = [
        .maxTokens: "--max-tokens", .temperature: "--temperature", .topP: "--top-p", .topK: "--top-k", .minP: "--min-p",
    ]

    var parameters: SamplingParameters {
        SamplingParameters(maxTokens: maxTokens, temperature: temperature, topP: topP, topK: topK, minP: minP, seed: seed)
    }

    struct Request: Decodable {
        let prompt: String?
        let messages: [ChatMessage]?
    }

    /// One output line; the keys are those of OpenAI's completions API (`finish_reason`, `usage`).
    struct Response: Encodable {
        let completion: String
        let tokens: [Int]
        let finishReason: FinishReason
        let promptTokens: Int
        let completionTokens: Int

        init(_ completion: Completion) {
            self.completion = completion.text
            tokens = completion.tokenIds
            finishReason = completion.finishReason
            promptTokens = completion.promptTokenCount
            completionTokens = completion.completionTokenCount
        }

        enum CodingKeys: String, CodingKey {
            case completion, tokens
            case finishReason = "finish_reason", promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        }
    }

    /// A bad input line: reported as `Error: stdin line N: ...` with exit status 1, as the other commands' data errors
    /// (a usage error's status 64 and usage text are for misused options).
    struct InputError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        init(_ line: Int, _ message: String) { (self.line, self.message) = (line, message) }
        var description: String { "stdin line \(line): \(message)" }
    }

    func run() throws {
        var prompts: [GenerationPrompt] = []
        var promptLines: [Int] = []  // the stdin line of each prompt
        do {
            // Lines that are not UTF-8 are refused, not read as U+FFFD (`StandardInputLines`).
            try StandardInputLines.forEach { line, lineNumber in
                if line.trimmingCharacters(in: .whitespaces).isEmpty { return }
                guard let request = try? JSONDecoder().decode(Request.self, from: Data(line.utf8)) else {
                    throw InputError(lineNumber, "expected {\"prompt\": string} or {\"messages\": [{\"role\", \"content\"}]}")
                }
                if let messages = request.messages {
                    prompts.append(.messages(messages))
                } else if let prompt = request.prompt {
                    prompts.append(.text(prompt))
                } else {
                    throw InputError(lineNumber, "needs \"prompt\" or \"messages\"")
                }
                promptLines.append(lineNumber)
            }
        } catch let error as StandardInputLines.NotUTF8 {
            throw InputError(error.lineNumber, "not UTF-8 text")
        }
        guard !prompts.isEmpty else { return }
        let model = try modelOptions.loadModel(keepQuantized: true, decoding: decode)
        if bf16 {
            model.useBFloat16FrozenWeights()
            reportPrecisionFallback(of: model)
        }
        let generator = LocalTextGenerator(model: model, tokenizer: try PretrainedTokenizer.load(modelPath: modelOptions.modelPath),
                                           identity: "local:\(modelOptions.modelPath)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let completions: [Completion]
        do {
            completions = try generator.generateSequences(prompts, parameters: parameters).map(\.completion)
        } catch GenerationError.promptTooLong(let index, let promptTokens, let contextLength) {
            throw InputError(promptLines[index], "the prompt has \(promptTokens) tokens, but the model's context "
                                  + "length is \(contextLength) (prompt and completion together); at most \(contextLength - 1) fit")
        } catch GenerationError.emptyPrompt(let index) {
            throw InputError(promptLines[index], "the prompt encodes to no tokens; a prompt needs at least one")
        } catch GenerationError.tokenOutOfRange(let index, let token, let vocabularySize) {
            throw InputError(promptLines[index], "token id \(token) is outside the model's \(vocabularySize)-token "
                                  + "vocabulary; the tokenizer does not belong to this model")
        }
        for completion in completions {
            print(String(decoding: try encoder.encode(Response(completion)), as: UTF8.self))
        }
    }
}
