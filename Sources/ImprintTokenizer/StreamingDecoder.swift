/// Decodes generated tokens one at a time, emitting text only once its UTF-8 is complete (a token that ends
/// inside a multi-byte character is held until the rest arrives), as transformers' `TextStreamer` does.
///
/// The concatenation of everything `append` returns equals `tokenizer.decode(allIds)` once the last character
/// is complete. Decoding restarts from the last token after each line, so the cost per token stays bounded.
public struct StreamingDecoder {
    public let tokenizer: any Tokenizer
    public let skipSpecialTokens: Bool
    /// Ids since the last restart (the first one is context kept from before it).
    private var window: [Int] = []
    /// Unicode scalars of `decode(window)` already emitted.
    private var emittedScalars = 0

    public init(tokenizer: any Tokenizer, skipSpecialTokens: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// Adds one generated id; returns the newly completed text (possibly empty).
    public mutating func append(_ id: Int) -> String {
        window.append(id)
        let decoded = tokenizer.decode(window, skipSpecialTokens: skipSpecialTokens)
        let scalars = Array(decoded.unicodeScalars)
        // A trailing U+FFFD means the last character's bytes are not all here yet.
        guard scalars.last != "\u{FFFD}" else { return "" }
        let fresh = scalars.count > emittedScalars
            ? String(String.UnicodeScalarView(scalars[emittedScalars...])) : ""
        emittedScalars = max(emittedScalars, scalars.count)
        if scalars.last == "\n" {
            window = [id]
            emittedScalars = tokenizer.decode(window, skipSpecialTokens: skipSpecialTokens).unicodeScalars.count
        }
        return fresh
    }

    /// Text still held back at the end of generation (an incomplete character decodes as U+FFFD).
    public mutating func finish() -> String {
        let scalars = Array(tokenizer.decode(window, skipSpecialTokens: skipSpecialTokens).unicodeScalars)
        defer { window = []; emittedScalars = 0 }
        return scalars.count > emittedScalars ? String(String.UnicodeScalarView(scalars[emittedScalars...])) : ""
    }
}
