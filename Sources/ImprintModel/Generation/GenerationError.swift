import Foundation

/// A generation request the model cannot serve.
public enum GenerationError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The prompt leaves no position of the model's context for a new token (vLLM and llama.cpp
    /// refuse such prompts too).
    case promptTooLong(promptIndex: Int, promptTokens: Int, contextLength: Int)
    /// The prompt has no tokens (an empty text with a tokenizer that adds no BOS); vLLM refuses
    /// empty prompts too.
    case emptyPrompt(promptIndex: Int)
    /// A prompt token is not a row of the model's embedding table (a tokenizer larger than the model).
    case tokenOutOfRange(promptIndex: Int, token: Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case let .promptTooLong(index, promptTokens, contextLength):
            return "prompt \(index) has \(promptTokens) tokens, but the model's context length is \(contextLength) "
                + "tokens (prompt and completion together); a prompt may have at most \(contextLength - 1) tokens"
        case let .emptyPrompt(index):
            return "prompt \(index) has no tokens; a prompt needs at least one"
        case let .tokenOutOfRange(index, token, vocabularySize):
            return "prompt \(index) has token id \(token), but the model's vocabulary has \(vocabularySize) tokens "
                + "(ids 0..<\(vocabularySize)); the tokenizer does not belong to this model"
        }
    }

    public var errorDescription: String? { description }
}
