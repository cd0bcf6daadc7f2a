/// Why a completion ended, with the names of OpenAI's and vLLM's `finish_reason`.
public enum FinishReason: String, Codable, Hashable, Sendable {
    /// An end-of-sequence token or a stop string ended it.
    case stop
    /// It reached `maxTokens`, or the model's context length (prompt + completion = context).
    case length
}

/// One completion of a prompt: its text, its tokens, why it ended and how many tokens it took.
///
/// What GRPO, evaluation and the command line need from any `TextGenerator`; the fields match
/// an OpenAI-compatible server's `choices[i].text`, `finish_reason` and `usage`.
public struct Completion: Codable, Hashable, Sendable {
    /// The generated text, cut before the first stop string, special tokens left out.
    public var text: String
    /// The generated token ids, the end-of-sequence token included when there is one (vLLM's
    /// `CompletionOutput.token_ids`); empty when a remote generator does not report them.
    public var tokenIds: [Int]
    public var finishReason: FinishReason
    /// Tokens in the prompt as the model saw it (chat template applied).
    public var promptTokenCount: Int
    /// Tokens generated, `tokenIds.count` when the ids are known.
    public var completionTokenCount: Int
    /// `log p(token)` of each generated token under the sampling distribution, where the generator
    /// reports them (a local model always; a server when asked for `logprobs`); nil otherwise.
    public var logProbabilities: [Float]?

    /// A completion; `completionTokenCount` defaults to `tokenIds.count`.
    public init(text: String, tokenIds: [Int] = [], finishReason: FinishReason, promptTokenCount: Int = 0,
                completionTokenCount: Int? = nil, logProbabilities: [Float]? = nil) {
        self.text = text
        self.tokenIds = tokenIds
        self.finishReason = finishReason
        self.promptTokenCount = promptTokenCount
        self.completionTokenCount = completionTokenCount ?? tokenIds.count
        self.logProbabilities = logProbabilities
    }
}
