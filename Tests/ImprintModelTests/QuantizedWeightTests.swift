import Foundation
import ImprintCore
import ImprintFormats
import ImprintTensor
import XCTest
@testable import ImprintModel

/// Weights kept quantized in memory compute the same values as their float32 dequantization.
final class QuantizedWeightTests: XCTestCase {
    let formatsFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ImprintFormatsTests/Fixtures")

    /// The ggml type each in-memory format keeps.
    static let types: [QuantizedMatrix.Format: GGMLType] = [
        .q8_0: .q8_0, .q4_0: .q4_0, .q4_1: .q4_1, .q5_0: .q5_0, .q5_1: .q5_1, .q2_K: .q2_K, .q3_K: .q3_K,
        .q4_K: .q4_K, .q5_K: .q5_K, .q6_K: .q6_K, .iq4_NL: .iq4_NL, .iq4_XS: .iq4_XS,
    ]

    /// Each format's random blocks (extreme float16 scales included, Fixtures/make_block_fixtures.py):
    /// the C kernels' dequantization is bitwise gguf-py's, and both product paths and the input
    /// gradient match the dense products.
    func testQuantizedProductsMatchDenseProducts() throws {
        let file = try GGUFFile(contentsOf: formatsFixtures.appendingPathComponent("blocks.gguf"))
        XCTAssertEqual(Set(Self.types.keys), Set(QuantizedMatrix.Format.allCases))
        for format in QuantizedMatrix.Format.allCases {
            let type = Self.types[format]!
            XCTAssertEqual(GGUFModelLoader.quantizationFormat(type), format)
            let info = try file.requireTensor("blocks.\(type.name)")
            let matrix = QuantizedMatrix(format: format, rows: info.shape[0], columns: info.shape[1], blocks: [UInt8](file.rawBytes(info)))
            let reference = try NPY.readFloats(formatsFixtures.appendingPathComponent("blocks_\(type.name).npy")).values
            XCTAssertEqual(matrix.dequantized().storage.map(\.bitPattern), reference.map(\.bitPattern), "\(format) differs from gguf-py")
            let dense = Tensor(shape: info.shape, storage: reference)
            for rows in [1, 3, 16, 17, 40] {  // both sides of the small-batch kernel limit
                let x = randomTensor([rows, info.shape[1]], seed: UInt64(rows))
                let expected = Tensor.linear(x, weight: dense)
                let input = Tensor(shape: x.shape, storage: x.storage, requiresGrad: true)
                let actual = Tensor.linear(input, quantized: matrix)
                XCTAssertLessThanOrEqual(relativeError(actual.storage, expected.storage), 1e-5, "\(format) rows \(rows)")
                let cotangent = randomTensor(actual.shape, seed: 99)
                (actual * cotangent).sum().backward()
                let expectedGradient = Tensor.matmul(cotangent, dense)
                XCTAssertLessThanOrEqual(relativeError(input.grad!.storage, expectedGradient.storage), 1e-5, "\(format) gradient rows \(rows)")
            }
            let width = info.shape[1]
            XCTAssertEqual(matrix.gatherRows([2, 0, 2]).storage.map(\.bitPattern),
                           (Array(reference[(2 * width)..<(3 * width)]) + Array(reference[0..<width])
                            + Array(reference[(2 * width)..<(3 * width)])).map(\.bitPattern), "\(format)")
        }
    }

    func testQuantizedModelMatchesDequantizedModel() throws {
        let path = modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf").path
        let dense = try ModelLoader.load(path: path)
        let quantized = try ModelLoader.load(path: path, keepQuantized: true)
        let linears = quantized.namedModules().compactMap { $0.module as? Linear }
        XCTAssertEqual(linears.count, 14)
        XCTAssertTrue(linears.allSatisfy(\.isQuantized))
        XCTAssertNotNil(quantized.embedding.quantizedWeight)
        let ids = try Reference("llama/reference.safetensors").ints("input_ids")
        let batch = TokenBatch(ids: ids, batchSize: 2, length: 7)
        let expected = withoutGradients { dense(batch) }, actual = withoutGradients { quantized(batch) }
        XCTAssertLessThanOrEqual(relativeError(actual.storage, expected.storage), 1e-5)
        let prompts = [[1, 5, 17, 33], [1, 60]]
        XCTAssertEqual(try Generator(model: quantized).generate(prompts: prompts, parameters: .greedy(maxTokens: 8), stopTokenIds: []).map(\.tokens),
                       try Generator(model: dense).generate(prompts: prompts, parameters: .greedy(maxTokens: 8), stopTokenIds: []).map(\.tokens))

        // LoRA on the quantized base trains exactly like LoRA on the dequantized base.
        let configuration = LoRAConfiguration(rank: 4, alpha: 8, targetModules: .allLinear)
        var losses: [[Float]] = []
        for model in [dense, quantized] {
            let adapter = try LoRA.attach(to: model, configuration: configuration, seed: 7)
            let optimizer = AdamW(parameters: adapter.parameters, learningRate: 1e-2)
            var trajectory: [Float] = []
            for _ in 0..<3 {
                let loss = model.loss(batch, labels: ids)
                loss.backward()
                optimizer.step()
                optimizer.zeroGradients()
                trajectory.append(loss.item)
            }
            losses.append(trajectory)
        }
        for (a, b) in zip(losses[0], losses[1]) { XCTAssertEqual(a, b, accuracy: 1e-4 * Swift.abs(a)) }
        XCTAssertTrue(linears.allSatisfy(\.isQuantized), "training must not dequantize the frozen base")
    }
}
