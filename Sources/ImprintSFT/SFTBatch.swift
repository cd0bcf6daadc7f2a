import ImprintModel

/// One micro-batch: right-padded token rows and their labels.
public struct SFTBatch {
    /// `[B, T]` ids, padded on the right with the pad token.
    public let tokens: TokenBatch
    /// `B * T` labels aligned with the ids (not shifted): -100 on padding and untrained tokens.
    public let labels: [Int]
    /// Labels that count in the loss: trained tokens after the first of each row.
    public let targetCount: Int
    /// Tokens that are not padding.
    public let tokenCount: Int

    /// Pads `examples` on the right to the longest. Right padding needs no attention mask under a causal mask: real
    /// tokens never see the padding after them, and padding positions carry no label.
    public init(_ examples: [SFTExample], padTokenId: Int) {
        precondition(!examples.isEmpty, "a batch needs at least one example")
        let length = examples.map(\.ids.count).max()!
        var ids: [Int] = [], labels: [Int] = []
        ids.reserveCapacity(examples.count * length)
        labels.reserveCapacity(examples.count * length)
        for example in examples {
            let padding = length - example.ids.count
            ids += example.ids + [Int](repeating: padTokenId, count: padding)
            labels += example.labels + [Int](repeating: -100, count: padding)
        }
        tokens = TokenBatch(ids: ids, batchSize: examples.count, length: length)
        self.labels = labels
        targetCount = examples.reduce(0) { $0 + $1.completionMask.dropFirst().filter { $0 }.count }
        tokenCount = examples.reduce(0) { $0 + $1.ids.count }
    }
}
