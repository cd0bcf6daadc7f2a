import Foundation
import ImprintCore
import ImprintTokenizer

/// A `TextGenerator` over a `BatchedDecoder`: every call, from any task, joins the one decoding
/// batch, so concurrent callers (a server's requests, a judge's prompts) decode together.
///
/// Prompts are encoded and completions decoded exactly as `LocalTextGenerator` does, and each
/// completion has the same tokens as `LocalTextGenerator` gives for its prompt alone (same seed).
/// `stream` delivers text as it becomes final, for server-sent events.
public final class BatchedTextGenerator: TextGenerator, @unchecked Sendable {
    public let decoder: BatchedDecoder
    public let tokenizer: any Tokenizer
    public let identity: String

    public init(decoder: BatchedDecoder, tokenizer: any Tokenizer, identity: String) {
        self.decoder = decoder
        self.tokenizer = tokenizer
        self.identity = identity
    }

    public var model: TransformerDecoder { decoder.model }

    /// The token ids of a prompt (`LocalTextGenerator.encode`).
    /// - Throws: a chat template's error for messages.
    public func encode(_ prompt: GenerationPrompt) throws -> [Int] {
        try LocalTextGenerator.encode(prompt, tokenizer: tokenizer)
    }

    /// The length of `encode(prompt)`; nil where the chat template fails (`generate` then reports the error).
    public func promptTokenCount(_ prompt: GenerationPrompt) -> Int? {
        try? encode(prompt).count
    }

    /// The end-of-sequence ids: the tokenizer's and the model configuration's.
    public var stopTokenIds: Set<Int> { LocalTextGenerator.stopTokenIds(model: model, tokenizer: tokenizer) }

    /// `count` completions of an encoded prompt, as events in the order they happen.
    ///
    /// - Parameter stopTokenIds: the ids that end a completion (default: `stopTokenIds`; empty: none, as
    ///   vLLM's `ignore_eos`).
    /// - Throws: what `BatchedDecoder.submit` throws.
    public func stream(promptTokens: [Int], parameters: SamplingParameters, count: Int = 1,
                       stopTokenIds: Set<Int>? = nil) throws -> TextGenerationStream {
        let tokenizer = self.tokenizer
        let decode: @Sendable ([Int]) -> String = { tokenizer.decode($0, skipSpecialTokens: true) }
        let events = try decoder.submit(DecodingRequest(prompt: promptTokens, parameters: parameters, completions: count,
                                                        stopTokenIds: stopTokenIds ?? self.stopTokenIds,
                                                        decode: parameters.stop.isEmpty ? nil : decode))
        return TextGenerationStream(events: events, promptTokenCount: promptTokens.count, completions: count,
                                    stop: parameters.stop, decode: decode)
    }

    public func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [Completion] {
        try await generate(prompts, parameters: parameters, count: 1).map { $0[0] }
    }

    /// `count` completions per prompt; all prompts join the batch at once.
    public func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters, count: Int) async throws -> [[Completion]] {
        precondition(count >= 1, "count must be at least 1")
        let streams = try prompts.map { try stream(promptTokens: try encode($0), parameters: parameters, count: count) }
        var results: [[Completion]] = []
        for stream in streams { results.append(try await stream.completions()) }
        return results
    }
}

/// What a `BatchedTextGenerator` stream reports, per completion in order.
public enum TextGenerationEvent: Sendable, Equatable {
    /// Completion `completion` sampled `token`; `text` is the text that became final with it — empty while
    /// the text ends in an incomplete character or in what may be the start of a stop string.
    case token(completion: Int, token: Int, logProbability: Float, text: String)
    /// Completion `completion` ended: `text` is its final text not yet delivered, `result` the whole completion.
    case finished(completion: Int, text: String, result: Completion)
}

