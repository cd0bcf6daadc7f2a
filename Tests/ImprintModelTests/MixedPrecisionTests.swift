import Foundation
import ImprintTensor
import XCTest
@testable import ImprintModel

/// Frozen weights in bfloat16 (`useBFloat16FrozenWeights`): only frozen weights convert, results
/// stay within bfloat16's precision of float32, LoRA still trains, and the rounded weights export.
final class MixedPrecisionTests: XCTestCase {
    func testOnlyFrozenWeightsConvert() throws {
        let model = try loadFixtureModel("llama")
        XCTAssertEqual(model.useBFloat16FrozenWeights(evenWhereSlower: true), 0, "trainable weights must stay float32")
        model.freeze()
        let linears = model.namedModules().compactMap { $0.module as? Linear }
        let converted = model.useBFloat16FrozenWeights(evenWhereSlower: true)
        XCTAssertEqual(converted, linears.count + (model.outputProjection == nil ? 1 : 0))
        XCTAssertTrue(linears.allSatisfy { $0.bfloat16Weight != nil && $0.denseWeight == nil })
        XCTAssertFalse(model.namedParameters().contains { $0.key.hasSuffix("_proj.weight") }, "converted weights are no longer parameters")
    }

    func testLogitsStayWithinBFloat16PrecisionOfFloat32() throws {
        for name in ["llama", "qwen2", "gemma3"] {
            let reference = try loadFixtureModel(name), mixed = try loadFixtureModel(name)
            mixed.freeze()
            XCTAssertGreaterThan(mixed.useBFloat16FrozenWeights(evenWhereSlower: true), 0)
            let batch = try fixtureBatch(name)
            let expected = withoutGradients { reference(batch) }.storage
            let actual = withoutGradients { mixed(batch) }.storage
            let error = relativeError(actual, expected)
            // bfloat16 keeps 8 significant bits (0.4% per rounding); through the tiny random models'
            // layers that grows to 1-5% of the largest logit (Gemma 3's √hidden embedding scale the most).
            // The kernels themselves are checked exactly in BFloat16MatrixTests.
            XCTAssertLessThan(error, 8e-2, name)
            XCTAssertGreaterThan(error, 0, "\(name): the products must actually be rounded")
        }
    }

    func testLoRATrainsOnABFloat16Base() throws {
        var losses: [[Float]] = []
        for bfloat16 in [false, true] {
            let model = try loadFixtureModel("qwen2")
            let adapter = try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 4, alpha: 8, targetModules: .allLinear), seed: 5)
            if bfloat16 { XCTAssertGreaterThan(model.useBFloat16FrozenWeights(evenWhereSlower: true), 0) }
            let optimizer = AdamW(parameters: adapter.parameters, learningRate: 1e-2)
            let batch = try fixtureBatch("qwen2")
            var trajectory: [Float] = []
            for _ in 0..<8 {
                let loss = model.loss(batch, labels: batch.ids)
                trajectory.append(loss.item)
                loss.backward()
                XCTAssertTrue(adapter.parameters.allSatisfy { $0.grad?.storage.allSatisfy(\.isFinite) ?? false })
                optimizer.step()
                optimizer.zeroGradients()
            }
            losses.append(trajectory)
        }
        XCTAssertLessThan(losses[1].last!, losses[1].first! * 0.9, "the adapter must learn on a bfloat16 base")
        XCTAssertLessThan(relativeError(losses[1], losses[0]), 2e-2, "mixed precision follows the float32 trajectory")
    }

    func testConvertedWeightsReadBackAsTheirBFloat16Values() throws {
        let model = try loadFixtureModel("llama")
        let layer = model.layers[0].attention.queryProjection
        let original = layer.weight.storage
        model.freeze()
        model.useBFloat16FrozenWeights(evenWhereSlower: true)
        let restored = layer.weight.storage  // converts back to a frozen float32 parameter
        XCTAssertNil(layer.bfloat16Weight)
        XCTAssertTrue(restored.allSatisfy { $0.bitPattern & 0xFFFF == 0 }, "bfloat16 values have 16 zero low bits")
        XCTAssertLessThanOrEqual(relativeError(restored, original), 1 / 256)
        XCTAssertTrue(model.namedParameters().contains { $0.key == "model.layers.0.self_attn.q_proj.weight" })
    }
}
