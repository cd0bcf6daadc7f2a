import Foundation

/// Bytes to text without losing a byte order mark.
///
/// Foundation treats U+FEFF at the start of text as an encoding signature and drops it:
/// `String(bytes:encoding: .utf8)`, `String(data:encoding: .utf8)` and `String(contentsOf:encoding: .utf8)` drop a
/// leading U+FEFF, and on Linux `JSONSerialization` drops it from the start of every JSON string, keys included
/// (`"\u{FEFF}#"` is read as `"#"`). Inside a GGUF string, a safetensors header or a JSONL record the character is
/// content: Gemma 3 has both `"#"` and `"\u{FEFF}#"` in its vocabulary, and SentencePiece vocabularies hold a
/// `"\u{FEFF}"` piece. Python reads all of these with the `utf-8` codec and `json`, which keep it; so does this.
public enum ExactUTF8 {
    /// The text of `bytes`, every scalar kept (a leading U+FEFF included); nil when the bytes are not valid UTF-8.
    public static func string<Bytes: Collection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        String(validating: bytes, as: UTF8.self)
    }

    /// The text of raw bytes (a GGUF string), every scalar kept; nil when they are not valid UTF-8. Decoding
    /// replaces invalid sequences with U+FFFD, so the bytes are valid exactly when the text spells them unchanged.
    public static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        var text = String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
        let unchanged = text.withUTF8 { decoded in
            decoded.count == bytes.count && (bytes.isEmpty || memcmp(decoded.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        return unchanged ? text : nil
    }

    /// The text of the file at `url`, every scalar kept; nil when it cannot be read or is not valid UTF-8.
    public static func contents(of url: URL) -> String? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return string(data)
    }

    /// Parses JSON as `JSONSerialization.jsonObject(with:options:)` does, but keeps U+FEFF wherever it occurs in a
    /// string. Every U+FEFF after the first byte is rewritten as the escape `\ufeff` before parsing (which
    /// Foundation keeps); outside strings U+FEFF is not valid JSON either way, and one leading U+FEFF is the file's
    /// encoding signature, which `JSONSerialization` skips as Python's `utf-8-sig` would.
    public static func jsonObject(with data: Data, options: JSONSerialization.ReadingOptions = []) throws -> Any {
        try JSONSerialization.jsonObject(with: escapingByteOrderMarks(data), options: options)
    }

    /// `data` with every U+FEFF (bytes EF BB BF) after the start replaced by the six bytes `\ufeff`.
    static func escapingByteOrderMarks(_ data: Data) -> Data {
        let mark = Data([0xEF, 0xBB, 0xBF])
        let start = data.starts(with: mark) ? data.startIndex + 3 : data.startIndex
        guard data.range(of: mark, in: start..<data.endIndex) != nil else { return data }
        let bytes = [UInt8](data)
        var result = Array(bytes[..<(start - data.startIndex)])
        result.reserveCapacity(bytes.count + 16)
        var index = start - data.startIndex
        while index < bytes.count {
            if index + 2 < bytes.count && bytes[index] == 0xEF && bytes[index + 1] == 0xBB && bytes[index + 2] == 0xBF {
                result.append(contentsOf: #"\ufeff"#.utf8)
                index += 3
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return Data(result)
    }
}
