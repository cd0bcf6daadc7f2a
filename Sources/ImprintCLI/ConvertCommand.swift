import ArgumentParser
import Foundation
import Imprint

/// `imprint convert`: any supported model, optionally with a LoRA adapter merged in, to a Hugging
/// Face directory that `transformers` loads or a GGUF file that llama.cpp loads.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a model (GGUF or HF directory, with --adapter merged in) as an HF directory or a GGUF file (--output F.gguf).")

    @Option(name: .long, help: "A GGUF file or Hugging Face model directory (default: the default model).")
    var model: String?

    @Option(name: .long, help: "A PEFT LoRA adapter directory to merge into the weights (W += scale · B·A, as PEFT's merge_and_unload).")
    var adapter: String?

    @Option(name: .long, help: "The GGUF file (a name ending in .gguf) or HF directory to write; replaced atomically if it exists.")
    var output: String

    @Option(name: [.customLong("type"), .customLong("dtype")],
            help: "Weight type: f32, f16 or bf16 (HF directory); f32, f16, bf16 or q8_0 (GGUF; norms stay f32).")
    var type: String = "f32"

    var writesGGUF: Bool { output.lowercased().hasSuffix(".gguf") }

    func validate() throws {
        if writesGGUF {
            guard GGUFExporter.DataType(rawValue: type) != nil else { throw ValidationError("--type for a GGUF file must be f32, f16, bf16 or q8_0") }
        } else {
            guard HuggingFaceExporter.DataType(rawValue: type) != nil else {
                throw ValidationError("--type for an HF directory must be f32, f16 or bf16 (q8_0 needs --output F.gguf)")
            }
        }
    }

    func run() throws {
        let options = ModelOptions(model: model, adapter: adapter)
        let path = options.modelPath
        let source = try ModelLoader.source(of: path)
        let loaded = try options.loadModel()
        if adapter != nil { LoRA.mergeAndUnload(loaded) }
        let url = URL(fileURLWithPath: output)
        if writesGGUF {
            try GGUFExporter.export(loaded, tokenizerSource: source, to: url, dataType: GGUFExporter.DataType(rawValue: type)!)
        } else {
            try HuggingFaceExporter.export(loaded, tokenizerSource: source, to: url, dataType: HuggingFaceExporter.DataType(rawValue: type)!)
        }
    }
}
