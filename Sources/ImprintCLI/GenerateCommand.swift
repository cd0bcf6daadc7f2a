import ArgumentParser
import Foundation
import Imprint

/// `imprint generate`: completions for JSONL prompts, generated as one batch with a KV cache.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Complete prompts: JSONL {\"prompt\": ...} (raw) or {\"messages\": [...]} (chat template) in, {\"completion\", \"tokens\"} out.")

    @OptionGroup var modelOptions: ModelOptions

    @Flag(name: .long, help: "Read and write one JSON value per line (required).")
    var jsonl = false

    @Option(name: .long, help: "Largest number of new tokens.")
    var maxTokens = 256

    @Option(name: .long, help: "Sampling temperature; 0 is greedy decoding.")
    var temperature = 0.0

    @Option(name: .long, help: "Nucleus sampling threshold (1 = off).")
    var topP = 1.0

    @Option(name: .long, help: "Keep only the K most likely tokens (0 = off).")
    var topK = 0

    @Flag(name: .long, help: "Mixed precision: weights in bfloat16 with float32 sums (faster on CPUs with AMX; not bit-equal to float32).")
    var bf16 = false

    @Option(name: .long, help: "Seed of the sampler; the same seed gives the same completions.")
    var seed: UInt64 = 0

    func validate() throws {
        guard jsonl else { throw ValidationError("imprint generate reads JSONL; pass --jsonl") }
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be positive") }
        guard temperature >= 0, topP > 0, topP <= 1, topK >= 0 else { throw ValidationError("invalid sampling parameters") }
    }

    struct Request: Decodable {
        let prompt: String?
        let messages: [ChatMessage]?
    }

    struct Response: Encodable {
        let completion: String
        let tokens: [Int]
    }

    func run() throws {
        var prompts: [GenerationPrompt] = []
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let request = try? JSONDecoder().decode(Request.self, from: Data(line.utf8)) else {
                throw ValidationError("stdin line \(lineNumber): expected {\"prompt\": string} or {\"messages\": [{\"role\", \"content\"}]}")
            }
            if let messages = request.messages {
                prompts.append(.messages(messages))
            } else if let prompt = request.prompt {
                prompts.append(.text(prompt))
            } else {
                throw ValidationError("stdin line \(lineNumber): needs \"prompt\" or \"messages\"")
            }
        }
        guard !prompts.isEmpty else { return }
        let model = try modelOptions.loadModel(keepQuantized: true)
        if bf16 { model.useBFloat16FrozenWeights() }
        let generator = LocalTextGenerator(model: model, tokenizer: try PretrainedTokenizer.load(modelPath: modelOptions.modelPath))
        let parameters = SamplingParameters(maxTokens: maxTokens, temperature: temperature, topP: topP, topK: topK, seed: seed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        for (text, sequence) in try generator.generateSequences(prompts, parameters: parameters) {
            print(String(decoding: try encoder.encode(Response(completion: text, tokens: sequence.tokens)), as: UTF8.self))
        }
    }
}