/// The completions of one prompt as text events; iterate it once. Dropping it (or cancelling its
/// consumer) cancels the request.
public struct TextGenerationStream: AsyncSequence, Sendable {
    public typealias Element = TextGenerationEvent
    let events: AsyncThrowingStream<DecodingEvent, Error>
    /// The prompt's length in tokens.
    public let promptTokenCount: Int
    /// How many completions it reports.
    public let completions: Int
    let stop: [String]
    let decode: @Sendable ([Int]) -> String

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: events.makeAsyncIterator(), states: Array(repeating: CompletionText(), count: completions),
                 promptTokenCount: promptTokenCount, stop: stop.map { Array($0.unicodeScalars) }, decode: decode)
    }

    /// Every completion, once all have ended, in completion order.
    public func completions() async throws -> [Completion] {
        var results = [Completion?](repeating: nil, count: completions)
        for try await event in self {
            if case let .finished(completion, _, result) = event { results[completion] = result }
        }
        try Task.checkCancellation()
        return results.map { $0! }
    }

    /// One completion's tokens and how much of its text was delivered.
    struct CompletionText {
        var tokens: [Int] = []
        var logProbabilities: [Float] = []
        var delivered: [Unicode.Scalar] = []
    }

    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<DecodingEvent, Error>.AsyncIterator
        var states: [CompletionText]
        let promptTokenCount: Int
        let stop: [[Unicode.Scalar]]
        let decode: @Sendable ([Int]) -> String
        var stopStrings: [String] { stop.map { String(String.UnicodeScalarView($0)) } }

        public mutating func next() async throws -> TextGenerationEvent? {
            guard let event = try await base.next() else { return nil }
            switch event {
            case let .token(completion, token, logProbability):
                states[completion].tokens.append(token)
                states[completion].logProbabilities.append(logProbability)
                let full = decode(states[completion].tokens)
                let beforeStop = LocalTextGenerator.cut(full, atFirstOf: stopStrings)
                let text = Array(beforeStop.unicodeScalars)
                // Text before a stop string is final; otherwise its ending may still change.
                let final = beforeStop.unicodeScalars.count < full.unicodeScalars.count ? text.count : text.count - heldBack(text)
                return .token(completion: completion, token: token, logProbability: logProbability,
                              text: deliver(completion, upTo: text, count: final))
            case let .finished(completion, end):
                let state = states[completion]
                let text = LocalTextGenerator.cut(decode(state.tokens), atFirstOf: stopStrings)
                let scalars = Array(text.unicodeScalars)
                let remainder = deliver(completion, upTo: scalars, count: scalars.count)
                let result = Completion(text: text, tokenIds: state.tokens, finishReason: end.finishReason,
                                        promptTokenCount: promptTokenCount, logProbabilities: state.logProbabilities)
                return .finished(completion: completion, text: remainder, result: result)
            }
        }

        /// How many trailing scalars may still change: an incomplete UTF-8 sequence (decoded as U+FFFD) and
        /// the longest ending that begins a stop string.
        func heldBack(_ text: [Unicode.Scalar]) -> Int {
            var incomplete = 0
            while incomplete < text.count && text[text.count - 1 - incomplete] == "\u{FFFD}" { incomplete += 1 }
            var stopPrefix = 0
            for stop in stop {
                for length in stride(from: Swift.min(stop.count - 1, text.count), to: stopPrefix, by: -1)
                where text[(text.count - length)...].elementsEqual(stop[..<length]) {
                    stopPrefix = length
                    break
                }
            }
            return Swift.max(incomplete, stopPrefix)
        }

        /// Delivers the first `count` scalars of `text` beyond those already delivered. Text that no longer
        /// continues what was delivered (a tokenizer that rewrites earlier text) waits for the end.
        mutating func deliver(_ completion: Int, upTo text: [Unicode.Scalar], count: Int) -> String {
            let delivered = states[completion].delivered
            guard count > delivered.count, text.starts(with: delivered) else { return "" }
            let new = text[delivered.count..<count]
            states[completion].delivered.append(contentsOf: new)
            return String(String.UnicodeScalarView(new))
        }
    }
}
