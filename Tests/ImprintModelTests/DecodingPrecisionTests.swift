import CImprintKernels
import Foundation
import ImprintTensor
import XCTest
@testable import ImprintModel

/// `TransformerDecoder.useDecodingPrecision(.int8)`: every product with a kept-quantized weight (the
/// tied output projection included) runs on int8 activations, for the prompt and for each decoded
/// token; formats without an int8 product and models without quantized weights are refused. The
/// arithmetic itself is checked against ggml in ImprintTensorTests' Int8GGMLParityTests.
final class DecodingPrecisionTests: XCTestCase {
    func testInt8ReachesEveryQuantizedProductForPromptsAndDecoding() throws {
        let path = modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf").path
        let model = try ModelLoader.load(path: path, keepQuantized: true)
        let ids = try Reference("llama/reference.safetensors").ints("input_ids")
        let batch = TokenBatch(ids: Array(ids.prefix(7)), batchSize: 1, length: 7)
        let exact = withoutGradients { model(batch) }.storage
        let count = try model.useDecodingPrecision(.int8, evenWhereSlower: true)
        XCTAssertEqual(count, model.quantizedProductWeights.count)
        XCTAssertEqual(count, 14 + (model.outputProjection == nil ? 1 : 0))
        XCTAssertTrue(model.quantizedProductWeights.allSatisfy { $0.matrix.decodingPrecision == .int8 })
        let prompt = withoutGradients { model(batch) }.storage
        let difference = relativeError(prompt, exact)
        print("tiny Llama Q8_0, int8 activations vs float32: max |Δlogit| / max |logit| = \(difference)")
        XCTAssertGreaterThan(difference, 1e-6, "int8 activations change the logits")
        XCTAssertLessThan(difference, 0.1, "int8 activations move this random tiny model's logits by a few percent, wrong products by far more")
        // Token by token with the KV cache: each position's activations are quantized alone either way.
        let cache = KVCache(layerCount: model.layers.count, batchSize: 1)
        var stepped: [Float] = []
        for position in 0..<7 {
            stepped += withoutGradients { model(TokenBatch(ids: [ids[position]], batchSize: 1, length: 1), cache: cache) }.storage
        }
        XCTAssertLessThanOrEqual(relativeError(stepped, prompt), 1e-5)
        try model.useDecodingPrecision(.float32)
        XCTAssertEqual(withoutGradients { model(batch) }.storage, exact)
    }

    /// An opt-in precision never runs slower than float32: where int8 products would (no VNNI kernel, simulated here
    /// by selecting the AVX-512 loop), `.int8` keeps float32 and says why; `evenWhereSlower` still gets int8.
    func testInt8FallsBackToFloat32WhereItWouldBeSlower() throws {
        let path = modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf").path
        let previous = imprint_int8_kernel(1)
        defer { _ = imprint_int8_kernel(previous) }
        XCTAssertNotNil(KernelSelection.int8SlowerThanFloat32)
        let model = try ModelLoader.load(path: path, keepQuantized: true)
        XCTAssertNil(model.precisionFallback)
        XCTAssertEqual(try model.useDecodingPrecision(.int8), 0)
        XCTAssertTrue(model.quantizedProductWeights.allSatisfy { $0.matrix.decodingPrecision == .float32 })
        XCTAssertTrue(model.precisionFallback?.contains("int8") ?? false, model.precisionFallback ?? "no fallback reported")
        let forced = try ModelLoader.load(path: path, keepQuantized: true)
        XCTAssertEqual(try forced.useDecodingPrecision(.int8, evenWhereSlower: true), forced.quantizedProductWeights.count)
        XCTAssertNil(forced.precisionFallback)
        _ = imprint_int8_kernel(previous)
        if imprint_int8_vnni_available() == 1 { XCTAssertNil(KernelSelection.int8SlowerThanFloat32) }
    }

    func testFormatsWithoutInt8ProductsAndFloatModelsAreRefused() throws {
        let kQuant = try ModelLoader.load(path: modelFixtures.appendingPathComponent("gguf-quants/llama-q4_k.gguf").path, keepQuantized: true)
        XCTAssertThrowsError(try kQuant.useDecodingPrecision(.int8)) { error in
            guard case .unsupportedFormat(let format, let weight, .int8)? = error as? DecodingPrecisionError else {
                return XCTFail("\(error)")
            }
            XCTAssertFalse(format.supportsInt8Activations)
            XCTAssertTrue(weight.hasSuffix(".weight"), weight)
            XCTAssertTrue("\(error)".contains(weight), "\(error)")
        }
        XCTAssertTrue(kQuant.quantizedProductWeights.allSatisfy { $0.matrix.decodingPrecision == .float32 }, "nothing changed")
        let dense = try ModelLoader.load(path: modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf").path)
        XCTAssertThrowsError(try dense.useDecodingPrecision(.int8)) { error in
            XCTAssertEqual(error as? DecodingPrecisionError, .noQuantizedWeights(precision: .int8))
        }
    }
}

/// LoRA layers decode in the fused products too (q/k/v, gate/up: `Linear.applied`), each update added in the same
/// pass, with the values each layer gives alone; layers whose A and B take gradients keep their recorded path.
final class FusedLoRADecodingTests: XCTestCase {
    func testLoRALayersFuseWithTheValuesEachGivesAlone() throws {
        let model = try ModelLoader.load(path: modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf").path, keepQuantized: true)
        let adapter = try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj", "gate_proj"]),
                                      seed: 3)
        var generator = RandomGenerator(seed: 4)
        for layer in adapter.layers {  // B starts at zero: give it values, so the update shows
            layer.update.up.withUnsafeMutableValues { values in
                for index in values.indices { values[index] = Float.random(in: -0.5...0.5, using: &generator) }
            }
        }
        let block = model.layers[0]
        let width = model.configuration.hiddenSize
        for rows in [1, 5] {
            let x = Tensor(shape: [rows, width], storage: (0..<(rows * width)).map { _ in Float.random(in: -1...1, using: &generator) })
            let attention = [block.attention.queryProjection, block.attention.keyProjection, block.attention.valueProjection]
            let feedForward = [block.feedForward.gateProjection, block.feedForward.upProjection]
            for layers in [attention, feedForward] {
                let fused = withoutGradients { Linear.applied(layers, to: x) }
                let alone = withoutGradients { layers.map { $0(x) } }
                XCTAssertEqual(fused.map { $0.storage.map(\.bitPattern) }, alone.map { $0.storage.map(\.bitPattern) }, "\(rows) rows")
            }
        }
    }
}
