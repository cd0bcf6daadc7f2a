import Foundation

/// Turns token strings back into text (HF `tokenizers` decoders, applied with `decode_chain`).
///
/// Supported: `ByteLevel`, `Replace`, `ByteFallback`, `Fuse`, `Strip`, `Metaspace`, `WordPiece`, `Sequence`.
indirect enum Decoder: Sendable {
    /// Maps byte-level characters back to bytes and decodes them as UTF-8, invalid sequences as U+FFFD.
    case byteLevel
    case replace(pattern: SplitPattern, content: String)
    /// Turns runs of `<0xNN>` tokens into the text their bytes spell (one U+FFFD per byte when invalid).
    case byteFallback
    /// Joins all tokens into one.
    case fuse
    /// Removes up to `start` leading and `stop` trailing copies of `content` from every token.
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    /// `▁` back to spaces, dropping the prepended one of the first token unless `prependScheme` is never.
    case metaspace(replacement: String, prependScheme: PreTokenizer.PrependScheme)
    /// WordPiece pieces back to words: a piece after the first loses `prefix` (`##`) or gains a leading space;
    /// `cleanup` then removes spaces before punctuation and contractions in every piece.
    case wordPiece(prefix: String, cleanup: Bool)
    case sequence([Decoder])

    /// The decoded text of `tokens`.
    func decode(_ tokens: [String]) -> String {
        decodeChain(tokens).joined()
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                if let tokenBytes = ByteLevelAlphabet.bytes(of: token) {
                    bytes.append(contentsOf: tokenBytes)
                } else {
                    bytes.append(contentsOf: token.utf8)
                }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .replace(let pattern, let content):
            return tokens.map { pattern.replacingMatches(in: $0, with: content) }
        case .byteFallback:
            var result: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let text = String(validating: pending, as: UTF8.self) {
                    result.append(text)
                } else {
                    result.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count))
                }
                pending.removeAll()
            }
            for token in tokens {
                if let byte = Self.fallbackByte(token) {
                    pending.append(byte)
                } else {
                    flush()
                    result.append(token)
                }
            }
            flush()
            return result
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                var scalars = Substring(token).unicodeScalars
                var removed = 0
                while removed < start, scalars.first == content { scalars.removeFirst(); removed += 1 }
                removed = 0
                while removed < stop, scalars.last == content { scalars.removeLast(); removed += 1 }
                return String(scalars)
            }
        case .metaspace(let replacement, let prependScheme):
            // HF drops every replacement character of the first token (not only a leading one).
            return tokens.enumerated().map { index, token in
                LiteralText.replacing(replacement, with: index == 0 && prependScheme != .never ? "" : " ", in: token)
            }
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { index, token in
                var piece = token
                if index > 0 {
                    piece = LiteralText.hasPrefix(token, prefix) ? String(decoding: token.utf8.dropFirst(prefix.utf8.count), as: UTF8.self) : " " + token
                }
                return cleanup ? Self.wordPieceCleanup(piece) : piece
            }
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.decodeChain($0) }
        }
    }

    /// HF `decoders::wordpiece::cleanup`: transformers' `clean_up_tokenization` plus `" do not"` -> `" don't"`.
    static func wordPieceCleanup(_ text: String) -> String {
        var result = text
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            result = LiteralText.replacing(from, with: to, in: result)
        }
        return result
    }

    /// The byte of a `<0xNN>` token.
    static func fallbackByte(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8[0] == UInt8(ascii: "<"), utf8[1] == UInt8(ascii: "0"), utf8[2] == UInt8(ascii: "x"),
              utf8[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }
}
