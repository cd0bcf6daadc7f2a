/// The model that turns one pre-tokenized word into ids (HF `tokenizers` `models`): byte-pair merges, WordPiece or
/// SentencePiece Unigram.
enum TokenizerModel: Sendable {
    case bytePair(BytePairModel)
    case wordPiece(WordPieceModel)
    case unigram(UnigramModel)

    /// The token of every id.
    var tokens: [String] {
        switch self {
        case .bytePair(let model): return model.tokens
        case .wordPiece(let model): return model.tokens
        case .unigram(let model): return model.tokens
        }
    }

    /// Token strings to ids.
    var vocabulary: Vocabulary {
        switch self {
        case .bytePair(let model): return model.vocabulary
        case .wordPiece(let model): return model.vocabulary
        case .unigram(let model): return model.vocabulary
        }
    }

    /// The byte-pair model, when this is one (the byte-level fast path needs it).
    var bytePair: BytePairModel? {
        if case .bytePair(let model) = self { return model }
        return nil
    }

    /// Appends the ids of `word` to `output`.
    @inline(__always)
    func encode(_ word: String, into output: inout [Int]) {
        switch self {
        case .bytePair(let model): model.encode(word, into: &output)
        case .wordPiece(let model): model.encode(word, into: &output)
        case .unigram(let model): model.encode(word, into: &output)
        }
    }
}
