import Foundation
import ImprintFormats
import XCTest
@testable import ImprintTokenizer

/// SentencePiece-style `tokenizer.json` vocabularies (byte-fallback BPE with `▁`) converted to GGUF keys
/// (`GGUFTokenizerMetadata`, for `imprint convert --output F.gguf`) and loaded back as llama.cpp's
/// `llama` vocabulary (`PretrainedTokenizer(gguf:)`) encode and decode the corpus exactly as the
/// `tokenizer.json` tokenizer (itself checked against HF `tokenizers` in `TokenizerJSONTests`).
final class GGUFSentencePieceExportTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-sp-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The fixture's GGUF keys, written to a tokenizer-only GGUF file and loaded back.
    func roundTrip(_ name: String, vocabularySize: Int = 0) throws -> (source: PretrainedTokenizer, gguf: PretrainedTokenizer, GGUFMetadata) {
        let fixture = TestResources.fixtures.appendingPathComponent("tokenizer-json/\(name)")
        let entries = try GGUFTokenizerMetadata.entries(directory: fixture, vocabularySize: vocabularySize)
        let url = directory.appendingPathComponent("\(name).gguf")
        try GGUFWriter.write(metadata: entries, tensors: [], to: url)
        let file = try GGUFFile(contentsOf: url)
        return (try PretrainedTokenizer(directory: fixture), try PretrainedTokenizer(gguf: file), file.metadata)
    }

    /// - Parameter metaspace: `Metaspace` (prepend scheme `first`) adds no `▁` to a text that already starts
    ///   with a space, where llama.cpp's `add_space_prefix` always adds one: such texts are compared apart, and
    ///   decoding (its own `Metaspace` decoder, not llama.cpp's) is not compared.
    func assertSameEncoding(_ name: String, metaspace: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let (source, gguf, _) = try roundTrip(name)
        let texts = try TestResources.json([String].self, "corpus.json")
        var compared = 0
        for text in texts {
            if metaspace && text.hasPrefix(" ") {
                // The GGUF vocabulary encodes it as the tokenizer.json one encodes it with one more space.
                XCTAssertEqual(gguf.encode(text, addSpecialTokens: false), source.encode(" " + text, addSpecialTokens: false),
                               "\(name): \(text.debugDescription)", file: file, line: line)
                continue
            }
            compared += 1
            let ids = source.encode(text, addSpecialTokens: false)
            XCTAssertEqual(gguf.encode(text, addSpecialTokens: false), ids, "\(name): \(text.debugDescription)", file: file, line: line)
            XCTAssertEqual(gguf.encode(text), source.encode(text), "\(name) with special tokens: \(text.debugDescription)", file: file, line: line)
            if !metaspace {
                XCTAssertEqual(gguf.decode(ids), source.decode(ids), "\(name): decode of \(text.debugDescription)", file: file, line: line)
            }
        }
        XCTAssertGreaterThan(compared, 30, file: file, line: line)
    }

    func testLlama2StyleRoundTrip() throws { try assertSameEncoding("llama2") }
    func testGemmaStyleRoundTrip() throws { try assertSameEncoding("gemma") }
    func testMetaspaceRoundTrip() throws { try assertSameEncoding("metaspace", metaspace: true) }

    /// The keys themselves: llama.cpp's SentencePiece model, Gemma's `add_space_prefix` false, byte and
    /// control token types, scores in merge order, special ids, padding to the model's vocabulary.
    func testGemmaStyleKeys() throws {
        let (_, _, metadata) = try roundTrip("gemma", vocabularySize: 760)
        XCTAssertEqual(try metadata.string("tokenizer.ggml.model"), "llama")
        XCTAssertEqual(try metadata.string("tokenizer.ggml.pre"), "default")
        XCTAssertEqual(try metadata.boolIfPresent("tokenizer.ggml.add_space_prefix"), false)
        XCTAssertEqual(try metadata.boolIfPresent("tokenizer.ggml.add_bos_token"), true)
        let tokens = try metadata.strings("tokenizer.ggml.tokens"), types = try metadata.ints("tokenizer.ggml.token_type")
        let scores = try metadata.floats("tokenizer.ggml.scores")
        XCTAssertEqual(tokens.count, 760)
        XCTAssertEqual(Array(tokens[0..<4]), ["<unk>", "<bos>", "<eos>", "<0x00>"])
        XCTAssertEqual(Array(types[0..<4]), [3, 3, 3, 6])
        XCTAssertEqual(tokens[759], "[PAD759]")
        XCTAssertEqual(types[759], 5)
        XCTAssertEqual(try metadata.int("tokenizer.ggml.bos_token_id"), 1)
        XCTAssertEqual(try metadata.int("tokenizer.ggml.eos_token_id"), 2)
        XCTAssertEqual(try metadata.int("tokenizer.ggml.unknown_token_id"), 0)
        // The first merge, "▁ ▁", makes the highest-scoring normal token.
        let first = try XCTUnwrap(tokens.firstIndex(of: "▁▁"))
        XCTAssertEqual(scores[first], 0)
        XCTAssertEqual(types[first], 1)
        XCTAssertEqual(scores[try XCTUnwrap(tokens.firstIndex(of: "e▁"))], -1)
    }

    /// Shapes llama.cpp's SentencePiece tokenizer cannot reproduce, and Unigram, are refused naming the field.
    func testUnsupportedSentencePieceShapesAreRefused() throws {
        let path = directory.appendingPathComponent("tokenizer.json").path
        func entries(_ components: String, model: String = #""type": "BPE", "byte_fallback": true, "vocab": {"a": 0}, "merges": []"#) throws {
            try Data(#"{"model": {\#(model)}, \#(components)}"#.utf8).write(to: URL(fileURLWithPath: path))
            _ = try GGUFTokenizerMetadata.entries(directory: directory, vocabularySize: 1)
        }
        XCTAssertThrowsError(try entries(#""pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true}"#)) {
            XCTAssertEqual($0 as? TokenizerError, .unsupportedType(file: path, field: "pre_tokenizer.split",
                                                                   type: "Metaspace splitting words (llama.cpp's SentencePiece tokenizer merges across spaces; split false is converted)"))
        }
        XCTAssertThrowsError(try entries(#""normalizer": {"type": "NFKC"}"#)) {
            guard case .unsupportedType(path, "normalizer", _)? = $0 as? TokenizerError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try entries(#""pre_tokenizer": {"type": "Whitespace"}"#)) {
            guard case .unsupportedType(path, "pre_tokenizer", _)? = $0 as? TokenizerError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try entries(#""normalizer": null"#, model: #""type": "Unigram", "vocab": [["a", 0.0]]"#)) {
            guard case .unsupportedType(path, "model.type", _)? = $0 as? TokenizerError else { return XCTFail("\($0)") }
        }
    }

    /// GGUF `llama` vocabulary → tokenizer.json (`GGUFTokenizerExport`) → GGUF keys: the written
    /// tokenizer.json encodes the corpus as the GGUF vocabulary does, and converts back to the same
    /// tokens, token types and special keys, with scores in the same merge order.
    func assertGGUFRoundTrip(_ file: GGUFFile, _ name: String, file sourceFile: StaticString = #filePath, line: UInt = #line) throws {
        let (tokenizerJSON, configurationJSON) = try GGUFTokenizerExport.huggingFaceData(file, modelMaxLength: 4096)
        let folder = directory.appendingPathComponent("hf-\(name)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try tokenizerJSON.write(to: folder.appendingPathComponent("tokenizer.json"))
        try configurationJSON.write(to: folder.appendingPathComponent("tokenizer_config.json"))
        let gguf = try PretrainedTokenizer(gguf: file), written = try PretrainedTokenizer(directory: folder)
        for text in try TestResources.json([String].self, "corpus.json") {
            XCTAssertEqual(written.encode(text), gguf.encode(text), "\(name): \(text.debugDescription)", file: sourceFile, line: line)
            let ids = gguf.encode(text, addSpecialTokens: false)
            XCTAssertEqual(written.decode(ids), gguf.decode(ids), "\(name): decode of \(text.debugDescription)", file: sourceFile, line: line)
        }
        let original = file.metadata
        let tokens = try original.strings("tokenizer.ggml.tokens")
        let back = try GGUFTokenizerMetadata.entries(directory: folder, vocabularySize: tokens.count)
        let url = directory.appendingPathComponent("back-\(name).gguf")
        try GGUFWriter.write(metadata: back, tensors: [], to: url)
        let reread = try GGUFFile(contentsOf: url).metadata
        let rereadTokens = try reread.strings("tokenizer.ggml.tokens")
        XCTAssertEqual(rereadTokens.count, tokens.count, file: sourceFile, line: line)
        let differing = zip(rereadTokens, tokens).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        XCTAssertEqual(differing, [], "tokens \(differing.prefix(5).map { (rereadTokens[$0], tokens[$0]) })", file: sourceFile, line: line)
        XCTAssertEqual(try reread.ints("tokenizer.ggml.token_type"), try original.ints("tokenizer.ggml.token_type"), file: sourceFile, line: line)
        for key in ["tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id"] {
            XCTAssertEqual(try reread.intIfPresent(key), try original.intIfPresent(key), key, file: sourceFile, line: line)
        }
        XCTAssertEqual(try reread.boolIfPresent("tokenizer.ggml.add_space_prefix"),
                       try original.boolIfPresent("tokenizer.ggml.add_space_prefix") ?? true, file: sourceFile, line: line)
        // Normal tokens keep their order of priority (descending score, ties by id).
        let types = try original.ints("tokenizer.ggml.token_type")
        let normal = tokens.indices.filter { types[$0] == 1 }
        func order(_ scores: [Float]) -> [Int] { normal.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 } }
        let multi = Set(normal.filter { tokens[$0].unicodeScalars.count > 1 })
        XCTAssertEqual(order(try reread.floats("tokenizer.ggml.scores")).filter(multi.contains),
                       order(try original.floats("tokenizer.ggml.scores")).filter(multi.contains), file: sourceFile, line: line)
    }

    func testGemmaStyleGGUFToTokenizerJSONAndBack() throws {
        let fixture = TestResources.fixtures.appendingPathComponent("tokenizer-json/gemma")
        let url = directory.appendingPathComponent("gemma.gguf")
        try GGUFWriter.write(metadata: try GGUFTokenizerMetadata.entries(directory: fixture, vocabularySize: 0), tensors: [], to: url)
        try assertGGUFRoundTrip(try GGUFFile(contentsOf: url), "gemma")
    }

    /// llama.cpp's own Llama 2 vocabulary (`ggml-vocab-llama-spm.gguf`, scores from `tokenizer.model`).
    func testLlamaSPMVocabularyToTokenizerJSONAndBack() throws {
        let url = try TestResources.fetched("llama-cpp-vocab/ggml-vocab-llama-spm.gguf", fetchedBy: "scripts/fetch-test-vocabularies.sh")
        try assertGGUFRoundTrip(try GGUFFile(contentsOf: url), "llama-spm")
    }
}
