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

    /// `modelPath`, when a file or folder is there.
    /// - Throws: `ValidationError` naming the path and how to get the default model.
    func checkedModelPath() throws -> String {
        let path = modelPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("model not found at \(path); pass --model or run scripts/fetch-default-model.sh")
        }
        return path
    }

    /// Loads the model (and the adapter, when given); `keepQuantized` keeps a GGUF's block-quantized matrices
    /// quantized, as `decoding` other than float32 does (`--decode int8`: llama.cpp's int8 activations).
    func loadModel(keepQuantized: Bool = false, decoding: DecodingPrecision = .float32) throws -> TransformerDecoder {
        let path = try checkedModelPath()
        let model = try ModelLoader.load(path: path, keepQuantized: keepQuantized || decoding != .float32)
        if let adapter { try LoRA.load(from: URL(fileURLWithPath: adapter), into: model) }
        if decoding != .float32 {
            do {
                try model.useDecodingPrecision(decoding)
            } catch let error as DecodingPrecisionError {
                throw ValidationError("--decode \(decoding.rawValue): \(path): \(error)")
            }
        }
        reportPrecisionFallback(of: model)
        return model
    }
}

extension DecodingPrecision: ExpressibleByArgument {}

/// The help of `--decode`, shared by `imprint generate`, `logits`, `eval` and `serve`.
let decodeOptionHelp = ArgumentHelp(
    "Products with block-quantized weights: float32 (exact dequantized weights) or int8 (activations quantized to Q8_0/Q8_1 "
        + "blocks as llama.cpp's CPU backend does: its logits on the same file, and 2-3x faster on a CPU with AVX-512 VNNI; "
        + "Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL).",
    valueName: "float32|int8")

/// Standard error output for diagnostics.
var standardError = FileHandle.standardError

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) { write(Data(string.utf8)) }
}

/// Says on stderr, once for the model, which opt-in precision it kept float32 instead of (this CPU would run it slower).
func reportPrecisionFallback(of model: TransformerDecoder) {
    guard let fallback = model.precisionFallback else { return }
    FileHandle.standardError.write(Data("imprint: \(fallback)\n".utf8))
}
