import Foundation

/// The ids of words already encoded, shared by the threads that encode with one model, as HF `tokenizers`' BPE and
/// WordPiece models cache them (`cache::Cache`): at most `capacity` words, none longer than `longestWord` UTF-8
/// bytes (whole texts reach Gemma-style models as one word). Keys compare scalar by scalar (`ExactText`).
final class WordCache: @unchecked Sendable {
    let capacity: Int
    let longestWord: Int
    private var ids: [ExactText: [Int32]] = [:]
    private let lock = NSLock()

    init(capacity: Int = 10_000, longestWord: Int = .max) {
        self.capacity = capacity
        self.longestWord = longestWord
    }

    /// Appends the ids of `word` to `output`: the cached ones, or `encode(word)`'s, which are cached when there is room.
    @inline(__always)
    func append(_ word: String, to output: inout [Int], encode: (String) -> [Int32]) {
        lock.lock()
        let cached = ids[ExactText(word)]
        lock.unlock()
        let result = cached ?? encode(word)
        if cached == nil && word.utf8.count <= longestWord {
            lock.lock()
            if ids.count < capacity { ids[ExactText(word)] = result }
            lock.unlock()
        }
        for id in result { output.append(Int(id)) }
    }
}
