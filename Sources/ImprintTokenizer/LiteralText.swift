/// Literal, scalar-exact text operations. Swift's `String` methods compare grapheme clusters with canonical
/// equivalence (a space followed by a combining mark is not `" "` to them, and Foundation's
/// `replacingOccurrences` skips it too), while HF `tokenizers` works on code points; these helpers work on UTF-8.
enum LiteralText {
    /// `text` with every occurrence of `target` replaced by `replacement`, scanning left to right.
    static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        let needle = Array(target.utf8)
        guard !needle.isEmpty else { return text }
        let haystack = Array(text.utf8)
        guard haystack.count >= needle.count else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(haystack.count)
        var index = 0
        var replaced = false
        while index < haystack.count {
            if haystack[index] == needle[0], index + needle.count <= haystack.count,
               haystack[index..<(index + needle.count)].elementsEqual(needle) {
                result.append(contentsOf: replacement.utf8)
                index += needle.count
                replaced = true
            } else {
                result.append(haystack[index])
                index += 1
            }
        }
        return replaced ? String(decoding: result, as: UTF8.self) : text
    }

    /// Whether `text` starts with the bytes of `prefix`.
    static func hasPrefix(_ text: String, _ prefix: String) -> Bool {
        text.utf8.starts(with: prefix.utf8)
    }

    /// Splits `line` at its first space byte (merges written as `"left right"`).
    static func splitAtFirstSpace(_ line: String) -> (String, String)? {
        var copy = line
        return copy.withUTF8 { bytes in
            guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return nil }
            return (String(decoding: UnsafeBufferPointer(rebasing: bytes[..<space]), as: UTF8.self),
                    String(decoding: UnsafeBufferPointer(rebasing: bytes[(space + 1)...]), as: UTF8.self))
        }
    }
}
