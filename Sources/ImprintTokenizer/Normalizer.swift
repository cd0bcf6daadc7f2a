import Foundation

/// Rewrites text before pre-tokenization (HF `tokenizers` normalizers).
///
/// Supported: `NFC`, `NFD`, `NFKC`, `NFKD`, `Lowercase`, `Prepend`, `Replace`, `Strip`, `BertNormalizer`,
/// `Precompiled` (SentencePiece's charsmap), `Sequence`.
indirect enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    case lowercase
    /// Prepends `prefix` to non-empty text.
    case prepend(String)
    /// Replaces every match of `pattern` with `content`.
    case replace(pattern: SplitPattern, content: String)
    /// Strips whitespace on the left and/or right.
    case strip(left: Bool, right: Bool)
    /// BERT's cleaning, CJK spacing, accent stripping and lowercasing (see `BertNormalization`).
    case bert(BertNormalization)
    /// SentencePiece's compiled normalization rules (see `PrecompiledCharsMap`).
    case precompiled(PrecompiledCharsMap)
    case sequence([Normalizer])

    func apply(_ text: String) -> String {
        switch self {
        case .nfc:
            return Self.isASCII(text) ? text : text.precomposedStringWithCanonicalMapping
        case .nfd:
            return Self.isASCII(text) ? text : text.decomposedStringWithCanonicalMapping
        case .nfkc:
            return Self.isASCII(text) ? text : text.precomposedStringWithCompatibilityMapping
        case .nfkd:
            return Self.isASCII(text) ? text : text.decomposedStringWithCompatibilityMapping
        case .lowercase:
            return text.lowercased()
        case .prepend(let prefix):
            return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content):
            return pattern.replacingMatches(in: text, with: content)
        case .strip(let left, let right):
            var scalars = Substring(text).unicodeScalars
            if left { while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() } }
            if right { while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() } }
            return String(scalars)
        case .bert(let normalization):
            return normalization.apply(text)
        case .precompiled(let charsMap):
            return charsMap.normalize(text)
        case .sequence(let steps):
            return steps.reduce(text) { $1.apply($0) }
        }
    }

    private static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }
}
