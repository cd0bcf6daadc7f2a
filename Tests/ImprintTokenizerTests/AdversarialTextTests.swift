import Foundation
import XCTest
@testable import ImprintTokenizer

/// Adversarial text against ids recorded with HF `tokenizers` (Fixtures/make_adversarial_fixtures.py): NUL bytes,
/// C0/C1 controls, the 17 Unicode planes, noncharacters, U+FEFF inside text, stacked combining marks, right-to-left
/// text, zero-width joiners, long runs of one character and a 10 MB line; and malformed bytes in tokenizer.json.
final class AdversarialTextTests: XCTestCase {
    struct Recorded: Decodable {
        struct Long: Decodable {
            let name: String
            let utf8_bytes: Int
            let count: Int
            let first: [Int]
            let last: [Int]
            let fnv1a: String
        }
        let texts: [String]
        let ids: [[Int]]
        let ids_with_special: [[Int]]
        let long: [Long]
    }

    /// The pieces and seed of make_adversarial_fixtures.py's `generated_line`.
    static let pieces = ["the", " ", "quick", "\u{E9}", "\u{4E2D}\u{6587}", "\u{1F600}", "e\u{301}", "\u{0}", "\t", "7",
                         "42", ".", "\u{200D}", "\u{10000}", "\u{100000}", "\u{FB01}", "  ", "\u{FEFF}", "\u{5E9}\u{5DC}",
                         "\u{85}"]

    /// Pieces drawn with SplitMix64(seed) until the text holds at least `byteCount` UTF-8 bytes.
    static func generatedLine(byteCount: Int, seed: UInt64 = 19) -> String {
        var generator = SplitMix64(seed: seed)
        var text = ""
        var size = 0
        while size < byteCount {
            let piece = pieces[Int(generator.next() % UInt64(pieces.count))]
            text += piece
            size += piece.utf8.count
        }
        return text
    }

    /// 64-bit FNV-1a of the ids' comma-joined decimals.
    static func fnv1a(_ ids: [Int]) -> UInt64 {
        var digest: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ byte: UInt8) { digest = (digest ^ UInt64(byte)) &* 0x100_0000_01B3 }
        for (index, id) in ids.enumerated() {
            if index > 0 { add(UInt8(ascii: ",")) }
            for byte in String(id).utf8 { add(byte) }
        }
        return digest
    }

    static func longText(_ name: String) -> String {
        switch name {
        case "100000 spaces": return String(repeating: " ", count: 100_000)
        case "100000 a": return String(repeating: "a", count: 100_000)
        case "100000 NUL": return String(repeating: "\u{0}", count: 100_000)
        case "10000 U+1F600": return String(repeating: "\u{1F600}", count: 10_000)
        case "10 MB line": return generatedLine(byteCount: 10_000_000)
        default: preconditionFailure("no long text named \(name)")
        }
    }

    func check(_ name: String, includingTenMegabytes: Bool = false) throws {
        let tokenizer = try PretrainedTokenizer(directory: TestResources.fixtures.appendingPathComponent("tokenizer-json/\(name)"))
        let expected = try TestResources.json(Recorded.self, "expected/adversarial-\(name).json")
        for (index, text) in expected.texts.enumerated() {
            let scalars = text.unicodeScalars.prefix(12).map { String($0.value, radix: 16) }.joined(separator: " ")
            XCTAssertEqual(tokenizer.encode(text, addSpecialTokens: false), expected.ids[index], "\(name): ids of text \(index) [\(scalars)]")
            XCTAssertEqual(tokenizer.encode(text), expected.ids_with_special[index], "\(name): ids with special tokens of text \(index) [\(scalars)]")
        }
        for long in expected.long where includingTenMegabytes || long.utf8_bytes < 1_000_000 {
            let text = Self.longText(long.name)
            XCTAssertEqual(text.utf8.count, long.utf8_bytes, "\(name): \(long.name) is not the text the script built")
            let start = Date()
            let ids = tokenizer.encode(text, addSpecialTokens: false)
            print("\(name): \(long.name): \(ids.count) ids in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            XCTAssertEqual(ids.count, long.count, "\(name): number of ids of \(long.name)")
            XCTAssertEqual(Array(ids.prefix(16)), long.first, "\(name): first ids of \(long.name)")
            XCTAssertEqual(Array(ids.suffix(16)), long.last, "\(name): last ids of \(long.name)")
            XCTAssertEqual(String(Self.fnv1a(ids)), long.fnv1a, "\(name): hash of the ids of \(long.name)")
        }
    }

    func testByteLevelBytePair() throws { try check("smollm2") }
    func testSentencePieceBytePairWithoutPreTokenizer() throws { try check("llama2") }
    func testSentencePieceBytePairSplitOnSpaces() throws { try check("gemma") }

    /// The 10 MB line, slow in debug builds: run with IMPRINT_LONG_TESTS=1.
    func testTenMegabyteLine() throws {
        guard ProcessInfo.processInfo.environment["IMPRINT_LONG_TESTS"] != nil else {
            throw XCTSkip("set IMPRINT_LONG_TESTS=1 to tokenize the 10 MB line")
        }
        for name in ["smollm2", "llama2", "gemma"] { try check(name, includingTenMegabytes: true) }
    }

    /// The generator and the hash agree with the script's: `fnv1a([1, 22, 333])` and `generated_line(40)`.
    func testGeneratorAndHashMatchTheScript() {
        XCTAssertEqual(Self.fnv1a([1, 22, 333]), 2_592_717_958_630_602_999)
        XCTAssertEqual(Self.generatedLine(byteCount: 40),
                       "  42\u{10000}\u{1F600}\u{100000}.\u{FEFF}\u{4E2D}\u{6587}7quick\u{0}7\u{E9}\u{10000}")
    }
}

