import Foundation
import ImprintFormats
import XCTest
@testable import ImprintTokenizer

/// SentencePiece Unigram and its precompiled charsmap: HF `Precompiled` normalization recorded on a charsmap built by
/// Fixtures/make_tokenizer_json_fixtures.py, the Viterbi's unknown and byte-fallback handling, and malformed
/// charsmaps as typed errors. The XLM-R-shaped `tokenizer.json` itself is checked in `TokenizerJSONTests`, the real
/// nomic-bert-moe GGUF in `GGUFVocabularyTests`.
final class UnigramTests: XCTestCase {
    struct RecordedNormalization: Decodable {
        let charsmap: String
        let texts: [String]
        let normalized: [String]
    }

    func testCharsMapNormalizesAsHuggingFace() throws {
        let recorded = try TestResources.json(RecordedNormalization.self, "expected/precompiled-charsmap.json")
        let blob = try XCTUnwrap(Data(base64Encoded: recorded.charsmap))
        let charsMap = try PrecompiledCharsMap(Array(blob), file: "charsmap", field: "precompiled_charsmap")
        for (text, normalized) in zip(recorded.texts, recorded.normalized) {
            XCTAssertEqual(charsMap.normalize(text).unicodeScalars.map(\.value), normalized.unicodeScalars.map(\.value),
                           "normalization of \(text.debugDescription)")
        }
        // The shortest key wins within a cluster: "Ａ" + U+0301 is "A", the accent dropped (HF, not sentencepiece).
        XCTAssertEqual(charsMap.normalize("\u{FF21}\u{301}"), "A")
    }

    /// A tiny model: "a" and "b" alone, "ab" scored above their sum; "x" has no piece. The expected ids below are
    /// what HF `tokenizers` 0.23.3 `models.Unigram` gives for the same vocabulary.
    func model(byteFallback: Bool) -> UnigramModel {
        var tokens = ["<unk>", "a", "b", "ab"]
        var scores: [Double?] = [0, -2, -2, -3]
        if byteFallback {
            tokens += ["<0x78>", "<0xE2>", "<0x98>", "<0x83>"]
            scores += [-9, -9, -9, -9]
        }
        return UnigramModel(tokens: tokens, scores: scores, unknownId: 0, byteFallback: byteFallback)
    }

    func testViterbiPrefersTheHighestScoreAndFusesUnknownRuns() {
        let unigram = model(byteFallback: false)
        XCTAssertEqual(unigram.pieces(of: "ab"), [3])
        XCTAssertEqual(unigram.pieces(of: "aab"), [1, 3])
        XCTAssertEqual(unigram.pieces(of: "axx\u{2603}b"), [1, 0, 2])
        XCTAssertEqual(unigram.unknownScore, -13)
        XCTAssertEqual(unigram.pieces(of: ""), [])
        // The unknown piece's own text fuses with the unknown scalars beside it.
        XCTAssertEqual(unigram.pieces(of: "<unk>"), [0])
        XCTAssertEqual(unigram.pieces(of: "a<unk>x"), [1, 0])
    }

    func testByteFallbackSpellsUnknownRunsAsBytesWhenAllExist() {
        let unigram = model(byteFallback: true)
        XCTAssertEqual(unigram.pieces(of: "ax\u{2603}"), [1, 4, 5, 6, 7])
        // "y" has no byte token: the whole unknown run falls back to the unknown id.
        XCTAssertEqual(unigram.pieces(of: "axy"), [1, 0])
    }

