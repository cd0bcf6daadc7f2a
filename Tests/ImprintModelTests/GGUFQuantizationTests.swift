import Foundation
import ImprintFormats
import ImprintTensor
import XCTest
@testable import ImprintModel

/// Tiny Llama and Qwen2 models exported to GGUF in every quantization type Imprint reads load and
/// match `transformers` run on the weights dequantized by `gguf.quants.dequantize`
/// (Fixtures/make_gguf_quant_fixtures.py, Fixtures/gguf-quants/).
final class GGUFQuantizationTests: XCTestCase {
    /// File stem (`<architecture>-<type>`) and the ggml type of its matrices.
    static let files: [(stem: String, type: GGMLType)] = [
        ("llama-f32", .f32), ("llama-f16", .f16), ("llama-bf16", .bf16), ("llama-q8_0", .q8_0),
        ("llama-q4_0", .q4_0), ("llama-q4_1", .q4_1), ("llama-q4_k", .q4_K), ("llama-q6_k", .q6_K),
        ("qwen2-f32", .f32), ("qwen2-q8_0", .q8_0),
    ]
    /// The types `keepQuantized: true` keeps quantized in memory (`QuantizedMatrix.Format`).
    static let keptQuantized: Set<GGMLType> = [.q8_0, .q4_0, .q4_1]

    func path(_ stem: String) -> String { modelFixtures.appendingPathComponent("gguf-quants/\(stem).gguf").path }

    func batch() throws -> TokenBatch {
        let ids = try Reference("gguf-quants/reference.safetensors").ints("input_ids")
        return TokenBatch(ids: ids, batchSize: 2, length: ids.count / 2)
    }

    func testFixturesHoldTheirQuantizationType() throws {
        for (stem, type) in Self.files {
            let file = try GGUFFile(contentsOf: URL(fileURLWithPath: path(stem)))
            let matrices = file.tensors.filter { $0.shape.count == 2 }
            XCTAssertEqual(matrices.count, 8, stem)  // token_embd + 7 projections
            XCTAssertTrue(matrices.allSatisfy { $0.type == type }, stem)
            XCTAssertTrue(file.tensors.filter { $0.shape.count == 1 }.allSatisfy { $0.type == .f32 }, stem)
        }
    }

    func testConfiguration() throws {
        for (stem, _) in Self.files {
            let configuration = try GGUFModelLoader.configuration(GGUFFile(contentsOf: URL(fileURLWithPath: path(stem))))
            let llama = stem.hasPrefix("llama")
            XCTAssertEqual(configuration.architecture, llama ? .llama : .qwen2, stem)
            XCTAssertEqual(configuration.vocabularySize, 101, stem)
            XCTAssertEqual(configuration.hiddenSize, llama ? 256 : 64, stem)
            XCTAssertEqual(configuration.intermediateSize, llama ? 256 : 128, stem)
            XCTAssertEqual(configuration.layerCount, 1, stem)
            XCTAssertEqual(configuration.attentionHeadCount, 4, stem)
            XCTAssertEqual(configuration.keyValueHeadCount, 2, stem)
            XCTAssertEqual(configuration.headDimension, llama ? 64 : 16, stem)
            XCTAssertEqual(configuration.rmsNormEpsilon, llama ? 1e-5 : 1e-6, stem)
            XCTAssertEqual(configuration.ropeTheta, llama ? 10_000 : 1_000_000, stem)
            XCTAssertTrue(configuration.tieWordEmbeddings, stem)
            XCTAssertEqual(configuration.attentionBias, !llama, stem)
            XCTAssertEqual(configuration.bosTokenId, 1, stem)
            XCTAssertEqual(configuration.eosTokenIds, [2], stem)
        }
    }

    func testFloat32LoadMatchesTransformers() throws {
        let reference = try Reference("gguf-quants/reference.safetensors")
        let batch = try batch()
        for (stem, _) in Self.files {
            let model = try ModelLoader.load(path: path(stem))
            let logits = withoutGradients { model(batch) }
            let expected = try reference.tensor("\(stem).logits")
            XCTAssertEqual(logits.shape, expected.shape, stem)
            XCTAssertLessThanOrEqual(relativeError(logits.storage, expected.storage), 1e-4, stem)
            // The tolerance tells the types apart: rounding to any of them moves the logits by more.
            if !stem.hasSuffix("-f32") {
                let float32 = try reference.tensor("\(stem.prefix { $0 != "-" })-f32.logits")
                XCTAssertGreaterThan(relativeError(logits.storage, float32.storage), 1e-3, stem)
            }
        }
    }

    func testKeepQuantizedLoadMatchesTransformers() throws {
        let reference = try Reference("gguf-quants/reference.safetensors")
        let batch = try batch()
        for (stem, type) in Self.files where Self.keptQuantized.contains(type) {
            let model = try ModelLoader.load(path: path(stem), keepQuantized: true)
            let linears = model.namedModules().compactMap { $0.module as? Linear }
            XCTAssertEqual(linears.count, 7, stem)
            XCTAssertTrue(linears.allSatisfy(\.isQuantized), stem)
            XCTAssertNotNil(model.embedding.quantizedWeight, stem)
            let logits = withoutGradients { model(batch) }
            XCTAssertLessThanOrEqual(relativeError(logits.storage, try reference.tensor("\(stem).logits").storage), 1e-4, stem)
        }
    }
}
