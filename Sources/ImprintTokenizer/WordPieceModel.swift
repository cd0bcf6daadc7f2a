import Foundation

/// WordPiece (HF `tokenizers` `models::wordpiece::WordPiece`, BERT): a word is split greedily into the longest
/// vocabulary pieces from the left, pieces after the first spelled with `continuingSubwordPrefix` (`##`).
/// A word longer than `maxInputCharactersPerWord` scalars, or one with any stretch no piece matches, becomes the
/// unknown token as a whole.
///
/// Example (BERT uncased): `"unaffable"` -> `["una", "##ffa", "##ble"]`. Results are cached per word.
final class WordPieceModel: @unchecked Sendable {
    let tokens: [String]
    let vocabulary: Vocabulary
    let unknownId: Int
    let continuingSubwordPrefix: String
    let maxInputCharactersPerWord: Int
    private let cache = WordCache()

    init(tokens: [String], vocabulary: Vocabulary, unknownId: Int, continuingSubwordPrefix: String = "##",
         maxInputCharactersPerWord: Int = 100) {
        self.tokens = tokens
        self.vocabulary = vocabulary
        self.unknownId = unknownId
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
    }

    /// Appends the ids of `word` to `output`.
    func encode(_ word: String, into output: inout [Int]) {
        cache.append(word, to: &output, encode: pieces)
    }

    /// The ids of `word`, longest pieces first.
    func pieces(of word: String) -> [Int32] {
        let scalars = Array(word.unicodeScalars)
        guard !scalars.isEmpty else { return [] }
        guard scalars.count <= maxInputCharactersPerWord else { return [Int32(unknownId)] }
        var pieces: [Int32] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int?
            while start < end {
                var candidate = start > 0 ? continuingSubwordPrefix : ""
                candidate.unicodeScalars.append(contentsOf: scalars[start..<end])
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [Int32(unknownId)] }
            pieces.append(Int32(id))
            start = end
        }
        return pieces
    }
}