/// tokenizer.json files with bytes that are not UTF-8 or with lone surrogate escapes: typed errors, as HF
/// `tokenizers` (serde_json) refuses both ("stream did not contain valid UTF-8", "lone leading surrogate in hex
/// escape"); Python's `json` would accept the escapes.
final class AdversarialTokenizerFileTests: XCTestCase {
    func load(_ bytes: [UInt8]) -> Result<PretrainedTokenizer, TokenizerError> {
        do {
            return .success(try PretrainedTokenizer(tokenizerJSON: Data(bytes), file: "bad.json"))
        } catch {
            return .failure(error as! TokenizerError)
        }
    }

    func file(vocabularyKey: [UInt8]) -> [UInt8] {
        Array(#"{"model": {"type": "BPE", "vocab": {"a": 0, ""#.utf8) + vocabularyKey + Array(#"": 1}, "merges": []}}"#.utf8)
    }

    func testInvalidUTF8IsRefused() {
        for bad: [UInt8] in [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x61, 0xE2, 0x82]] {
            guard case .failure(let error) = load(file(vocabularyKey: bad)) else { return XCTFail("\(bad) loaded") }
            XCTAssertEqual(error, .unreadable(file: "bad.json", reason: "not valid UTF-8"))
        }
    }

    /// Regression: `"\ud800\u0041"` (a high surrogate before an escape that is not a low one) crashed on an
    /// arithmetic overflow; lone surrogates were read as U+FFFD.
    func testLoneSurrogateEscapesAreRefused() {
        for escape in [#"\ud800"#, #"\udc00x"#, #"\ud800\u0041"#, #"\ud800\udbff"#, #"x\udfff"#] {
            guard case .failure(let error) = load(file(vocabularyKey: Array(escape.utf8))) else { return XCTFail("\(escape) loaded") }
            guard case .invalidField(file: "bad.json", field: "(root)", let expected) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(expected.hasSuffix("lone surrogate in \\u escape"), expected)
        }
        guard case .success(let tokenizer) = load(file(vocabularyKey: Array(#"\ud83d\ude00"#.utf8))) else { return XCTFail("a pair") }
        XCTAssertEqual(tokenizer.tokenToId("\u{1F600}"), 1)
    }

    /// The CLI's JSONL messages go through the same parser.
    func testJinjaJSONNamesTheEscape() {
        XCTAssertThrowsError(try JinjaJSON.parse(#"{"content": "ab\ud800\u0041"}"#)) { error in
            XCTAssertEqual("\(error)", "invalid JSON at byte 15: lone surrogate in \\u escape")
        }
        XCTAssertEqual(try JinjaJSON.parse(#""a\u0000\uffff""#), .string("a\u{0}\u{FFFF}"))
    }
}
