import Foundation

/// SentencePiece Unigram (HF `tokenizers` `models::unigram::Unigram`, llama.cpp's UGM tokenizer `llm_tokenizer_ugm`):
/// a word is split into the pieces whose scores (log probabilities) sum highest, found by Viterbi over scalar
/// positions.
///
/// At every scalar position, in order, each piece that starts there (shortest first) offers the best path to its
/// end plus its score; a later offer replaces the best only when strictly higher, so ties keep the first. When no
/// piece covers the scalar alone, the unknown token covers it with `minimum score - 10`. Backtracking from the
/// end, consecutive unknown scalars fuse into one unknown token; with `byteFallback` an unknown stretch becomes
/// the `<0xNN>` tokens of its UTF-8 bytes when they all exist (HF), the unknown id otherwise.
///
/// Example (XLM-R): `"▁Hello"` -> `["▁Hello"]` (35378); `"▁Pneumono"` -> `["▁P", "neum", "ono"]`.
/// Results are cached per word.
final class UnigramModel: @unchecked Sendable {
    let tokens: [String]
    /// Every token to its id (the first id of a repeated token).
    let vocabulary: Vocabulary
    /// Every piece to its id (the last id of a repeated piece, as HF's `token_to_ids`).
    private let pieceIds: Vocabulary
    /// The score of every id (`-infinity` for ids that are not pieces).
    let scores: [Double]
    let unknownId: Int?
    let byteFallback: Bool
    /// The unknown token's score: the lowest piece score minus 10 (HF `K_UNK_PENALTY`, llama.cpp's penalty).
    let unknownScore: Double
    /// The longest piece, in scalars.
    private let longestPiece: Int
    private var cache: [ExactText: [Int32]] = [:]
    private let cacheLock = NSLock()
    private static let cacheCapacity = 10_000

    /// - Parameters:
    ///   - scores: one per token; `nil` marks a token that is no piece (never matched, e.g. GGUF padding).
    ///   - unknownId: the unknown token; without it a scalar no piece covers is dropped.
    init(tokens: [String], scores: [Double?], unknownId: Int?, byteFallback: Bool) {
        precondition(scores.count == tokens.count, "one score per token: \(scores.count) for \(tokens.count) tokens")
        self.tokens = tokens
        var vocabulary = Vocabulary()
        var pieceIds = Vocabulary()
        vocabulary.reserveCapacity(tokens.count)
        pieceIds.reserveCapacity(tokens.count)
        var longest = 1
        var minimum = Double.infinity
        for (id, token) in tokens.enumerated() {
            if vocabulary[token] == nil { vocabulary[token] = id }
            guard let score = scores[id] else { continue }
            pieceIds[token] = id
            minimum = min(minimum, score)
            longest = max(longest, token.unicodeScalars.count)
        }
        self.vocabulary = vocabulary
        self.pieceIds = pieceIds
        self.scores = scores.map { $0 ?? -.infinity }
        self.unknownId = unknownId
        self.byteFallback = byteFallback
        unknownScore = (minimum.isFinite ? minimum : 0) - 10
        longestPiece = longest
    }

    /// Appends the ids of `word` to `output`.
    func encode(_ word: String, into output: inout [Int]) {
        cacheLock.lock()
        let cached = cache[ExactText(word)]
        cacheLock.unlock()
        if let cached {
            for id in cached { output.append(Int(id)) }
            return
        }
        let ids = pieces(of: word)
        cacheLock.lock()
        if cache.count < Self.cacheCapacity { cache[ExactText(word)] = ids }
        cacheLock.unlock()
        for id in ids { output.append(Int(id)) }
    }

    /// The best path ending at one scalar position: its last piece and where that piece starts.
    private struct PathEnd {
        var id: Int
        var start: Int
        var score: Double
    }

    /// The ids of the highest-scoring segmentation of `word`.
    func pieces(of word: String) -> [Int32] {
        let scalars = Array(word.unicodeScalars)
        guard !scalars.isEmpty else { return [] }
        let unknownMarker = -1
        var best = [PathEnd?](repeating: nil, count: scalars.count + 1)
        best[0] = PathEnd(id: unknownMarker, start: 0, score: 0)
        for start in 0..<scalars.count {
            guard let here = best[start] else { continue }
            var coversScalar = false
            var candidate = ""
            for end in (start + 1)...min(scalars.count, start + longestPiece) {
                candidate.unicodeScalars.append(scalars[end - 1])
                guard let id = pieceIds[candidate] else { continue }
                let score = here.score + scores[id]
                if best[end] == nil || score > best[end]!.score { best[end] = PathEnd(id: id, start: start, score: score) }
                if end == start + 1 { coversScalar = true }
            }
            if !coversScalar {
                let score = here.score + unknownScore
                if best[start + 1] == nil || score > best[start + 1]!.score {
                    best[start + 1] = PathEnd(id: unknownMarker, start: start, score: score)
                }
            }
        }
        // Backtrack; a run of unknown nodes (scalars no piece covers, or the unknown piece itself) becomes one
        // stretch, as HF's `fuse_unk` and llama.cpp do.
        var reversed: [(id: Int, range: Range<Int>)] = []
        var end = scalars.count
        while end > 0 {
            let node = best[end]!
            let isUnknown = node.id == unknownMarker || node.id == unknownId
            if isUnknown, let last = reversed.last, last.id == unknownMarker {
                reversed[reversed.count - 1].range = node.start..<last.range.upperBound
            } else {
                reversed.append((isUnknown ? unknownMarker : node.id, node.start..<end))
            }
            end = node.start
        }
        var ids: [Int32] = []
        ids.reserveCapacity(reversed.count)
        for (id, range) in reversed.reversed() {
            if id != unknownMarker {
                ids.append(Int32(id))
            } else {
                appendUnknown(scalars[range], to: &ids)
            }
        }
        return ids
    }

    /// An unknown stretch, looked up as HF does: the piece it spells (the unknown piece alone), else its byte tokens
    /// (with byte fallback, when all exist), else the unknown id, else nothing.
    private func appendUnknown(_ scalars: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        let text = String(String.UnicodeScalarView(scalars))
        if let id = pieceIds[text] {
            ids.append(Int32(id))
            return
        }
        if byteFallback {
            let bytes = text.utf8
            let byteIds = bytes.map { pieceIds[Self.byteToken($0)] }
            if byteIds.allSatisfy({ $0 != nil }) {
                ids.append(contentsOf: byteIds.map { Int32($0!) })
                return
            }
        }
        if let unknownId { ids.append(Int32(unknownId)) }
    }

    /// `<0xNN>`, upper-case hex.
    static func byteToken(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "<"), UInt8(ascii: "0"), UInt8(ascii: "x"),
                                 digits[Int(byte >> 4)], digits[Int(byte & 15)], UInt8(ascii: ">")], as: UTF8.self)
    }
}
