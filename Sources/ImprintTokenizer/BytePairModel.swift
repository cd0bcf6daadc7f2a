import Foundation

/// Byte-pair encoding (HF `tokenizers` `models::bpe::BPE`): a word starts as one symbol per character and the
/// adjacent pair with the lowest merge rank is merged, leftmost first, until no pair has a rank.
///
/// Characters missing from the vocabulary become `<0xNN>` byte tokens with `byteFallback` (SentencePiece
/// style, Gemma and Llama 2) or the unknown token otherwise (`fuseUnknown` joins runs of them). With
/// `ignoreMerges` (Llama 3) a word that is itself in the vocabulary is emitted directly. Results are cached
/// per word.
final class BytePairModel: @unchecked Sendable {
    /// One merge: the rank (lower merges first) and the id of the merged token.
    struct Merge { let rank: Int32; let merged: Int32 }

    let tokens: [String]
    let vocabulary: Vocabulary
    let merges: [UInt64: Merge]
    let ignoreMerges: Bool
    let byteFallback: Bool
    let unknownId: Int?
    let fuseUnknown: Bool
    /// Ids of single-scalar tokens, the symbols words start from.
    private let scalarIds: [UInt32: Int32]
    /// `byteIds[b]` is the id of `<0xNN>` (byte fallback) or -1.
    private let byteIds: [Int32]
    /// Words longer than 256 UTF-8 bytes are not cached, as HF's BPE cache skips them: whole texts reach the
    /// model as one word in Gemma-style vocabularies.
    private let cache = WordCache(longestWord: 256)
    /// Byte-level words keyed by their raw text (see `encodeByteLevel`).
    private let byteLevelCache = WordCache(longestWord: 256)

    /// Builds the model from `tokens` (by id) and merges given as pairs of token strings, in rank order.
    /// Merges whose parts or result are not in the vocabulary are skipped, as HF does with `ignore`-less loads.
    init(tokens: [String], vocabulary: Vocabulary, merges mergePairs: [(String, String)], ignoreMerges: Bool,
         byteFallback: Bool, unknownId: Int?, fuseUnknown: Bool) {
        self.tokens = tokens
        self.vocabulary = vocabulary
        self.ignoreMerges = ignoreMerges
        self.byteFallback = byteFallback
        self.unknownId = unknownId
        self.fuseUnknown = fuseUnknown
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(mergePairs.count)
        for rank in 0..<mergePairs.count {
            let pair = mergePairs[rank]
            guard let left = vocabulary[pair.0], let right = vocabulary[pair.1],
                  let merged = vocabulary[pair.0 + pair.1] else { continue }
            let key = Self.key(Int32(left), Int32(right))
            if merges[key] == nil { merges[key] = Merge(rank: Int32(rank), merged: Int32(merged)) }
        }
        self.merges = merges
        var scalarIds: [UInt32: Int32] = [:]
        for (token, id) in vocabulary.entries {
            var iterator = token.unicodeScalars.makeIterator()
            if let first = iterator.next(), iterator.next() == nil { scalarIds[first.value] = Int32(id) }
        }
        self.scalarIds = scalarIds
        self.byteIds = (0..<256).map { byte in
            Int32(vocabulary[String(format: "<0x%02X>", byte)] ?? -1)
        }
    }

    @inline(__always) static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Appends the ids of `word` to `output`.
    func encode(_ word: String, into output: inout [Int]) {
        if ignoreMerges, let id = vocabulary[word] {
            output.append(id)
            return
        }
        cache.append(word, to: &output, encode: merge)
    }

    /// Appends the ids of a byte-level word given as raw text: the same as `encode(ByteLevelAlphabet.encode(word))`,
    /// with the cache keyed by the raw text so that hits skip the byte-level mapping.
    func encodeByteLevel(_ word: String, into output: inout [Int]) {
        byteLevelCache.append(word, to: &output) { word in
            let encoded = ByteLevelAlphabet.encode(word[...])
            if ignoreMerges, let id = vocabulary[encoded] { return [Int32(id)] }
            return merge(encoded)
        }
    }

    /// The initial symbols of `word`: one per scalar, byte tokens or the unknown token for missing scalars.
    func initialSymbols(_ word: String) -> [Int32] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.utf8.count)
        var previousWasUnknown = false
        for scalar in word.unicodeScalars {
            if let id = scalarIds[scalar.value] {
                symbols.append(id)
                previousWasUnknown = false
                continue
            }
            if byteFallback {
                let bytes = Array(String(scalar).utf8)
                if bytes.allSatisfy({ byteIds[Int($0)] >= 0 }) {
                    for byte in bytes { symbols.append(byteIds[Int(byte)]) }
                    previousWasUnknown = false
                    continue
                }
            }
            if let unknownId {
                if !(fuseUnknown && previousWasUnknown) { symbols.append(Int32(unknownId)) }
                previousWasUnknown = true
            }
        }
        return symbols
    }

    /// Merges the symbols of `word` by rank; the plain quadratic scan is fastest for the short words
    /// pre-tokenizers produce, a priority queue (`mergeWithQueue`) takes long ones.
    func merge(_ word: String) -> [Int32] {
        let symbols = initialSymbols(word)
        if symbols.count > Self.longestScannedWord { return mergeWithQueue(symbols) }
        return mergeByScanning(symbols)
    }

    /// Words of more symbols than this merge through the priority queue.
    static let longestScannedWord = 48

    /// The quadratic merge: repeatedly merges the leftmost pair of lowest rank. The plain reference of
    /// `mergeWithQueue`.
    func mergeByScanning(_ initial: [Int32]) -> [Int32] {
        var symbols = initial
        guard symbols.count > 1 else { return symbols }
        // ranks[i]: merge of symbols[i], symbols[i + 1].
        var ranks = [Merge?](repeating: nil, count: symbols.count - 1)
        for index in 0..<(symbols.count - 1) { ranks[index] = merges[Self.key(symbols[index], symbols[index + 1])] }
        while true {
            var best = -1
            var bestRank = Int32.max
            for index in 0..<ranks.count {
                if let merge = ranks[index], merge.rank < bestRank {
                    bestRank = merge.rank
                    best = index
                }
            }
            if best < 0 { break }
            symbols[best] = ranks[best]!.merged
            symbols.remove(at: best + 1)
            ranks.remove(at: best)
            if best > 0 { ranks[best - 1] = merges[Self.key(symbols[best - 1], symbols[best])] }
            if best < ranks.count { ranks[best] = merges[Self.key(symbols[best], symbols[best + 1])] }
        }
        return symbols
    }
}
