import Foundation
import ImprintCore
import ImprintEval
import ImprintFormats
import ImprintGRPO
import ImprintModel
import ImprintSFT
import ImprintServerRequests
import ImprintTensor
import ImprintTokenizer
import ImprintTraining

/// The readers of untrusted input that the fuzzer drives, one input at a time. `run` must return normally for
/// every input: a malformed one is a thrown error (caught here), never a crash, a hang or a huge allocation.
///
/// `imprint-fuzz` (built with `-sanitize=fuzzer,address`, see `scripts/fuzz.sh`) calls `run` from libFuzzer;
/// `ImprintFuzzTests` replays the committed corpus and every input that ever crashed through the same function.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A GGUF file: header, metadata, tensor table, its tokenizer, and the first tensor's values.
    case gguf
    /// A safetensors file: header and every tensor's values.
    case safetensors
    /// A `.npy` array.
    case npy
    /// A `tokenizer.json`, then an encode and a decode with it.
    case tokenizerJSON = "tokenizer-json"
    /// A chat template, rendered with a short conversation.
    case jinja
    /// The chat templates' JSON parser (the CLI's JSONL messages).
    case json
    /// A dataset file for SFT, GRPO and `DataRows` (JSONL).
    case jsonl
    /// A PEFT `adapter_config.json`, loaded against a tiny model.
    case peftConfig = "peft-config"
    /// A training checkpoint's files: `trainer_state.json` configurations and `optimizer.safetensors` moments.
    case checkpoint
    /// An evaluation file (`EvaluationDataset`: rows, seed 000's QA pairs, seed 003's rephrasing rows,
    /// conversations), read as JSONL and as a JSON array, then sampled and filtered as `imprint eval` does.
    case evalData = "eval-data"
    /// A request body of `imprint serve`, decoded and checked as the server does before any model sees it
    /// (`ImprintServerRequests`, the server's default limits). The first byte picks the endpoint, modulo 3 (so the
    /// digits `0`, `1`, `2` pick them in this order): `/v1/chat/completions`, `/v1/completions`, `/v1/rewards`; the rest
    /// is the body.
    case serveRequest = "serve-request"

    /// Runs one input; every error the readers throw is an expected outcome.
    public func run(_ data: Data) {
        do {
            try body(data)
        } catch {
            _ = "\(error)"  // describing an error must not crash either
        }
    }

    private func body(_ data: Data) throws {
        switch self {
        case .gguf:
            let file = try GGUFFile(contentsOf: try Scratch.write(data, name: "input.gguf"))
            if let tensor = file.tensors.first, tensor.elementCount <= 1 << 20 { _ = try file.dequantize(tensor) }
            let tokenizer = try PretrainedTokenizer(gguf: file)
            _ = tokenizer.decode(tokenizer.encode("Hello, wörld! 123", addSpecialTokens: true), skipSpecialTokens: false)
        case .safetensors:
            let file = try SafetensorsFile(contentsOf: try Scratch.write(data, name: "input.safetensors"))
            for name in file.tensorNames where (try file.info(name)).elementCount <= 1 << 20 { _ = try? file.floats(name) }
        case .npy:
            try data.withUnsafeBytes { _ = try NPY.decode($0, path: "input.npy") }
        case .tokenizerJSON:
            let tokenizer = try PretrainedTokenizer(tokenizerJSON: data)
            _ = tokenizer.decode(tokenizer.encode("Hello, wörld! 123 \u{1F600}", addSpecialTokens: true), skipSpecialTokens: true)
        case .jinja:
            let template = try ChatTemplate(String(decoding: data, as: UTF8.self))
            let messages: [JinjaValue] = [Self.message("system", "Be brief."), Self.message("user", "Hi"),
                                          Self.message("assistant", "Hello"), Self.message("user", "Bye")]
            _ = try template.render(messages: messages, addGenerationPrompt: true,
                                    variables: ["bos_token": .string("<s>"), "eos_token": .string("</s>")],
                                    now: Date(timeIntervalSince1970: 0), timeZone: TimeZone(identifier: "UTC")!)
        case .json:
            _ = try JinjaJSON.parse(String(decoding: data, as: UTF8.self))
        case .jsonl:
            let url = try Scratch.write(data, name: "input.jsonl")
            _ = try? DataRows.read(path: url.path)
            _ = try? SFTDataset(path: url.path)
            _ = try GRPODataset(path: url.path)
        case .peftConfig:
            let directory = try Scratch.directory("adapter")
            try data.write(to: directory.appendingPathComponent("adapter_config.json"))
            _ = try LoRA.load(from: directory, into: try Scratch.tinyModel())
        case .checkpoint:
            let url = try Scratch.write(data, name: "trainer_state.json")
            _ = try? TrainingFiles.readJSON(GRPOConfiguration.self, from: url)
            _ = try? TrainingFiles.readJSON(SFTConfiguration.self, from: url)
            let optimizer = AdamW(parameters: [Tensor.zeros([4, 8]), Tensor.zeros([8])])
            let moments = try Scratch.write(data, name: TrainingCheckpoint.optimizerFileName)
            try TrainingCheckpoint.loadOptimizer(from: moments.deletingLastPathComponent(), into: optimizer, step: 1)
        case .evalData:
            for name in ["input.jsonl", "input.json"] {
                guard let dataset = try? EvaluationDataset(path: try Scratch.write(data, name: name).path) else { continue }
                _ = dataset.sampling(facts: 3, seed: 1).keepingPhrasings(["rephrased_3", "rephrased_6"]).prefix(5)
            }
        case .serveRequest:
            guard let endpoint = data.first else { return }
            let body = data.dropFirst()
            let limits = RequestLimits()
            switch endpoint % 3 {
            case 0: _ = try ChatCompletionRequest.decode(body, limits: limits).prompt
            case 1: _ = try CompletionRequest.decode(body, limits: limits).prompt.count
            default: _ = try RewardRequest.decode(body, limits: limits).specifications.map(\.needsJudge)
            }
        }
    }

    private static func message(_ role: String, _ content: String) -> JinjaValue {
        .object(OrderedDictionary([("role", .string(role)), ("content", .string(content))]))
    }
}

/// Files the readers that only take paths are fed through: one scratch folder per process.
enum Scratch {
    static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func write(_ data: Data, name: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    static func directory(_ name: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A fresh tiny Llama (2 layers, hidden 16) with zero weights, for adapters to attach to.
    static func tinyModel() throws -> TransformerDecoder {
        let directory = try Scratch.directory("tiny-model")
        try Data(tinyConfiguration.utf8).write(to: directory.appendingPathComponent("config.json"))
        return TransformerDecoder(configuration: try HuggingFaceModelLoader.configuration(directory: directory))
    }

    static let tinyConfiguration = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 16, "intermediate_size": 32,
         "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8, "num_hidden_layers": 2, "vocab_size": 32,
         "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": true,
         "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu"}
        """
}
