/// GPT-2's reversible map between bytes and printable characters (`bytes_to_unicode` in GPT-2's encoder.py,
/// `bytes_char` in HF `tokenizers`): bytes `!`..`~`, `¡`..`¬`, `®`..`ÿ` map to themselves, the other 68 bytes to
/// U+0100, U+0101, ... in increasing byte order (space 0x20 -> `Ġ`, newline 0x0A -> `Ċ`).
enum ByteLevelAlphabet {
    /// `scalarForByte[b]` is the character byte `b` is written as.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The inverse map: the byte a character stands for, or nil when the character is not in the alphabet.
    static let byteForScalar: [UInt32: UInt8] = {
        var inverse: [UInt32: UInt8] = [:]
        for (byte, scalar) in scalarForByte.enumerated() { inverse[scalar.value] = UInt8(byte) }
        return inverse
    }()

    /// Writes the UTF-8 bytes of `text` in the byte-level alphabet.
    static func encode(_ text: Substring) -> String {
        var result = String.UnicodeScalarView()
        for byte in text.utf8 { result.append(scalarForByte[Int(byte)]) }
        return String(result)
    }

    /// The bytes a byte-level token stands for; nil when some character is outside the alphabet.
    static func bytes(of token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            guard let byte = byteForScalar[scalar.value] else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
