import Foundation
import XCTest
@testable import ImprintTokenizer

/// The hand-written pre-tokenizer matchers against their plain reference: the same regex compiled by
/// `NSRegularExpression`, on awkward strings (empty, one character, whitespace runs, mixed scripts).
final class KnownSplitPatternTests: XCTestCase {
    static let samples: [String] = {
        var samples = ["", " ", "a", "1", "\n", "'", "  ", " \n ", "\t\t x", "a  b", "abc   ", "I'm", "I'M HERE'S", "x'LL 've",
                       "1234567", " 12 345", "a1b2", "\r\n\r\n", "end.\n\n", "?!?\n", " ...\n\n  y", "  \n\n  \tz",
                       "日本語 テキスト", "Привет, мир!", "e\u{301}", "\u{301}x", " \u{301}\u{301}", "क्षि", "'\u{301}s", "🦙🚀 👍🏽", "\u{a0}x\u{3000}y", "tab\tsep", "__init__()"]
        // Random strings over a small alphabet that mixes every class the patterns distinguish.
        var generator = SplitMix64(seed: 7)
        let alphabet: [String] = ["a", "Z", "é", "语", "1", "٣", "½", " ", " ", "\t", "\n", "\r", "'", "s", "t", "l", "L", "!", ".", "🦙", "\u{a0}", "_", "\u{301}", "\u{93F}", "\u{20DD}"]
        for length in [2, 3, 5, 8, 13, 31] {
            for _ in 0..<40 {
                samples.append((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }.joined())
            }
        }
        return samples
    }()

    func check(_ source: String) throws {
        let known = try XCTUnwrap(KnownSplitPattern(source: source))
        let reference = try NSRegularExpression(pattern: source)
        for sample in Self.samples {
            let scalars = Array(sample.unicodeScalars)
            let fast = SplitPattern.known(known).matches(in: scalars) { scalars.map(ScalarClass.of) }
            let plain = SplitPattern.regex(reference).matches(in: scalars) { [] }
            XCTAssertEqual(fast, plain, "\(source) on \(sample.debugDescription)")
        }
    }

    func testGPT2() throws { try check(KnownSplitPattern.gpt2Source) }
    func testLlama3() throws { try check(KnownSplitPattern.llama3Source) }
    func testQwen2() throws { try check(KnownSplitPattern.qwen2Source) }
    func testQwen35() throws { try check(KnownSplitPattern.qwen35Source) }

    /// DeepSeek's character-class regexes, matched by `ScalarRunPattern`.
    func testScalarRunPatterns() throws {
        let extra = ["Ὗώ ΐ Ί Ω K ι", "ＡＢ！？　。x", "a\r\nb\n", "  trailing \t ", "1234567 12 123 99999", "中文 한국어 ࠀ", "x ‘quoted’ y", "  "]
        for source in GGUFBytePairFamily.scalarRunSources {
            let run = try XCTUnwrap(ScalarRunPattern(source: source), source)
            let reference = try NSRegularExpression(pattern: source)
            for sample in Self.samples + extra {
                let scalars = Array(sample.unicodeScalars)
                XCTAssertEqual(run.matches(in: scalars), SplitPattern.regex(reference).matches(in: scalars) { [] },
                               "\(source.prefix(20)) on \(sample.debugDescription)")
            }
        }
        XCTAssertNil(ScalarRunPattern(source: "[0-9][0-9][a-z]"))
        XCTAssertNil(ScalarRunPattern(source: #"[^\s]+"#))
        XCTAssertNil(ScalarRunPattern(source: #"\s?[a-z]"#))
    }

    /// The raw-text byte-level path gives the same ids as encoding the byte-level-mapped word.
    func testByteLevelFastPathMatchesPlainPath() throws {
        let directory = TestResources.fixtures.appendingPathComponent("tokenizer-json/gpt2")
        let tokenizer = try PretrainedTokenizer(directory: directory)
        for sample in Self.samples where !sample.isEmpty {
            var fast: [Int] = []
            tokenizer.model.bytePair!.encodeByteLevel(sample, into: &fast)
            var plain: [Int] = []
            tokenizer.model.bytePair!.encode(ByteLevelAlphabet.encode(sample[...]), into: &plain)
            XCTAssertEqual(fast, plain, sample.debugDescription)
        }
    }
}

/// Canonically equivalent spellings are different bytes and different tokens: the word cache must not merge them.
final class ExactTextTests: XCTestCase {
    func testCanonicallyEquivalentWordsKeepTheirOwnIds() throws {
        let directory = TestResources.fixtures.appendingPathComponent("tokenizer-json/gpt2")
        let tokenizer = try PretrainedTokenizer(directory: directory)
        // KELVIN SIGN and OHM SIGN are canonically equivalent to K and Ω, and letters, so each is one word.
        for (singleton, canonical) in [("\u{212A}", "K"), ("\u{2126}", "\u{3A9}"), ("\u{212B}x", "\u{C5}x")] {
            let first = tokenizer.encode(singleton, addSpecialTokens: false)
            let second = tokenizer.encode(canonical, addSpecialTokens: false)
            XCTAssertNotEqual(first, second, singleton.debugDescription)
            XCTAssertEqual(tokenizer.decode(first).unicodeScalars.map(\.value), singleton.unicodeScalars.map(\.value))
            XCTAssertEqual(tokenizer.decode(second).unicodeScalars.map(\.value), canonical.unicodeScalars.map(\.value))
        }
    }
}
