import Foundation

/// A text tokenizer: text to token ids and back, vocabulary look-ups, special token ids and the chat template.
///
/// Mirrors the surface of Hugging Face `PreTrainedTokenizerFast` (`encode`, `decode`, `convert_tokens_to_ids`,
/// `bos_token_id`, `chat_template`) and swift-transformers' `Tokenizer`. Implementations must produce exactly the
/// ids HF `tokenizers` produces for the same vocabulary.
public protocol Tokenizer: Sendable {
    /// Encodes `text` into token ids; with `addSpecialTokens` the post-processor adds BOS/EOS as HF `encode` does.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int]
    /// Decodes ids into text; with `skipSpecialTokens` special added tokens (BOS, EOS, `<|im_start|>`, ...) are dropped.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String
    /// The number of ids, added tokens included.
    var vocabularySize: Int { get }
    /// The id of a token string, or nil when it is not in the vocabulary.
    func tokenToId(_ token: String) -> Int?
    /// The token string of an id, or nil when the id is out of range.
    func idToToken(_ id: Int) -> String?
    /// Whether `id` is a special token (skipped by `decode(_:skipSpecialTokens: true)`).
    func isSpecial(_ id: Int) -> Bool
    /// Beginning-of-sequence token, if the tokenizer has one.
    var bosToken: String? { get }
    /// End-of-sequence token, if the tokenizer has one.
    var eosToken: String? { get }
    /// Padding token, if the tokenizer has one.
    var padToken: String? { get }
    /// Unknown token, if the tokenizer has one.
    var unknownToken: String? { get }
    /// The Jinja chat template shipped with the tokenizer, if any.
    var chatTemplate: String? { get }
    /// Encodes every text (in parallel where the implementation can); HF `encode_batch`.
    func encode(batch texts: [String], addSpecialTokens: Bool) -> [[Int]]
}

extension Tokenizer {
    /// Encodes with special tokens added, as HF `encode` does by default.
    public func encode(_ text: String) -> [Int] { encode(text, addSpecialTokens: true) }
    /// Decodes keeping special tokens, as HF `decode` does by default.
    public func decode(_ ids: [Int]) -> String { decode(ids, skipSpecialTokens: false) }
    /// Encodes every text, one after the other; the batch form of `encode(_:addSpecialTokens:)`.
    public func encode(batch texts: [String], addSpecialTokens: Bool) -> [[Int]] {
        texts.map { encode($0, addSpecialTokens: addSpecialTokens) }
    }

    /// Encodes every text with special tokens added.
    public func encode(batch texts: [String]) -> [[Int]] { encode(batch: texts, addSpecialTokens: true) }
    /// Decodes every id sequence; the batch form of `decode(_:skipSpecialTokens:)`.
    public func decode(batch sequences: [[Int]], skipSpecialTokens: Bool = false) -> [String] {
        sequences.map { decode($0, skipSpecialTokens: skipSpecialTokens) }
    }
    /// BOS id, if any.
    public var bosTokenId: Int? { bosToken.flatMap(tokenToId) }
    /// EOS id, if any.
    public var eosTokenId: Int? { eosToken.flatMap(tokenToId) }
    /// Padding id, if any.
    public var padTokenId: Int? { padToken.flatMap(tokenToId) }
    /// Unknown-token id, if any.
    public var unknownTokenId: Int? { unknownToken.flatMap(tokenToId) }
}