    func testMalformedCharsMapsAreTypedErrors() {
        func error(_ blob: [UInt8]) -> TokenizerError? {
            do {
                _ = try PrecompiledCharsMap(blob, file: "bad.gguf", field: "tokenizer.ggml.precompiled_charsmap")
                return nil
            } catch {
                return error as? TokenizerError
            }
        }
        func little(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        // (case, blob, a word of the expected description). Unit 0 is the root (base 1); unit 1 is a node for byte 1
        // that ends a key, so its value must be the value unit at 1 ^ offset.
        let malformed: [(String, [UInt8], String)] = [
            ("too short", [1, 0], "4-byte trie size"),
            ("trie size past the end", little(400) + [0, 0, 0, 0], "fits"),
            ("trie size not a multiple of 4", little(3) + [0, 0, 0, 0], "multiple of 4"),
            ("pool not UTF-8", little(4) + little(1 << 10) + [0xFF, 0], "UTF-8"),
            ("leaf without a value unit", little(8) + little(1 << 10) + little(1 | 1 << 8) + [0x61, 0], "value unit"),
            ("value outside the pool", little(12) + little(1 << 10) + little(1 | 1 << 8 | 3 << 10) + little(1 << 31 | 9) + [0x61, 0],
             "start of a replacement"),
            ("value inside a character", little(12) + little(1 << 10) + little(1 | 1 << 8 | 3 << 10) + little(1 << 31 | 1) + Array("é".utf8) + [0],
             "start of a replacement"),
        ]
        for (name, blob, reason) in malformed {
            guard let error = error(blob) else {
                XCTFail("\(name): accepted")
                continue
            }
            guard case .invalidField(let file, let field, let expected) = error else {
                XCTFail("\(name): \(error)")
                continue
            }
            XCTAssertTrue(expected.contains(reason), "\(name): \(expected)")
            XCTAssertEqual(file, "bad.gguf", name)
            XCTAssertEqual(field, "tokenizer.ggml.precompiled_charsmap", name)
        }
        // A trie of its root alone is well-formed: it maps nothing, and lookups past its end find no key.
        XCTAssertNil(error(little(4) + little(1 << 10) + [0x62, 0]))
        let rootOnly = try? PrecompiledCharsMap(little(4) + little(1 << 10) + [0x62, 0], file: "x", field: "y")
        XCTAssertEqual(rootOnly?.normalize("abc\u{FF21}"), "abc\u{FF21}")
        // A valid one-rule map, byte 1 -> "a": root base 0, so byte 1 leads to unit 1, whose value is at 1 ^ 3 = 2.
        let oneRule = try? PrecompiledCharsMap(little(12) + little(0) + little(1 | 1 << 8 | 3 << 10) + little(1 << 31) + [0x61, 0],
                                               file: "x", field: "y")
        XCTAssertEqual(oneRule?.normalize("x\u{1}y"), "xay")
    }

    /// A GGUF with a malformed charsmap is refused naming the file and the key; a tokenizer.json with a charsmap that
    /// is not base64 names the file and the field.
    func testMalformedCharsMapInFilesNamesTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-ugm-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        let tokens: [GGUFValue] = ["<pad>", "</s>", "<unk>", "▁a"].map { .string($0) }
        try GGUFWriter.write(metadata: [
            ("tokenizer.ggml.model", .string("t5")),
            ("tokenizer.ggml.tokens", .array(.string, tokens)),
            ("tokenizer.ggml.scores", .array(.float32, [0, 0, 0, -1].map { .float32($0) })),
            ("tokenizer.ggml.token_type", .array(.int32, [3, 3, 2, 1].map { .int32($0) })),
            ("tokenizer.ggml.precompiled_charsmap", .array(.uint8, [9, 0, 0, 0, 1].map { .uint8($0) })),
        ], tensors: [], to: url)
        XCTAssertThrowsError(try PretrainedTokenizer(ggufPath: url.path)) { error in
            XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains("tokenizer.ggml.precompiled_charsmap"), "\(error)")
        }
        let json = #"{"model": {"type": "Unigram", "vocab": [["<unk>", 0.0]], "unk_id": 0}, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "@@"}}"#
        XCTAssertThrowsError(try PretrainedTokenizer(tokenizerJSON: Data(json.utf8), file: "bad.json")) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidField(file: "bad.json", field: "normalizer.precompiled_charsmap",
                                                               expected: "a base64 SentencePiece charsmap"))
        }
    }
}
