import ArgumentParser
import Foundation
import Imprint

/// `imprint logits`: the logits at every position of a token sequence, as a float32 `.npy` `[T, vocab]`.
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Write the logits of every position of --tokens to a float32 .npy file of shape [T, vocab].")

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "Comma-separated token ids, e.g. 1,2,3.")
    var tokens: String

    @Option(name: .long, help: "The .npy file to write.")
    var output: String

    @Option(name: .long, help: decodeOptionHelp)
    var decode: DecodingPrecision = .float32

    func validate() throws {
        guard !parsedTokens.isEmpty, parsedTokens.count == tokens.split(separator: ",").count else {
            throw ValidationError("--tokens must be comma-separated non-negative integers, got '\(tokens)'")
        }
    }

    var parsedTokens: [Int] {
        tokens.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 >= 0 }
    }

    func run() throws {
        let model = try modelOptions.loadModel(decoding: decode)
        let ids = parsedTokens
        let vocabulary = model.configuration.vocabularySize
        if let bad = ids.first(where: { $0 >= vocabulary }) {
            throw ValidationError("token id \(bad) is out of range for a vocabulary of \(vocabulary)")
        }
        let logits = withoutGradients { model(TokenBatch(ids)) }
        try NPY.write(logits.scalars, shape: [ids.count, vocabulary], to: URL(fileURLWithPath: output))
    }
}
