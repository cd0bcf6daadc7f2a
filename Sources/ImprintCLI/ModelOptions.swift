import ArgumentParser
import Foundation
import Imprint

/// `--model PATH` (GGUF file or HF directory; default: the embedded default model) and `--adapter DIR`.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A GGUF file or Hugging Face model directory (default: the default model, SmolLM2-135M-Instruct).")
    var model: String?

    @Option(name: .long, help: "A PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors).")
    var adapter: String?

    init() {}

    init(model: String?, adapter: String?) {
        self.model = model
        self.adapter = adapter
    }

    /// The model path: `--model`, else `IMPRINT_DEFAULT_MODEL`, else the cache path of scripts/fetch-default-model.sh.
    var modelPath: String {
        if let model { return model }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["IMPRINT_DEFAULT_MODEL"] { return path }
        let cache = environment["IMPRINT_CACHE"] ?? NSHomeDirectory() + "/.cache/imprint"
        return cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    }

    /// Loads the model (and the adapter, when given); `keepQuantized` keeps a GGUF's Q8_0/Q4_x matrices quantized.
    func loadModel(keepQuantized: Bool = false) throws -> TransformerDecoder {
        let path = modelPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("model not found at \(path); pass --model or run scripts/fetch-default-model.sh")
        }
        let model = try ModelLoader.load(path: path, keepQuantized: keepQuantized)
        if let adapter { try LoRA.load(from: URL(fileURLWithPath: adapter), into: model) }
        return model
    }
}

/// Standard error output for diagnostics.
var standardError = FileHandle.standardError

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) { write(Data(string.utf8)) }
}
