/// Splits normalized text into the words the model encodes one at a time (HF `tokenizers` pre-tokenizers).
///
/// Supported: `ByteLevel`, `Split`, `Digits`, `Metaspace`, `Whitespace`, `WhitespaceSplit`, `Punctuation`, `Sequence`.
indirect enum PreTokenizer: Sendable {
    /// GPT-2 byte-level: optionally split with the GPT-2 regex, then write every byte in `ByteLevelAlphabet`.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    /// Split at the matches of a pattern.
    case split(pattern: SplitPattern, behavior: SplitBehavior, invert: Bool)
    /// Split digits off, each alone (`individual`) or in runs.
    case digits(individual: Bool)
    /// SentencePiece's whitespace: spaces become `replacement`, optionally prepended and split before it.
    case metaspace(replacement: String, prependScheme: PrependScheme, split: Bool)
    /// Split on whitespace, dropping it.
    case whitespaceSplit
    /// Split at punctuation characters (HF `is_punc`): each alone (`isolated`, the default), runs (`contiguous`), ...
    case punctuation(behavior: SplitBehavior)
    case sequence([PreTokenizer])

    /// When Metaspace prepends its replacement character (HF `PrependScheme`).
    enum PrependScheme: String, Sendable { case always, first, never }

    /// Pre-tokenizes `pieces`; `isFirstSegment` tells Metaspace(prepend_scheme: first) whether the text is the
    /// start of the input (not text following an added token).
    func apply(_ pieces: [String], isFirstSegment: Bool) -> [String] {
        switch self {
        case .sequence(let steps):
            var current = pieces
            for step in steps { current = step.apply(current, isFirstSegment: isFirstSegment) }
            return current
        case .byteLevel(let addPrefixSpace, let useRegex):
            var result: [String] = []
            result.reserveCapacity(pieces.count)
            for piece in pieces {
                var text = piece
                if addPrefixSpace && !LiteralText.hasPrefix(text, " ") { text = " " + text }
                let words = useRegex ? Self.split(text, pattern: .known(.gpt2), behavior: .isolated, invert: false) : [text]
                for word in words { result.append(ByteLevelAlphabet.encode(word[...])) }
            }
            return result
        case .split(let pattern, let behavior, let invert):
            return pieces.flatMap { Self.split($0, pattern: pattern, behavior: behavior, invert: invert) }
        case .digits(let individual):
            return pieces.flatMap { piece in
                Self.split(piece, predicate: { ScalarClass.of($0) == .number }, behavior: individual ? .isolated : .contiguous)
            }
        case .whitespaceSplit:
            return pieces.flatMap { piece in
                Self.split(piece, predicate: { $0.properties.isWhitespace }, behavior: .removed)
            }
        case .punctuation(let behavior):
            return pieces.flatMap { piece in
                Self.split(piece, predicate: Self.isPunctuation, behavior: behavior)
            }
        case .metaspace(let replacement, let prependScheme, let shouldSplit):
            var result: [String] = []
            for (index, piece) in pieces.enumerated() {
                var text = LiteralText.replacing(" ", with: replacement, in: piece)
                let prepend = prependScheme == .always || (prependScheme == .first && isFirstSegment && index == 0)
                if prepend && !LiteralText.hasPrefix(text, replacement) { text = replacement + text }
                if shouldSplit {
                    result.append(contentsOf: Self.split(text, pattern: .literal(replacement), behavior: .mergedWithNext, invert: false))
                } else {
                    result.append(text)
                }
            }
            return result
        }
    }

    /// Punctuation as HF `is_punc`: ASCII punctuation or a Unicode `P*` category.
    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value)
        }
        return scalar.isInPunctuationCategory
    }

    /// Splits `text` at the matches of `pattern`.
    static func split(_ text: String, pattern: SplitPattern, behavior: SplitBehavior, invert: Bool) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let matches = pattern.matches(in: scalars) { scalars.map(ScalarClass.of) }
        return pieces(of: text, scalars, behavior.pieces(count: scalars.count, matches: matches, invert: invert))
    }

    /// Splits `text` at every scalar for which `predicate` holds (a character-class pattern in HF).
    static func split(_ text: String, predicate: (Unicode.Scalar) -> Bool, behavior: SplitBehavior) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var matches: [Range<Int>] = []
        for (index, scalar) in scalars.enumerated() where predicate(scalar) { matches.append(index..<(index + 1)) }
        if matches.isEmpty { return scalars.isEmpty ? [] : [text] }
        return pieces(of: text, scalars, behavior.pieces(count: scalars.count, matches: matches))
    }

    /// The non-empty pieces of `text` at scalar-offset `ranges`, copied from its UTF-8 bytes.
    private static func pieces(of text: String, _ scalars: [Unicode.Scalar], _ ranges: [Range<Int>]) -> [String] {
        if ranges.count == 1 && ranges[0].count == scalars.count { return [text] }
        var byteOffsets = [Int](repeating: 0, count: scalars.count + 1)
        var offset = 0
        for (index, scalar) in scalars.enumerated() {
            offset += UTF8.width(scalar)
            byteOffsets[index + 1] = offset
        }
        var result: [String] = []
        result.reserveCapacity(ranges.count)
        var copy = text
        copy.withUTF8 { bytes in
            for range in ranges where !range.isEmpty {
                let slice = UnsafeBufferPointer(rebasing: bytes[byteOffsets[range.lowerBound]..<byteOffsets[range.upperBound]])
                result.append(String(decoding: slice, as: UTF8.self))
            }
        }
        return result
    }
}
