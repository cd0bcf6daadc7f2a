import ArgumentParser
import Foundation
import Imprint

/// `imprint convert`: any supported model to a Hugging Face directory that `transformers` loads.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a model (GGUF or HF directory) as an HF directory: config, safetensors, tokenizer, chat template.")

    @Option(name: .long, help: "A GGUF file or Hugging Face model directory (default: the default model).")
    var model: String?

    @Option(name: .long, help: "The directory to write (replaced atomically if it exists).")
    var output: String

    @Option(name: .long, help: "Weight type: f32, f16 or bf16.")
    var dtype: String = "f32"

    func validate() throws {
        guard HuggingFaceExporter.DataType(rawValue: dtype) != nil else { throw ValidationError("--dtype must be f32, f16 or bf16") }
    }

    func run() throws {
        let path = ModelOptions(model: model, adapter: nil).modelPath
        let source = try ModelLoader.source(of: path)
        let loaded = try ModelLoader.load(path: path)
        try HuggingFaceExporter.export(loaded, tokenizerSource: source, to: URL(fileURLWithPath: output),
                                       dataType: HuggingFaceExporter.DataType(rawValue: dtype)!)
    }
}
