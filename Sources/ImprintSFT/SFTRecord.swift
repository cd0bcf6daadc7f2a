import Foundation
import ImprintCore

/// One training example in one of the shapes TRL's `SFTTrainer` accepts (plus the story experiment's
/// `conversations` rows, which are `messages` under another key).
///
/// | JSON row | case | loss by default |
/// |---|---|---|
/// | `{"text": "..."}` | `text` | every token |
/// | `{"prompt": "...", "completion": "..."}` | `promptCompletion` | completion tokens |
/// | `{"messages": [{role, content}, ...]}` or `{"conversations": [...]}` | `conversation` | assistant tokens |
/// | `{"prompt": [msgs], "completion": [msgs]}` | `conversationalPromptCompletion` | completion tokens |
public enum SFTRecord: Equatable, Sendable {
    /// Plain language-modelling text.
    case text(String)
    /// A raw prompt and its completion.
    case promptCompletion(prompt: String, completion: String)
    /// A chat; the assistant turns are the completion.
    case conversation([ChatMessage])
    /// Chat messages that prompt, then the assistant messages that complete them.
    case conversationalPromptCompletion(prompt: [ChatMessage], completion: [ChatMessage])

    /// Reads a row; `nil` with the reason when it has none of the accepted shapes.
    static func parse(_ object: [String: Any]) -> Result<SFTRecord, SFTDataError.Reason> {
        if let text = object["text"] {
            guard let text = text as? String else { return .failure(.wrongType(key: "text", expected: "a string")) }
            return .success(.text(text))
        }
        for key in ["messages", "conversations"] where object[key] != nil {
            return messages(object[key], key: key).map(SFTRecord.conversation)
        }
        guard let prompt = object["prompt"], let completion = object["completion"] else {
            return .failure(.unknownShape(keys: object.keys.sorted()))
        }
        if let prompt = prompt as? String {
            guard let completion = completion as? String else {
                return .failure(.wrongType(key: "completion", expected: "a string, as the prompt is a string"))
            }
            return .success(.promptCompletion(prompt: prompt, completion: completion))
        }
        switch (messages(prompt, key: "prompt"), messages(completion, key: "completion")) {
        case (.success(let prompt), .success(let completion)):
            return .success(.conversationalPromptCompletion(prompt: prompt, completion: completion))
        case (.failure(let reason), _), (_, .failure(let reason)):
            return .failure(reason)
        }
    }

    private static func messages(_ value: Any?, key: String) -> Result<[ChatMessage], SFTDataError.Reason> {
        guard let list = value as? [Any], !list.isEmpty else {
            return .failure(.wrongType(key: key, expected: "a non-empty array of {\"role\", \"content\"} messages"))
        }
        var messages: [ChatMessage] = []
        for (index, item) in list.enumerated() {
            guard let fields = item as? [String: Any], let role = fields["role"] as? String,
                  let content = fields["content"] as? String else {
                return .failure(.wrongType(key: "\(key)[\(index)]", expected: "{\"role\": string, \"content\": string}"))
            }
            messages.append(ChatMessage(role: role, content: content))
        }
        return .success(messages)
    }
}
