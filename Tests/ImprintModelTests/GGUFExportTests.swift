import Foundation
import ImprintFormats
import ImprintTensor
import ImprintTokenizer
import XCTest
@testable import ImprintModel

/// `GGUFExporter` (`imprint convert --output F.gguf`): written files reload in Imprint with the
/// source's configuration and logits — identical in F32, within a stated tolerance in F16/Q8_0 —
/// Q8_0 matrices re-export byte for byte, a merged adapter keeps PEFT's logits, and the tokenizer
/// metadata built from an HF directory equals the GGUF vocabulary it came from. (llama.cpp
/// loading and running the converted default model: scripts/llama-cpp/check-gguf-export.sh,
/// Docs/GGUFExport.md.)
final class GGUFExportTests: XCTestCase {
    /// GGUF sources (Llama with q/k permutation, Gemma 3 with 1 + w norms) and HF sources.
    let sources = ["llama/llama-f32.gguf", "gemma3-gguf/gemma3-f32.gguf", "qwen2", "llama"]

    /// Each reloaded weight is the source's weight rounded to the file's type, bit for bit (F32:
    /// unchanged; F16: nearest even; Q8_0: quantized and dequantized), so F32 logits are identical.
    /// F16/Q8_0 logits are only checked loosely: these tiny random models (weights of std 0.5)
    /// amplify rounding, up to 0.4% (F16) and 14% (Q8_0) of the largest logit.
    func testExportedFilesReloadWithTheSourcesWeightsAndLogits() throws {
        let directory = try temporaryDirectory()
        for name in sources {
            let path = modelFixtures.appendingPathComponent(name).path
            let original = try ModelLoader.load(path: path)
            let weights = Dictionary(uniqueKeysWithValues: original.namedParameters().map { ($0.key, $0.tensor.scalars) })
            let batch = try fixtureBatch(name.hasPrefix("gemma3-gguf") ? "gemma3" : name.components(separatedBy: "/")[0])
            let expected = withoutGradients { original(batch) }.storage
            for (type, tolerance) in [(GGUFExporter.DataType.f32, Float(0)), (.f16, 1e-2), (.bf16, 5e-2), (.q8_0, 0.2)] {
                let url = directory.appendingPathComponent("\(type).gguf")
                try GGUFExporter.export(original, tokenizerSource: try ModelLoader.source(of: path), to: url, dataType: type)
                let file = try GGUFFile(contentsOf: url)
                XCTAssertEqual(try file.metadata.int("general.file_type"), Int(type.fileType), name)
                for info in file.tensors {
                    XCTAssertEqual(info.type, info.shape.count == 1 ? .f32 : type.ggml, "\(name) \(info.name)")
                }
                XCTAssertNil(file.tensorInfo("output.weight"), "\(name): tied embeddings are not written twice")
                let reloaded = try GGUFModelLoader.load(file)
                XCTAssertEqual(reloaded.configuration, original.configuration, "\(name) \(type)")
                for (key, tensor) in reloaded.namedParameters() {
                    let source = weights[key]!
                    let rounded = tensor.shape.count == 1 ? source : try roundTrip(source, type.ggml)
                    XCTAssertTrue(tensor.scalars == rounded, "\(name) \(type) \(key)")
                }
                let error = relativeError(withoutGradients { reloaded(batch) }.storage, expected)
                XCTAssertLessThanOrEqual(error, tolerance, "\(name) \(type)")
            }
        }
    }

