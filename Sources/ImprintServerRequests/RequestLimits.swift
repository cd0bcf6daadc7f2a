/// What one request may ask of a server: the bounds every request decoder checks before anything is generated.
///
/// `imprint serve` takes them from its options (`--max-body-bytes`, `--max-tokens-limit`, `--max-batch`).
///
/// JSON nesting is bounded by Foundation's parsers (512 levels, a 400 beyond), and no request type decodes
/// recursively, so a deep body costs one parse and no stack beyond it.
public struct RequestLimits: Equatable, Sendable {
    /// The largest body in bytes (413 beyond it).
    public var maxBodyBytes: Int
    /// The largest `max_tokens` (400 beyond it); also the `max_tokens` of a request that gives none.
    public var maxTokens: Int
    /// The largest `n`: completions of one prompt decode together, so at most one batch of them.
    public var maxCompletions: Int
    /// The most stop strings one request may give.
    public var maxStopStrings: Int

    public init(maxBodyBytes: Int = 8 << 20, maxTokens: Int = 4096, maxCompletions: Int = 16, maxStopStrings: Int = 16) {
        self.maxBodyBytes = maxBodyBytes
        self.maxTokens = maxTokens
        self.maxCompletions = maxCompletions
        self.maxStopStrings = maxStopStrings
    }
}
