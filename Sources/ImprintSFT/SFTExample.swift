import Foundation
import ImprintCore
import ImprintTokenizer

/// A tokenized training example: token ids and which of them the loss is taken on.
public struct SFTExample: Equatable, Sendable {
    /// The token ids, at most `maxLength` of them.
    public var ids: [Int]
    /// `completionMask[i]` is true when token `i` is a label (TRL's `completion_mask` / `assistant_masks`).
    public var completionMask: [Bool]

    public init(ids: [Int], completionMask: [Bool]) {
        precondition(ids.count == completionMask.count, "SFTExample needs one mask entry per token")
        self.ids = ids
        self.completionMask = completionMask
    }

    /// The labels `transformers` trains on: the id where the mask is set, -100 elsewhere.
    public var labels: [Int] { zip(ids, completionMask).map { $1 ? $0 : -100 } }
}

/// Turns `SFTRecord`s into `SFTExample`s as TRL's `SFTTrainer` prepares its dataset.
///
/// - Text and raw prompt/completion rows get the EOS token appended when they do not end with it.
/// - Prompt/completion rows (raw or conversational) tokenize the prompt (conversational: rendered with
///   `add_generation_prompt=True`) and the whole example; the mask is false on the prompt's tokens, true after.
/// - Conversational `messages` rows are rendered with the chat template; the mask marks the assistant turns
///   (`PretrainedTokenizer.encodeConversation`).
/// - Truncation keeps the first `maxLength` tokens (TRL's `keep_start`).
public struct SFTExampleEncoder {
    public let tokenizer: PretrainedTokenizer
    /// Loss on completion / assistant tokens only; false trains every token.
    public var completionOnlyLoss: Bool
    /// Tokens kept per example.
    public var maxLength: Int

    public init(tokenizer: PretrainedTokenizer, completionOnlyLoss: Bool = true, maxLength: Int = 1024) {
        precondition(maxLength >= 2, "maxLength must be at least 2, got \(maxLength)")
        self.tokenizer = tokenizer
        self.completionOnlyLoss = completionOnlyLoss
        self.maxLength = maxLength
    }

    /// Encodes every row of `dataset`.
    /// - Throws: `SFTDataError` naming the row's line when its template fails or no token is left to train.
    public func encode(_ dataset: SFTDataset) throws -> [SFTExample] {
        try zip(dataset.records, dataset.lines).map { record, line in
            let example: SFTExample
            do {
                example = try encode(record)
            } catch {
                throw SFTDataError(file: dataset.file, line: line, reason: .template(String(describing: error)))
            }
            // The first token is never a target (labels shift left), so a trained token must come after it.
            guard example.completionMask.dropFirst().contains(true) else {
                throw SFTDataError(file: dataset.file, line: line, reason: .noTrainedTokens)
            }
            return example
        }
    }

    /// Encodes one row.
    /// - Throws: the chat template's errors.
    public func encode(_ record: SFTRecord) throws -> SFTExample {
        let (ids, mask): ([Int], [Bool])
        switch record {
        case .text(let text):
            ids = tokenizer.encode(withEOS(text), addSpecialTokens: true)
            mask = [Bool](repeating: true, count: ids.count)
        case .promptCompletion(let prompt, let completion):
            let promptCount = tokenizer.encode(prompt, addSpecialTokens: true).count
            ids = tokenizer.encode(prompt + withEOS(completion), addSpecialTokens: true)
            mask = completionMask(count: ids.count, promptCount: promptCount)
        case .conversationalPromptCompletion(let prompt, let completion):
            let promptText = try tokenizer.applyChatTemplate(messages: prompt.map(\.jinjaValue), addGenerationPrompt: true)
            let text = try tokenizer.applyChatTemplate(messages: (prompt + completion).map(\.jinjaValue), addGenerationPrompt: false)
            let promptCount = tokenizer.encode(promptText, addSpecialTokens: false).count
            ids = tokenizer.encode(text, addSpecialTokens: false)
            mask = completionMask(count: ids.count, promptCount: promptCount)
        case .conversation(let messages):
            if completionOnlyLoss {
                let masked = try tokenizer.encodeConversation(messages.map(\.jinjaValue))
                (ids, mask) = (masked.ids, masked.assistantMask)
            } else {
                let text = try tokenizer.applyChatTemplate(messages: messages.map(\.jinjaValue), addGenerationPrompt: false)
                ids = tokenizer.encode(text, addSpecialTokens: false)
                mask = [Bool](repeating: true, count: ids.count)
            }
        }
        return SFTExample(ids: Array(ids.prefix(maxLength)), completionMask: Array(mask.prefix(maxLength)))
    }

    /// TRL appends `eos_token` to non-conversational text and completions that do not already end with it.
    private func withEOS(_ text: String) -> String {
        guard let eos = tokenizer.eosToken, !text.hasSuffix(eos) else { return text }
        return text + eos
    }

    private func completionMask(count: Int, promptCount: Int) -> [Bool] {
        guard completionOnlyLoss else { return [Bool](repeating: true, count: count) }
        return (0..<count).map { $0 >= promptCount }
    }
}

extension ChatMessage {
    /// The `{"role", "content"}` object a chat template sees.
    var jinjaValue: JinjaValue { .message(role: role, content: content) }
}
