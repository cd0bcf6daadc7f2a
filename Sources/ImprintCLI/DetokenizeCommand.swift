import ArgumentParser
import Foundation
import ImprintTokenizer

/// `imprint detokenize --model PATH [--skip-special-tokens] --jsonl`: JSON arrays of ids in, JSON strings out.
struct DetokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detokenize",
        abstract: "Decode JSON arrays of token ids (one per line) into JSON strings, as HF `decode` does.")

    @Option(help: "A GGUF file or a Hugging Face directory with tokenizer.json.")
    var model: String

    @Flag(help: "Drop special tokens (BOS, EOS, <|im_start|>, ...) from the text.")
    var skipSpecialTokens = false

    @Flag(help: "Read and write one JSON value per line (required).")
    var jsonl = false

    func validate() throws {
        guard jsonl else { throw ValidationError("--jsonl is required: input is one JSON array of ids per line") }
    }

    func run() throws {
        let tokenizer = try TokenizerJSONLines.loadTokenizer(model)
        try TokenizerJSONLines.process { value, lineNumber in
            guard case .array(let elements) = value else { throw TokenizerJSONLines.LineError(lineNumber, "expected a JSON array of token ids") }
            let ids = try elements.map { element -> Int in
                guard case .int(let id) = element, id >= 0, id < tokenizer.vocabularySize else {
                    throw TokenizerJSONLines.LineError(lineNumber, "\(element.pythonRepresentation) is not a token id below \(tokenizer.vocabularySize)")
                }
                return id
            }
            return try TokenizerJSONLines.jsonString(tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens))
        }
    }
}
