import Foundation
import ImprintFormats
import ImprintTensor
import ImprintTokenizer
import XCTest
@testable import ImprintModel

/// `imprint convert`'s exporter: the written HF directory reloads with the source's logits; the
/// exported tokenizer.json encodes exactly as the GGUF vocabulary. (transformers loading the
/// converted default model was checked by hand: identical logits, ids and chat template.)
final class ExportTests: XCTestCase {
    func testConvertedDirectoriesReloadWithTheSameLogits() throws {
        let ids = try Reference("llama/reference.safetensors").ints("input_ids")
        let batch = TokenBatch(ids: ids, batchSize: 2, length: 7)
        let sources = [modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf").path,
                       modelFixtures.appendingPathComponent("gemma3").path, modelFixtures.appendingPathComponent("qwen2").path]
        for path in sources {
            let original = try ModelLoader.load(path: path, keepQuantized: true)
            let expected = withoutGradients { original(batch) }
            let output = try temporaryDirectory().appendingPathComponent("converted")
            try HuggingFaceExporter.export(original, tokenizerSource: try ModelLoader.source(of: path), to: output)
            let reloaded = try HuggingFaceModelLoader.load(directory: output)
            XCTAssertEqual(reloaded.configuration, original.configuration, path)
            XCTAssertLessThanOrEqual(relativeError(withoutGradients { reloaded(batch) }.storage, expected.storage), 1e-5, path)  // float32 summation order (quantized kernel vs sgemm)
            // Exporting again replaces the directory atomically, leaving no staging folders behind.
            try HuggingFaceExporter.export(reloaded, tokenizerSource: nil, to: output, dataType: .bf16)
            let siblings = try FileManager.default.contentsOfDirectory(atPath: output.deletingLastPathComponent().path)
            XCTAssertEqual(siblings, ["converted"])
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("config.json"))) as! [String: Any]
            XCTAssertEqual(config["torch_dtype"] as? String, "bfloat16")
        }
    }

    func testAttachedAdaptersMustBeMergedFirst() throws {
        let model = try HuggingFaceModelLoader.load(directory: modelFixtures.appendingPathComponent("llama"))
        try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["q_proj"]))
        XCTAssertThrowsError(try HuggingFaceExporter.export(model, tokenizerSource: nil, to: try temporaryDirectory().appendingPathComponent("x")))
    }

    func testExportedTokenizerEncodesLikeTheGGUFVocabulary() throws {
        guard let path = defaultModelPath() else { throw XCTSkip("default model not fetched (scripts/fetch-default-model.sh)") }
        let file = try GGUFFile(path: path)
        let (tokenizerJSON, configurationJSON) = try GGUFTokenizerExport.huggingFaceData(file, modelMaxLength: 8192)
        let directory = try temporaryDirectory()
        try tokenizerJSON.write(to: directory.appendingPathComponent("tokenizer.json"))
        try configurationJSON.write(to: directory.appendingPathComponent("tokenizer_config.json"))
        let exported = try PretrainedTokenizer(directory: directory)
        let original = try PretrainedTokenizer(gguf: file)
        let texts = ["Hello world 12345 héllo 🙂 日本語", "  tabs\tand\nnewlines  ", "It's 2026; x=3.14159",
                     "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"]
        for text in texts {
            XCTAssertEqual(exported.encode(text), original.encode(text), text)
            XCTAssertEqual(exported.decode(original.encode(text)), text)
        }
        XCTAssertEqual(exported.chatTemplate, original.chatTemplate)
        XCTAssertEqual(exported.eosTokenId, original.eosTokenId)
    }
}
