import ImprintRewards

/// Finds texts whose Jaccard similarity (lower-cased whitespace tokens, `jaccardSimilarity`) to an earlier one
/// reaches a threshold, through an inverted index of tokens so each check touches only texts sharing a token.
struct NearDuplicateIndex {
    let threshold: Double
    private var texts: [String] = []
    private var sizes: [Int] = []
    private var postings: [String: [Int]] = [:]

    init(threshold: Double) {
        self.threshold = threshold
    }

    static func tokens(_ text: String) -> Set<String> {
        Set(text.lowercased().split(whereSeparator: \.isWhitespace).map(String.init))
    }

    /// The earlier text `text` nearly duplicates, or nil.
    func match(_ text: String) -> String? {
        let tokens = Self.tokens(text)
        var shared: [Int: Int] = [:]
        for token in tokens { for id in postings[token] ?? [] { shared[id, default: 0] += 1 } }
        for (id, count) in shared.sorted(by: { $0.key < $1.key }) {
            let estimate = Double(count) / Double(tokens.count + sizes[id] - count)
            // The estimate uses Swift's lower-casing; the confirmation is the notebook's definition.
            if estimate >= threshold - 0.05, jaccardSimilarity(text, texts[id]) >= threshold { return texts[id] }
        }
        return nil
    }

    mutating func insert(_ text: String) {
        let tokens = Self.tokens(text)
        let id = texts.count
        texts.append(text)
        sizes.append(tokens.count)
        for token in tokens { postings[token, default: []].append(id) }
    }
}
