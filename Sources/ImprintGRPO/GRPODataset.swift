import Foundation
import ImprintCore
import ImprintRewards

/// One prompt of a GRPO dataset with the columns its rewards read (TRL passes every column but `prompt` to the reward
/// functions as keyword arguments).
public struct GRPOExample: Sendable, Equatable {
    /// The prompt: raw text, or messages the chat template renders with the generation prompt.
    public var prompt: GenerationPrompt
    /// Every other column, as text (numbers as written in the file).
    public var columns: [String: String]
    /// The 1-based line (JSONL) or item (JSON array) it came from.
    public var line: Int

    public init(prompt: GenerationPrompt, columns: [String: String] = [:], line: Int = 0) {
        self.prompt = prompt
        self.columns = columns
        self.line = line
    }

    /// The columns as the fields rewards read (`RewardSample(columns:)`).
    public var rewardSample: RewardSample { RewardSample(columns: columns) }
}

/// The prompts of a GRPO run, in TRL's prompt-only shapes, and the seeds' files as they are:
///
/// | JSON row | prompt | reward columns |
/// |---|---|---|
/// | `{"prompt": "text", ...}` | raw text | every other key |
/// | `{"prompt": [messages], ...}` | messages (chat template applied) | every other key |
/// | `{"conversations" or "messages": [..., {"role": "assistant", ...}]}` (seed 000's `rl_data.json`) | the messages before the last assistant one | `reference` = the assistant's content, plus every other key |
///
/// Files are JSONL or a `.json` array of rows.
public struct GRPODataset: Sendable {
    public var examples: [GRPOExample]
    public var file: String

    public init(examples: [GRPOExample]) {
        self.examples = examples
        file = "(memory)"
    }

    /// Reads `path`.
    /// - Throws: `DataFileError` naming the file and the line of the first unusable row.
    public init(path: String) throws {
        file = path
        examples = try DataRows.read(path: path).map { row in
            do {
                return try Self.example(row.fields, line: row.line)
            } catch let reason as Reason {
                throw DataFileError(path: path, line: row.line, reason: reason.text)
            }
        }
    }

    private struct Reason: Error { let text: String }

    static func example(_ fields: [String: Any], line: Int) throws -> GRPOExample {
        var columns: [String: String] = [:]
        for (key, value) in fields where !["prompt", "messages", "conversations"].contains(key) {
            columns[key] = try text(value, key: key)
        }
        if let prompt = fields["prompt"] {
            if let text = prompt as? String { return GRPOExample(prompt: .text(text), columns: columns, line: line) }
            guard let messages = DataRows.messages(prompt) else {
                throw Reason(text: "'prompt' must be a string or a non-empty array of {\"role\": string, \"content\": string} messages")
            }
            return GRPOExample(prompt: .messages(messages), columns: columns, line: line)
        }
        for key in ["conversations", "messages"] where fields[key] != nil {
            guard var messages = DataRows.messages(fields[key]) else {
                throw Reason(text: "'\(key)' must be a non-empty array of {\"role\": string, \"content\": string} messages")
            }
            if messages.last?.role == "assistant" {
                let answer = messages.removeLast()
                if columns["reference"] == nil { columns["reference"] = answer.content }
            }
            guard !messages.isEmpty else { throw Reason(text: "'\(key)' has no message before the assistant's answer") }
            return GRPOExample(prompt: .messages(messages), columns: columns, line: line)
        }
        throw Reason(text: "expected 'prompt' (a string or messages), or 'conversations' / 'messages'; found keys \(fields.keys.sorted())")
    }

    /// A column value as text (`DataRows.text`).
    private static func text(_ value: Any, key: String) throws -> String {
        guard let text = DataRows.text(value) else { throw Reason(text: "column '\(key)' cannot be read as text") }
        return text
    }
}
