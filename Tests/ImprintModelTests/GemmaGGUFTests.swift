import Foundation
import ImprintFormats
import ImprintTensor
import XCTest
@testable import ImprintModel

/// A tiny Gemma 3 exported to GGUF as llama.cpp's `convert_hf_to_gguf.py` writes it (norms stored as
/// `1 + w`, no q/k permutation, a fixed pattern of five sliding layers then one global) loads and
/// matches `transformers` run on the weights read back from the file
/// (Fixtures/make_gemma_gguf_fixture.py, Fixtures/gemma3-gguf/).
final class GemmaGGUFTests: XCTestCase {
    /// File stem and the ggml type of its matrices.
    static let files: [(stem: String, type: GGMLType)] = [("gemma3-f32", .f32), ("gemma3-q8_0", .q8_0)]

    func path(_ stem: String) -> String { modelFixtures.appendingPathComponent("gemma3-gguf/\(stem).gguf").path }

    func batch() throws -> TokenBatch {
        let ids = try Reference("gemma3-gguf/reference.safetensors").ints("input_ids")
        return TokenBatch(ids: ids, batchSize: 2, length: ids.count / 2)
    }

    func testFixturesHoldLlamaCppsLayout() throws {
        for (stem, type) in Self.files {
            let file = try GGUFFile(contentsOf: URL(fileURLWithPath: path(stem)))
            let matrices = file.tensors.filter { $0.shape.count == 2 }
            XCTAssertEqual(matrices.count, 1 + 6 * 7, stem)  // token_embd + 7 projections per layer
            XCTAssertTrue(matrices.allSatisfy { $0.type == type }, stem)
            let norms = file.tensors.filter { $0.shape.count == 1 }
            XCTAssertEqual(norms.count, 1 + 6 * 6, stem)  // output_norm + 6 norms per layer
            XCTAssertTrue(norms.allSatisfy { $0.type == .f32 && $0.name.hasSuffix("norm.weight") }, stem)
            XCTAssertNil(file.tensorInfo("output.weight"), stem)
            // Stored as 1 + w with w in [-0.5, 0.5].
            let values = try file.dequantize(XCTUnwrap(file.tensorInfo("blk.0.post_ffw_norm.weight")))
            XCTAssertTrue(values.allSatisfy { (0.5...1.5).contains($0) }, stem)
        }
    }

    func testConfiguration() throws {
        for (stem, _) in Self.files {
            let configuration = try GGUFModelLoader.configuration(GGUFFile(contentsOf: URL(fileURLWithPath: path(stem))))
            XCTAssertEqual(configuration.architecture, .gemma3, stem)
            XCTAssertEqual(configuration.vocabularySize, 101, stem)
            XCTAssertEqual(configuration.hiddenSize, 64, stem)
            XCTAssertEqual(configuration.intermediateSize, 128, stem)
            XCTAssertEqual(configuration.layerCount, 6, stem)
            XCTAssertEqual(configuration.attentionHeadCount, 4, stem)
            XCTAssertEqual(configuration.keyValueHeadCount, 2, stem)
            XCTAssertEqual(configuration.headDimension, 16, stem)
            XCTAssertEqual(configuration.rmsNormEpsilon, 1e-6, stem)
            XCTAssertEqual(configuration.layerTypes, Array(repeating: .slidingAttention, count: 5) + [.fullAttention], stem)
            XCTAssertEqual(configuration.slidingWindow, 4, stem)
            XCTAssertEqual(configuration.ropeTheta, 1_000_000, stem)
            XCTAssertEqual(configuration.localRopeTheta, 10_000, stem)
            XCTAssertEqual(configuration.queryPreAttentionScalar, 16, stem)
            XCTAssertEqual(configuration.attentionScale, 0.25, stem)
            XCTAssertEqual(configuration.finalLogitSoftcapping, 5, stem)
            XCTAssertEqual(configuration.activation, .geluTanh, stem)
            XCTAssertTrue(configuration.tieWordEmbeddings, stem)
            XCTAssertFalse(configuration.attentionBias, stem)
            XCTAssertEqual(configuration.maxPositionEmbeddings, 128, stem)
            XCTAssertEqual(configuration.bosTokenId, 1, stem)
            XCTAssertEqual(configuration.eosTokenIds, [2], stem)
        }
    }

    /// llama.cpp scales Gemma 3 27B (62 layers) queries by (hidden / heads)^-0.5 and reads the local
    /// RoPE base from `rope.freq_base_swa` when the converter wrote it.
    func test27BLayoutConfiguration() throws {
        let configuration = try GGUFModelLoader.configuration(GGUFFile(contentsOf: URL(fileURLWithPath: path("header-62-layers"))))
        XCTAssertEqual(configuration.layerCount, 62)
        XCTAssertEqual(configuration.headDimension, 128)
        XCTAssertEqual(configuration.queryPreAttentionScalar, 168)  // 5376 / 32
        XCTAssertEqual(configuration.localRopeTheta, 20_000)
        XCTAssertEqual(configuration.slidingWindow, 1024)
        XCTAssertEqual(configuration.layerTypes.indices.filter { configuration.layerTypes[$0] == .fullAttention },
                       Array(stride(from: 5, to: 62, by: 6)))
    }

    /// Without `attention.sliding_window` llama.cpp runs every Gemma 3 layer as global attention.
    func testNoSlidingWindowMeansEveryLayerGlobal() throws {
        let configuration = try GGUFModelLoader.configuration(GGUFFile(contentsOf: URL(fileURLWithPath: path("header-no-window"))))
        XCTAssertNil(configuration.slidingWindow)
        XCTAssertEqual(configuration.layerTypes, Array(repeating: .fullAttention, count: 6))
        XCTAssertEqual(configuration.queryPreAttentionScalar, 16)
    }

    func testLoadMatchesTransformers() throws {
        let reference = try Reference("gemma3-gguf/reference.safetensors")
        let batch = try batch()
        for (stem, _) in Self.files {
            let model = try ModelLoader.load(path: path(stem))
            let logits = withoutGradients { model(batch) }
            let expected = try reference.tensor("\(stem).logits")
            XCTAssertEqual(logits.shape, expected.shape, stem)
            XCTAssertLessThanOrEqual(relativeError(logits.storage, expected.storage), 1e-4, stem)
        }
        // The tolerance tells the files apart: Q8_0 rounding moves the logits by more.
        let float32 = try reference.tensor("gemma3-f32.logits"), q8 = try reference.tensor("gemma3-q8_0.logits")
        XCTAssertGreaterThan(relativeError(q8.storage, float32.storage), 1e-3)
    }

    func testKeepQuantizedLoadMatchesTransformers() throws {
        let reference = try Reference("gemma3-gguf/reference.safetensors")
        let batch = try batch()
        let model = try ModelLoader.load(path: path("gemma3-q8_0"), keepQuantized: true)
        let linears = model.namedModules().compactMap { $0.module as? Linear }
        XCTAssertEqual(linears.count, 6 * 7)
        XCTAssertTrue(linears.allSatisfy(\.isQuantized))
        XCTAssertNotNil(model.embedding.quantizedWeight)
        let logits = withoutGradients { model(batch) }
        XCTAssertLessThanOrEqual(relativeError(logits.storage, try reference.tensor("gemma3-q8_0.logits").storage), 1e-4)
    }
}