    /// The tiny Llama exported as Q8_0 is gguf-py's Q8_0 file (Fixtures/make_model_fixtures.py),
    /// tensor for tensor, and gives the logits transformers computed from that file's weights.
    func testQ8_0ExportMatchesGGUFPyAndTransformers() throws {
        let url = try temporaryDirectory().appendingPathComponent("llama-q8_0.gguf")
        try GGUFExporter.export(try loadFixtureModel("llama"), tokenizerSource: nil, to: url, dataType: .q8_0)
        let written = try GGUFFile(contentsOf: url)
        let reference = try GGUFFile(contentsOf: modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf"))
        XCTAssertEqual(Set(written.tensors.map(\.name)), Set(reference.tensors.map(\.name)))
        for info in reference.tensors {
            XCTAssertEqual(try written.requireTensor(info.name).type, info.type, info.name)
            XCTAssertEqual(try written.data(info.name), try reference.data(info.name), info.name)
        }
        let logits = withoutGradients { try! GGUFModelLoader.load(written)(try! fixtureBatch("llama")) }.storage
        let expected = try Reference("llama/gguf-reference.safetensors").tensor("q8_0.logits").storage
        XCTAssertLessThanOrEqual(relativeError(logits, expected), 1e-5)
    }

    /// `values` encoded as `type` and decoded again, as a GGUF file holds them.
    func roundTrip(_ values: [Float], _ type: GGMLType) throws -> [Float] {
        let url = try temporaryDirectory().appendingPathComponent("one.gguf")
        try GGUFWriter.write(metadata: [], tensors: [GGUFTensor(name: "t", shape: [values.count], values: values, type: type)], to: url)
        let file = try GGUFFile(contentsOf: url)
        return try file.dequantize(file.requireTensor("t"))
    }

    /// Quantizing dequantized Q8_0 weights gives their blocks back: a Q8_0 source re-exported as
    /// Q8_0 has the source's bytes in every matrix (q/k rows unpermuted and permuted again).
    func testQ8_0SourceReexportsByteForByte() throws {
        let source = try GGUFFile(contentsOf: modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf"))
        let url = try temporaryDirectory().appendingPathComponent("requantized.gguf")
        try GGUFExporter.export(try GGUFModelLoader.load(source), tokenizerSource: nil, to: url, dataType: .q8_0)
        let written = try GGUFFile(contentsOf: url)
        XCTAssertEqual(Set(written.tensors.map(\.name)), Set(source.tensors.map(\.name)))
        for info in source.tensors {
            XCTAssertEqual(try written.data(info.name), try source.data(info.name), info.name)
        }
    }

    /// `imprint convert --adapter`: PEFT's `merge_and_unload`, then export. The merged model, the
    /// GGUF file and the HF directory all give the logits PEFT computed with the adapter attached.
    func testMergedAdapterKeepsTheAdaptersLogits() throws {
        let model = try loadFixtureModel("llama")
        try LoRA.load(from: modelFixtures.appendingPathComponent("llama/adapter"), into: model)
        let batch = try fixtureBatch("llama")
        let expected = try Reference("llama/adapter-reference.safetensors").tensor("logits").storage
        let withAdapter = withoutGradients { model(batch) }.storage
        XCTAssertLessThanOrEqual(relativeError(withAdapter, expected), 1e-4)
        XCTAssertThrowsError(try GGUFExporter.export(model, tokenizerSource: nil, to: try temporaryDirectory().appendingPathComponent("x.gguf")))

        LoRA.mergeAndUnload(model)
        XCTAssertLessThanOrEqual(relativeError(withoutGradients { model(batch) }.storage, withAdapter), 1e-5)
        let directory = try temporaryDirectory()
        try GGUFExporter.export(model, tokenizerSource: nil, to: directory.appendingPathComponent("merged.gguf"))
        try HuggingFaceExporter.export(model, tokenizerSource: nil, to: directory.appendingPathComponent("merged"))
        for path in ["merged.gguf", "merged"] {
            let reloaded = try ModelLoader.load(path: directory.appendingPathComponent(path).path)
            XCTAssertLessThanOrEqual(relativeError(withoutGradients { reloaded(batch) }.storage, withAdapter), 1e-5, path)
        }
    }

    /// What llama.cpp's Gemma 3 cannot express is refused with the key at fault: the fixture's
    /// query_pre_attn_scalar 20 (llama.cpp scales by head_dim 16) and layer types.
    func testConfigurationsLlamaCppCannotExpressAreRejected() throws {
        let model = try loadFixtureModel("gemma3")
        let url = try temporaryDirectory().appendingPathComponent("gemma.gguf")
        XCTAssertThrowsError(try GGUFExporter.export(model, tokenizerSource: nil, to: url)) { error in
            XCTAssertTrue("\(error)".contains("query_pre_attn_scalar"), "\(error)")
        }
        var configuration = model.configuration
        configuration.queryPreAttentionScalar = 16
        XCTAssertThrowsError(try GGUFExporter.export(TransformerDecoder(configuration: configuration), tokenizerSource: nil, to: url)) { error in
            XCTAssertTrue("\(error)".contains("layer_types"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    /// Special token ids from the configuration, as gguf-py's `SpecialVocab` takes them: a negative
    /// one (old Llama configs carry `pad_token_id: -1`) is an error naming the key, one past the
    /// vocabulary is left out.
    func testConfigurationSpecialTokenIdsOutsideTheVocabulary() throws {
        var configuration = try loadFixtureModel("llama").configuration
        let url = try temporaryDirectory().appendingPathComponent("ids.gguf")
        configuration.padTokenId = -1
        XCTAssertThrowsError(try GGUFExporter.export(TransformerDecoder(configuration: configuration), tokenizerSource: nil, to: url)) { error in
            XCTAssertEqual(error as? ModelError, .invalidConfiguration(file: "(model configuration)", key: "pad_token_id",
                                                                        expected: "a token id >= 0 or none (found -1)"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
        configuration.padTokenId = configuration.vocabularySize
        try GGUFExporter.export(TransformerDecoder(configuration: configuration), tokenizerSource: nil, to: url)
        let metadata = try GGUFFile(contentsOf: url).metadata
        XCTAssertNil(metadata["tokenizer.ggml.padding_token_id"])
        XCTAssertEqual(try metadata.int("tokenizer.ggml.bos_token_id"), configuration.bosTokenId)
    }

    /// GGUF vocabulary → tokenizer.json (`GGUFTokenizerExport`) → GGUF keys (`GGUFTokenizerMetadata`)
    /// gives the default model's keys back, so an HF export of it converts to GGUF unchanged.
    func testTokenizerMetadataFromAnHFDirectoryEqualsTheGGUFVocabulary() throws {
        guard let path = defaultModelPath() else { throw XCTSkip("default model not fetched (scripts/fetch-default-model.sh)") }
        let file = try GGUFFile(path: path)
        let (tokenizerJSON, configurationJSON) = try GGUFTokenizerExport.huggingFaceData(file, modelMaxLength: 8192)
        let directory = try temporaryDirectory()
        try tokenizerJSON.write(to: directory.appendingPathComponent("tokenizer.json"))
        try configurationJSON.write(to: directory.appendingPathComponent("tokenizer_config.json"))
        let entries = try GGUFTokenizerMetadata.entries(directory: directory, vocabularySize: 49152)
        let keys = ["tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
                    "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                    "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id", "tokenizer.ggml.add_bos_token",
                    "tokenizer.chat_template"]
        XCTAssertEqual(entries.map(\.key).filter { $0 != "tokenizer.ggml.add_eos_token" }, keys)
        XCTAssertEqual(entries.first { $0.key == "tokenizer.ggml.add_eos_token" }?.value, .bool(false))
        for (key, value) in entries where key != "tokenizer.ggml.add_eos_token" {
            let original = try XCTUnwrap(file.metadata[key], key)
            if case let .array(_, elements) = value, case let .array(_, expected) = original {
                XCTAssertEqual(elements.map(\.description), expected.map(\.description), key)  // int32 vs uint32 element types aside
            } else {
                XCTAssertEqual(value.intValue ?? -1, original.intValue ?? -1, key)
                XCTAssertEqual(value.description, original.description, key)
            }
        }
    }
}
