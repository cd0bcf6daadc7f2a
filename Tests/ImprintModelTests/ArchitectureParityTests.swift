import Foundation
import ImprintFormats
import ImprintTensor
import XCTest
@testable import ImprintModel

/// Llama, Qwen2 and Gemma 3 against `transformers` on tiny random checkpoints
/// (Fixtures/make_model_fixtures.py): logits and loss within 1e-4 relative, every parameter
/// gradient within 1e-3 relative (max |Δ| / max |reference| per tensor).
final class ArchitectureParityTests: XCTestCase {
    func checkParity(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try HuggingFaceModelLoader.load(directory: modelFixtures.appendingPathComponent(name))
        let reference = try Reference("\(name)/reference.safetensors")
        let ids = try reference.ints("input_ids")
        let batch = TokenBatch(ids: ids, batchSize: 2, length: ids.count / 2)
        let logits = model(batch)
        XCTAssertLessThanOrEqual(relativeError(logits.storage, try reference.tensor("logits").storage), 1e-4, "\(name) logits", file: file, line: line)

        model.zeroGradients()
        let loss = model.loss(batch, labels: ids)
        XCTAssertEqual(loss.item, try reference.tensor("loss").item, accuracy: 1e-4 * Swift.abs(try reference.tensor("loss").item), "\(name) loss", file: file, line: line)
        loss.backward()
        var checked = 0
        for (key, parameter) in model.namedParameters() {
            let expected = try reference.tensor("grad." + key)
            let error = relativeError(parameter.grad?.storage ?? [], expected.storage)
            XCTAssertLessThanOrEqual(error, 1e-3, "\(name) gradient of \(key)", file: file, line: line)
            checked += 1
        }
        XCTAssertEqual(checked, model.namedParameters().count)

        // Per-token log-probabilities of the continuation average to minus the loss.
        let targets = TransformerDecoder.shiftedLabels(ids, batchSize: 2, length: ids.count / 2)
        let logProbabilities = withoutGradients { model.logProbabilities(batch, targets: targets) }
        XCTAssertEqual(logProbabilities.shape, [2, ids.count / 2])
        let counted = targets.filter { $0 != -100 }.count
        XCTAssertEqual(-logProbabilities.storage.reduce(0, +) / Float(counted), loss.item, accuracy: 1e-4 * Swift.abs(loss.item), file: file, line: line)
        XCTAssertGreaterThan(checked, 10)

        // Right padding: logits where attention_mask is 1, and the loss with -100 labels.
        let paddedIds = try reference.ints("padded.input_ids"), mask = try reference.ints("padded.attention_mask")
        let padded = TokenBatch(ids: paddedIds, batchSize: 2, length: paddedIds.count / 2, attentionMask: mask.map { $0 == 1 })
        let paddedLogits = withoutGradients { model(padded) }
        let expectedPadded = try reference.tensor("padded.logits")
        let vocabulary = model.configuration.vocabularySize
        let kept = mask.indices.filter { mask[$0] == 1 }
        let actualKept = kept.flatMap { paddedLogits.storage[($0 * vocabulary)..<(($0 + 1) * vocabulary)] }
        let expectedKept = kept.flatMap { expectedPadded.storage[($0 * vocabulary)..<(($0 + 1) * vocabulary)] }
        XCTAssertLessThanOrEqual(relativeError(actualKept, expectedKept), 1e-4, "\(name) padded logits", file: file, line: line)
        let paddedLoss = withoutGradients { model.loss(padded, labels: (try? reference.ints("padded.labels")) ?? []) }
        XCTAssertEqual(paddedLoss.item, try reference.tensor("padded.loss").item, accuracy: 1e-4 * Swift.abs(try reference.tensor("padded.loss").item),
                       "\(name) padded loss", file: file, line: line)
    }

    func testLlama() throws { try checkParity("llama") }
    func testQwen2() throws { try checkParity("qwen2") }
    func testGemma3() throws { try checkParity("gemma3") }

    func testConfigurationsAreReadAsTransformersReadsThem() throws {
        let gemma = try HuggingFaceModelLoader.configuration(directory: modelFixtures.appendingPathComponent("gemma3"))
        XCTAssertEqual(gemma.layerTypes, [.slidingAttention, .fullAttention, .slidingAttention])
        XCTAssertEqual(gemma.slidingWindow, 4)
        XCTAssertEqual(gemma.localRopeTheta, 10_000)
        XCTAssertEqual(gemma.ropeTheta, 1_000_000)
        XCTAssertEqual(gemma.finalLogitSoftcapping, 5)
        XCTAssertEqual(gemma.attentionScale, 1 / Float(20).squareRoot())
        let qwen = try HuggingFaceModelLoader.configuration(directory: modelFixtures.appendingPathComponent("qwen2"))
        XCTAssertTrue(qwen.attentionBias)
        XCTAssertEqual(qwen.keyValueHeadCount, 2)
    }

    func testLlama3RopeScalingMatchesTransformersFormula() {
        // transformers' _compute_llama3_parameters for Llama 3.2 (factor 32, low 1, high 4, original 8192).
        var configuration = ModelConfiguration(
            architecture: .llama, vocabularySize: 10, hiddenSize: 64, intermediateSize: 8, layerCount: 1, attentionHeadCount: 1,
            keyValueHeadCount: 1, headDimension: 64, rmsNormEpsilon: 1e-5, ropeTheta: 500_000,
            ropeScaling: .init(type: "llama3", factor: 32, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositionEmbeddings: 8192),
            localRopeTheta: nil, tieWordEmbeddings: true, attentionBias: false, maxPositionEmbeddings: 131_072, slidingWindow: nil,
            layerTypes: [.fullAttention], queryPreAttentionScalar: nil, finalLogitSoftcapping: nil, activation: .silu,
            bosTokenId: nil, eosTokenIds: [], padTokenId: nil)
        let scaled = configuration.rotaryEmbedding(for: .fullAttention).inverseFrequencies
        configuration.ropeScaling = nil
        let plain = configuration.rotaryEmbedding(for: .fullAttention).inverseFrequencies
        XCTAssertEqual(scaled[0], plain[0])                       // high frequency: unchanged
        XCTAssertEqual(scaled[31], plain[31] / 32, accuracy: 1e-12) // low frequency: divided by the factor
        let wavelength = 2 * Float.pi / plain[20]                  // medium band: smooth interpolation
        if wavelength > 8192 / 4 && wavelength < 8192 {
            let smooth = (8192 / wavelength - 1) / 3
            XCTAssertEqual(scaled[20], (1 - smooth) * plain[20] / 32 + smooth * plain[20], accuracy: 1e-9)
        }
    }
}
