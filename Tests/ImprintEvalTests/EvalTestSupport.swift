import Foundation
import ImprintCore
import ImprintEval
import XCTest

/// A `TextGenerator` that answers from a function of the prompt's text and records the size of every call, for
/// judges and evaluators without a model.
final class ScriptedGenerator: TextGenerator, @unchecked Sendable {
    let identity: String
    private let reply: @Sendable (String) throws -> String
    private let lock = NSLock()
    private var sizes: [Int] = []
    private var texts: [String] = []

    /// A prompt's token count as this generator reports it (`promptTokenCount`); nil: it cannot tell.
    private let tokenCount: (@Sendable (String) -> Int)?

    init(identity: String = "scripted", tokenCount: (@Sendable (String) -> Int)? = nil,
         reply: @escaping @Sendable (String) throws -> String) {
        self.identity = identity
        self.tokenCount = tokenCount
        self.reply = reply
    }

    func promptTokenCount(_ prompt: GenerationPrompt) -> Int? {
        tokenCount.map { $0(Self.text(of: prompt)) }
    }

    /// The number of prompts of each call, in order.
    var callSizes: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return sizes
    }

    /// Every prompt's text, in the order asked.
    var prompts: [String] {
        lock.lock()
        defer { lock.unlock() }
        return texts
    }

    private func record(_ prompts: [GenerationPrompt]) {
        lock.lock()
        defer { lock.unlock() }
        sizes.append(prompts.count)
        texts += prompts.map(Self.text(of:))
    }

    func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [Completion] {
        record(prompts)
        return try prompts.map { Completion(text: try reply(Self.text(of: $0)), finishReason: .stop) }
    }

    /// A prompt's text: raw text, or its messages' contents joined by newlines.
    static func text(of prompt: GenerationPrompt) -> String {
        switch prompt {
        case .text(let text): return text
        case .messages(let messages): return messages.map(\.content).joined(separator: "\n")
        }
    }
}

enum EvalFixtures {
    /// A fresh empty folder under the temporary directory.
    static func scratchDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-eval-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to `name` in a scratch folder and returns its path.
    static func file(_ name: String, _ text: String) throws -> String {
        let url = try scratchDirectory("data").appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Facts with a trained phrasing (`question`) and two held-out ones, `count` of them: `fact k` answered `answer k`.
    static func phrasingRows(facts count: Int) -> [EvaluationRow] {
        (0..<count).flatMap { index in
            (["question", "rephrased_3", "rephrased_6"] as [String]).map { phrasing in
                EvaluationRow(question: "Q\(index) as \(phrasing)?", answer: "answer \(index)", fact: "Fact \(index) is answer \(index).",
                              factID: "\(index)", phrasingID: phrasing)
            }
        }
    }

    /// A record of `row` with `verdict` (the answer is the reference when correct).
    static func record(_ index: Int, _ row: EvaluationRow, _ verdict: Verdict, heldOut: Set<String> = ["rephrased_3", "rephrased_6"]) -> AnswerRecord {
        AnswerRecord(index: index, row: row, heldOut: row.phrasingID.map(heldOut.contains),
                     completion: Completion(text: verdict == .correct ? row.answer : "something else", finishReason: .stop),
                     judgment: Judgment(verdict: verdict, rawOutput: verdict.rawValue))
    }

    /// The tiny Llama of the SFT tests (vocabulary 196, hidden 64, 2 layers; byte-level tokenizer, SmolLM2's template).
    static let tinyModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImprintSFTTests/Fixtures/tiny").path
    /// The tiny Llama of the model tests, block-quantized (Q8_0) in a GGUF file, without a tokenizer.
    static let tinyQuantizedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImprintModelTests/Fixtures/llama/llama-q8_0.gguf").path
}
