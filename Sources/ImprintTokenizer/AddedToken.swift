/// A token matched in the raw text before the normal pipeline runs (HF `AddedToken`): special tokens such as
/// `<|im_start|>` and user-defined tokens.
public struct AddedToken: Sendable, Equatable {
    public let id: Int
    public let content: String
    /// Skipped by `decode(_:skipSpecialTokens: true)`.
    public let special: Bool
    /// Matches only at word boundaries.
    public let singleWord: Bool
    /// Swallows the whitespace on its left.
    public let leftStrip: Bool
    /// Swallows the whitespace on its right.
    public let rightStrip: Bool
    /// Matched against normalized text rather than raw text.
    public let normalized: Bool

    public init(id: Int, content: String, special: Bool, singleWord: Bool = false, leftStrip: Bool = false,
                rightStrip: Bool = false, normalized: Bool = false) {
        self.id = id
        self.content = content
        self.special = special
        self.singleWord = singleWord
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.normalized = normalized
    }
}

/// Finds added tokens in text, leftmost-longest as HF's Aho-Corasick matcher does, honouring `single_word`,
/// `lstrip` and `rstrip`.
struct AddedTokenMatcher: Sendable {
    /// A stretch of text: either an added token's id or text for the normal pipeline.
    enum Segment: Equatable { case token(Int), text(Substring) }

    private let tokensByFirstByte: [UInt8: [AddedToken]]
    /// `startsToken[b]`: some added token starts with byte `b` (checked before the dictionary, byte by byte).
    private let startsToken: [Bool]

    init(_ tokens: [AddedToken]) {
        var byFirstByte: [UInt8: [AddedToken]] = [:]
        for token in tokens where !token.content.isEmpty {
            byFirstByte[token.content.utf8.first!, default: []].append(token)
        }
        // Longest first, so that the first hit at a position is the longest.
        tokensByFirstByte = byFirstByte.mapValues { $0.sorted { $0.content.utf8.count > $1.content.utf8.count } }
        var startsToken = [Bool](repeating: false, count: 256)
        for byte in byFirstByte.keys { startsToken[Int(byte)] = true }
        self.startsToken = startsToken
    }

    var isEmpty: Bool { tokensByFirstByte.isEmpty }

    /// Splits `text` into added tokens and the text between them (empty text segments dropped).
    func split(_ text: Substring) -> [Segment] {
        guard !isEmpty else { return text.isEmpty ? [] : [.text(text)] }
        let utf8 = text.utf8
        var segments: [Segment] = []
        var textStart = utf8.startIndex
        var position = utf8.startIndex
        while position < utf8.endIndex {
            guard startsToken[Int(utf8[position])], let candidates = tokensByFirstByte[utf8[position]],
                  let hit = candidates.first(where: { matches($0, in: utf8, at: position, after: textStart) })
            else {
                position = utf8.index(after: position)
                continue
            }
            var matchStart = position
            var matchEnd = utf8.index(position, offsetBy: hit.content.utf8.count)
            if hit.leftStrip {
                let prefix = text[textStart..<matchStart]
                var scalars = prefix.unicodeScalars
                while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
                matchStart = scalars.endIndex
            }
            if hit.rightStrip {
                let suffix = text[matchEnd...].unicodeScalars
                var index = suffix.startIndex
                while index < suffix.endIndex, suffix[index].properties.isWhitespace { index = suffix.index(after: index) }
                matchEnd = index
            }
            if textStart < matchStart { segments.append(.text(text[textStart..<matchStart])) }
            segments.append(.token(hit.id))
            textStart = matchEnd
            position = matchEnd
        }
        if textStart < utf8.endIndex { segments.append(.text(text[textStart...])) }
        return segments
    }

    private func matches(_ token: AddedToken, in utf8: Substring.UTF8View, at position: Substring.Index,
                         after textStart: Substring.Index) -> Bool {
        var index = position
        for byte in token.content.utf8 {
            guard index < utf8.endIndex, utf8[index] == byte else { return false }
            index = utf8.index(after: index)
        }
        if token.singleWord {
            let text = Substring(utf8)
            if position > utf8.startIndex, let before = text[..<position].unicodeScalars.last, Self.isWordScalar(before) {
                return false
            }
            if index < utf8.endIndex, let after = text[index...].unicodeScalars.first, Self.isWordScalar(after) {
                return false
            }
        }
        return true
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }
}
