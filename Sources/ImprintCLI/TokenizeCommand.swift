import ArgumentParser
import Foundation
import ImprintTokenizer

/// `imprint tokenize --model PATH [--no-special-tokens] --jsonl`: JSON strings in, JSON arrays of token ids out.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode JSON strings (one per line) into JSON arrays of token ids, as HF `encode` does.")

    @Option(help: "A GGUF file or a Hugging Face directory with tokenizer.json.")
    var model: String

    @Flag(help: "Do not add the special tokens (BOS/EOS) the tokenizer adds by default.")
    var noSpecialTokens = false

    @Flag(help: "Read and write one JSON value per line (required).")
    var jsonl = false

    func validate() throws {
        guard jsonl else { throw ValidationError("--jsonl is required: input is one JSON string per line") }
    }

    func run() throws {
        let tokenizer = try TokenizerJSONLines.loadTokenizer(model)
        try TokenizerJSONLines.process { value, lineNumber in
            guard case .string(let text) = value else { throw TokenizerJSONLines.LineError(lineNumber, "expected a JSON string") }
            let ids = tokenizer.encode(text, addSpecialTokens: !noSpecialTokens)
            return "[" + ids.map(String.init).joined(separator: ", ") + "]"
        }
    }
}
