import XCTest
@testable import ImprintTensor

/// Every fast kernel against its plain composite version, on random inputs of awkward sizes,
/// forward and backward. Tolerance: relative 1e-4, absolute 1e-5.
final class FusedKernelTests: XCTestCase {
    /// Runs `fused` and `composite` on the same inputs and compares outputs and input gradients.
    func assertSame(_ inputs: [Tensor], _ message: String, fused: ([Tensor]) -> Tensor, composite: ([Tensor]) -> Tensor,
                    file: StaticString = #filePath, line: UInt = #line) {
        let fusedInputs = inputs.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) }
        let compositeInputs = inputs.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) }
        let fusedOutput = fused(fusedInputs), compositeOutput = composite(compositeInputs)
        assertClose(fusedOutput, compositeOutput, relative: 1e-4, absolute: 1e-5, "\(message) forward", file: file, line: line)
        let cotangent = randomTensor(fusedOutput.shape, low: -1, high: 1, seed: 77)
        (fusedOutput * cotangent).sum().backward()
        (compositeOutput * cotangent).sum().backward()
        for (position, (a, b)) in zip(fusedInputs, compositeInputs).enumerated() {
            assertClose(a.grad!, b.grad!, relative: 1e-4, absolute: 1e-5, "\(message) gradient \(position)", file: file, line: line)
        }
    }

    func testSoftmaxAndLogSoftmax() {
        for (seed, shape) in [[1], [1, 1], [3, 17], [2, 5, 131]].enumerated() {
            let x = randomTensor(shape, low: -8, high: 8, seed: UInt64(seed))
            assertSame([x], "softmax \(shape)", fused: { $0[0].softmax() }, composite: { $0[0].softmaxComposite() })
            assertSame([x], "log softmax \(shape)", fused: { $0[0].logSoftmax() }, composite: { $0[0].logSoftmaxComposite() })
        }
    }

    func testRMSNorm() {
        for (seed, shape) in [[1, 1], [7, 13], [2, 3, 64], [1, 577]].enumerated() {
            let x = randomTensor(shape, seed: UInt64(10 + seed)), weight = randomTensor([shape.last!], seed: UInt64(20 + seed))
            for addingOne in [false, true] {
                assertSame([x, weight], "rms norm \(shape) \(addingOne)",
                           fused: { $0[0].rmsNorm(weight: $0[1], epsilon: 1e-6, addingOneToWeight: addingOne) },
                           composite: { $0[0].rmsNormComposite(weight: $0[1], epsilon: 1e-6, addingOneToWeight: addingOne) })
            }
        }
    }

    func testRotaryEmbedding() {
        let rotary = RotaryEmbedding(dimension: 10, base: 10_000)
        let x = randomTensor([3, 2, 5, 10], seed: 30)
        assertSame([x], "rope shared positions", fused: { $0[0].applyingRotaryEmbedding(rotary, positions: [0, 1, 2, 3, 97]) },
                   composite: { $0[0].applyingRotaryEmbeddingComposite(rotary, positions: [0, 1, 2, 3, 97]) })
        let perSequence = (0..<15).map { $0 * 3 % 11 }
        assertSame([x], "rope per-sequence positions", fused: { $0[0].applyingRotaryEmbedding(rotary, positions: perSequence) },
                   composite: { $0[0].applyingRotaryEmbeddingComposite(rotary, positions: perSequence) })
    }

    func testSwiGLU() {
        for (seed, shape) in [[1], [3, 17], [2, 5, 131]].enumerated() {
            let gate = randomTensor(shape, low: -6, high: 6, seed: UInt64(100 + seed)), up = randomTensor(shape, seed: UInt64(110 + seed))
            assertSame([gate, up], "swiGLU \(shape)", fused: { Tensor.swiGLU(gate: $0[0], up: $0[1]) }, composite: { $0[0].silu() * $0[1] })
        }
    }

    func testCrossEntropy() {
        for (seed, (rows, vocabulary)) in [(1, 1), (7, 13), (3, 1031), (131, 97)].enumerated() {
            var generator = RandomGenerator(seed: UInt64(40 + seed))
            let targets = (0..<rows).map { row in row % 5 == 4 ? -100 : Int(generator.next() % UInt64(vocabulary)) }
            guard targets.contains(where: { $0 != -100 }) else { continue }
            let logits = randomTensor([rows, vocabulary], low: -6, high: 6, seed: UInt64(50 + seed))
            assertSame([logits], "cross entropy \(rows)x\(vocabulary)",
                       fused: { Tensor.crossEntropy(logits: $0[0], targets: targets) },
                       composite: { Tensor.crossEntropyComposite(logits: $0[0], targets: targets) })
        }
    }

    func testAttentionAgainstComposite() {
        // Sizes cross the 64-row query block so blocking and key-range skipping are exercised.
        let configurations: [(batch: Int, queryHeads: Int, keyHeads: Int, length: Int, keys: Int, mask: AttentionMask)] = [
            (1, 1, 1, 1, 1, AttentionMask()),
            (2, 4, 2, 67, 67, AttentionMask()),
            (2, 3, 1, 70, 70, AttentionMask(slidingWindow: 9)),
            (1, 2, 2, 65, 65, AttentionMask(causal: false)),
            (2, 2, 1, 3, 131, AttentionMask()),
            (2, 2, 2, 66, 66, AttentionMask(keyPadding: (0..<132).map { $0 % 66 >= 5 || $0 < 66 })),
            (1, 9, 3, 1, 40, AttentionMask(slidingWindow: 16)),
        ]
        for (seed, c) in configurations.enumerated() {
            let q = randomTensor([c.batch, c.queryHeads, c.length, 16], seed: UInt64(60 + seed))
            let k = randomTensor([c.batch, c.keyHeads, c.keys, 16], seed: UInt64(70 + seed))
            let v = randomTensor([c.batch, c.keyHeads, c.keys, 8], seed: UInt64(80 + seed))
            assertSame([q, k, v], "attention \(c)",
                       fused: { Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: c.mask) },
                       composite: { Tensor.scaledDotProductAttentionComposite(query: $0[0], key: $0[1], value: $0[2], mask: c.mask) })
        }
    }

    func testAttentionOverAPartlyFilledCacheIgnoresTheSpareCapacity() {
        let q = randomTensor([2, 4, 3, 8], seed: 93), k = randomTensor([2, 2, 20, 8], seed: 94), v = randomTensor([2, 2, 20, 8], seed: 95)
        let filled = 11
        let expected = Tensor.scaledDotProductAttention(query: q, key: k.sliced(axis: 2, 0..<filled), value: v.sliced(axis: 2, 0..<filled))
        let actual = Tensor.scaledDotProductAttention(query: q, key: k, value: v, keyLength: filled)
        assertClose(actual, expected, relative: 1e-6, absolute: 1e-7, "keyLength")
    }

    func testAttentionWithoutGradientsMatchesTrainingMode() {
        let q = randomTensor([2, 4, 70, 8], seed: 90), k = randomTensor([2, 2, 70, 8], seed: 91), v = randomTensor([2, 2, 70, 8], seed: 92)
        let inference = withoutGradients { Tensor.scaledDotProductAttention(query: q, key: k, value: v) }
        let training = Tensor.scaledDotProductAttention(query: Tensor(shape: q.shape, storage: q.storage, requiresGrad: true), key: k, value: v)
        XCTAssertEqual(inference.storage, training.storage)
    }
}
