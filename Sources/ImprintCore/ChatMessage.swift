/// One message of a conversation, as chat templates and OpenAI-compatible servers see it.
///
/// Mirrors the `{"role": ..., "content": ...}` dictionaries that `transformers.apply_chat_template` takes.
public struct ChatMessage: Codable, Hashable, Sendable {
    /// `"system"`, `"user"`, `"assistant"` or `"tool"`.
    public var role: String
    /// The message text.
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}
