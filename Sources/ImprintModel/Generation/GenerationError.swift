import Foundation

/// A generation request the model cannot serve.
public enum GenerationError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The prompt leaves no position of the model's context for a new token (vLLM and llama.cpp
    /// refuse such prompts too).
    case promptTooLong(promptIndex: Int, promptTokens: Int, contextLength: Int)

    public var description: String {
        switch self {
        case let .promptTooLong(index, promptTokens, contextLength):
            return "prompt \(index) has \(promptTokens) tokens, but the model's context length is \(contextLength) "
                + "tokens (prompt and completion together); a prompt may have at most \(contextLength - 1) tokens"
        }
    }

    public var errorDescription: String? { description }
}
