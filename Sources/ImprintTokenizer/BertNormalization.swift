import Foundation

/// BERT's normalizer (HF `tokenizers` `normalizers::bert::BertNormalizer`), in its order:
/// 1. `cleanText`: drop U+0000, U+FFFD and control characters (categories Cc, Cf, Cs, Co, Cn, except tab, line
///    feed and carriage return); every whitespace character becomes a space.
/// 2. `handleChineseCharacters`: a space on each side of every CJK ideograph.
/// 3. `stripAccents`: NFD, then drop nonspacing marks (Mn).
/// 4. `lowercase`: every scalar's full lowercase mapping, one scalar at a time (Rust `char::to_lowercase`).
///
/// Example (all four on): `"Héllo\u{0}  世界"` -> `"hello   世  界 "`.
struct BertNormalization: Sendable, Equatable {
    var cleanText = true
    var handleChineseCharacters = true
    var stripAccents = true
    var lowercase = true

    func apply(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return applyToASCII(text) }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) {
                    scalars.append(" ")
                    continue
                }
            }
            if handleChineseCharacters && Self.isChineseCharacter(scalar) {
                scalars.append(" ")
                scalars.append(scalar)
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        var result = String(scalars)
        if stripAccents {
            let decomposed = result.decomposedStringWithCanonicalMapping.unicodeScalars
            result = String(String.UnicodeScalarView(decomposed.filter { $0.properties.generalCategory != .nonspacingMark }))
        }
        if lowercase {
            var lowered = String.UnicodeScalarView()
            for scalar in result.unicodeScalars {
                if scalar.isASCII {
                    lowered.append(scalar.properties.isUppercase ? Unicode.Scalar(scalar.value + 32)! : scalar)
                } else {
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            result = String(lowered)
        }
        return result
    }

    /// The same steps on ASCII text, byte by byte: no CJK, no accents, controls dropped, whitespace to spaces.
    private func applyToASCII(_ text: String) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            var byte = byte
            if cleanText {
                if byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x20 {
                    byte = 0x20
                } else if byte < 0x20 || byte == 0x7F {
                    continue
                }
            }
            if lowercase && byte >= 0x41 && byte <= 0x5A { byte += 32 }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// HF `is_whitespace`: tab, line feed, carriage return or the White_Space property.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// HF `is_control`: the "other" categories, except tab, line feed and carriage return.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// HF `is_chinese_char`: the CJK Unified Ideographs blocks and their extensions and compatibility blocks.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
