import XCTest
@testable import ImprintTokenizer

/// `BertNormalization` against outputs recorded with HF `tokenizers` 0.23.3:
/// `normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)`
/// `.normalize_str(text)`.
final class BertNormalizationTests: XCTestCase {
    let bert = BertNormalization()

    func testEveryASCIIScalar() {
        let text = String(String.UnicodeScalarView((0..<128).map { Unicode.Scalar(UInt8($0)) }))
        XCTAssertEqual(bert.apply(text),
                       ##"    !"#$%&'()*+,-./0123456789:;<=>?@abcdefghijklmnopqrstuvwxyz[\]^_`abcdefghijklmnopqrstuvwxyz{|}~"##)
    }

    func testUnicodeCleaningAccentsCJKAndLowercase() {
        XCTAssertEqual(bert.apply("ΣΑΣ Héllo\u{0}\u{200B}\u{FEFF}\u{A0}x\u{85}y İ ǅ"), "σασ hello xy i ǆ")
        XCTAssertEqual(bert.apply("世界\u{2B820}\u{2B920}"), " 世  界 \u{2B820} \u{2B920} ")
    }

    /// The ASCII fast path agrees with the general path (forced by a trailing CJK ideograph, which gains spaces).
    func testASCIIFastPathMatchesGeneralPath() {
        for text in ["Hello\tWorld\r\n", "A\u{1}\u{B}\u{C}B\u{7F}", "MiXeD 123 !?", ""] {
            XCTAssertEqual(bert.apply(text) + " 世 ", bert.apply(text + "世"), text.debugDescription)
        }
    }
}
