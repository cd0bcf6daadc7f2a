import XCTest
@testable import ImprintTensor

/// Central finite differences for every differentiable op, on awkward sizes (1, odd, prime).
///
/// Step `epsilon = 1e-2`; tolerance `|analytic - numeric| <= 2e-2 + 2e-2 |numeric|` (float32
/// evaluation of the objective, accumulated in double). Inputs avoid kinks (relu, abs, clamp,
/// max ties) by more than epsilon.
final class GradientCheckTests: XCTestCase {
    func away(fromKinks values: Tensor, _ kinks: [Float]) -> Tensor {
        Tensor(shape: values.shape, storage: values.storage.map { value in
            var adjusted = value
            for kink in kinks where Swift.abs(adjusted - kink) < 0.05 { adjusted = kink + 0.1 }
            return adjusted
        })
    }

    func testArithmeticWithBroadcasting() {
        let a = randomTensor([3, 1, 5], seed: 1), b = randomTensor([7, 5], seed: 2)
        let positive = randomTensor([7, 5], low: 0.5, high: 2, seed: 3)
        assertGradientsMatchFiniteDifferences([a, b], "add") { $0[0] + $0[1] }
        assertGradientsMatchFiniteDifferences([a, b], "sub") { $0[0] - $0[1] }
        assertGradientsMatchFiniteDifferences([a, b], "mul") { $0[0] * $0[1] }
        assertGradientsMatchFiniteDifferences([a, positive], "div") { $0[0] / $0[1] }
        assertGradientsMatchFiniteDifferences([randomTensor([1], seed: 4), b], "scalar broadcast") { $0[0] * $0[1] }
        assertGradientsMatchFiniteDifferences([a], "neg") { -$0[0] }
    }

    func testUnaryFunctions() {
        let x = randomTensor([2, 7], seed: 5)
        let positive = randomTensor([13], low: 0.3, high: 3, seed: 6)
        assertGradientsMatchFiniteDifferences([x], "exp") { $0[0].exp() }
        assertGradientsMatchFiniteDifferences([positive], "log") { $0[0].log() }
        assertGradientsMatchFiniteDifferences([positive], "sqrt") { $0[0].sqrt() }
        assertGradientsMatchFiniteDifferences([positive], "rsqrt") { $0[0].rsqrt() }
        assertGradientsMatchFiniteDifferences([positive], "pow") { $0[0].pow(1.7) }
        assertGradientsMatchFiniteDifferences([x], "tanh") { $0[0].tanh() }
        assertGradientsMatchFiniteDifferences([x], "sigmoid") { $0[0].sigmoid() }
        assertGradientsMatchFiniteDifferences([x], "silu") { $0[0].silu() }
        assertGradientsMatchFiniteDifferences([x], "gelu") { $0[0].gelu() }
        assertGradientsMatchFiniteDifferences([x], "gelu tanh") { $0[0].gelu(approximateWithTanh: true) }
        assertGradientsMatchFiniteDifferences([away(fromKinks: x, [0])], "relu") { $0[0].relu() }
        assertGradientsMatchFiniteDifferences([away(fromKinks: x, [0])], "abs") { $0[0].abs() }
        assertGradientsMatchFiniteDifferences([away(fromKinks: x, [-0.5, 0.5])], "clamp") { $0[0].clamped(min: -0.5, max: 0.5) }
    }

    func testSelectionAndReductions() {
        let a = randomTensor([3, 5], seed: 7), b = randomTensor([5], seed: 8)
        let condition = Tensor(shape: [3, 1], storage: [1, 0, 1])
        assertGradientsMatchFiniteDifferences([a, b], "where") { Tensor.where(condition, $0[0], $0[1]) }
        let x = randomTensor([3, 1, 7], seed: 9)
        for axis in [0, 1, 2, -1] {
            assertGradientsMatchFiniteDifferences([x], "sum \(axis)") { $0[0].sum(axis: axis) }
            assertGradientsMatchFiniteDifferences([x], "mean \(axis)") { $0[0].mean(axis: axis, keepingDimension: true) }
            assertGradientsMatchFiniteDifferences([x], "logsumexp \(axis)") { $0[0].logSumExp(axis: axis) }
        }
        // Distinct values so the maximum is unique and stays put under the step.
        let distinct = Tensor(shape: [3, 5], storage: (0..<15).map { Float(($0 * 7) % 15) * 0.3 })
        assertGradientsMatchFiniteDifferences([distinct], "max") { $0[0].max(axis: 1) }
        assertGradientsMatchFiniteDifferences([x], "sum all") { $0[0].sum() }
        assertGradientsMatchFiniteDifferences([x], "mean all") { $0[0].mean() }
    }

    func testShapeOperations() {
        let x = randomTensor([2, 3, 5], seed: 10)
        assertGradientsMatchFiniteDifferences([x], "reshape") { $0[0].reshaped([5, -1]) * $0[0].reshaped([5, 6]) }
        assertGradientsMatchFiniteDifferences([x], "permute") { $0[0].permuted([2, 0, 1]) }
        assertGradientsMatchFiniteDifferences([x], "transpose") { $0[0].transposed(0, 1) }
        assertGradientsMatchFiniteDifferences([x, randomTensor([2, 1, 5], seed: 11)], "concatenate") {
            Tensor.concatenate([$0[0], $0[1], $0[0]], axis: 1)
        }
        assertGradientsMatchFiniteDifferences([x], "split") {
            let pieces = $0[0].split(sizes: [1, 2, 2], axis: 2)
            return pieces[0] * pieces[2].sum(axis: 2, keepingDimension: true)
        }
        assertGradientsMatchFiniteDifferences([x], "slice") { $0[0].sliced(axis: 1, 1..<3) }
        assertGradientsMatchFiniteDifferences([randomTensor([7, 3], seed: 12)], "index select") { $0[0].indexSelect([6, 0, 6, 2]) }
        assertGradientsMatchFiniteDifferences([randomTensor([7, 3], seed: 13)], "embedding") {
            Tensor.embedding($0[0], ids: [1, 1, 5, 0, 6, 2], shape: [2, 3])
        }
        assertGradientsMatchFiniteDifferences([x], "gather") { $0[0].gatherLast([4, 0, 1, 3, 3, 2]) }
        assertGradientsMatchFiniteDifferences([x], "expand") { $0[0].reshaped([2, 1, 3, 5]).expanded(to: [2, 3, 3, 5]) }
    }

    func testMatrixProducts() {
        let a = randomTensor([5, 3], seed: 14), b = randomTensor([3, 7], seed: 15)
        assertGradientsMatchFiniteDifferences([a, b], "nn") { Tensor.matmul($0[0], $0[1]) }
        assertGradientsMatchFiniteDifferences([a, randomTensor([7, 3], seed: 16)], "nt") { Tensor.matmul($0[0], $0[1], transposeB: true) }
        assertGradientsMatchFiniteDifferences([randomTensor([3, 5], seed: 17), b], "tn") { Tensor.matmul($0[0], $0[1], transposeA: true) }
        assertGradientsMatchFiniteDifferences([randomTensor([3, 5], seed: 18), randomTensor([7, 3], seed: 19)], "tt") {
            Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: true)
        }
        assertGradientsMatchFiniteDifferences([randomTensor([2, 1, 3], seed: 20), randomTensor([2, 3, 5], seed: 21)], "batched") {
            Tensor.matmul($0[0], $0[1])
        }
        assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 5], seed: 22), randomTensor([7, 5], seed: 23), randomTensor([7], seed: 24)],
                                              "linear") { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        assertGradientsMatchFiniteDifferences([randomTensor([3, 5], seed: 25), randomTensor([2, 5, 7], seed: 26)], "shared left") {
            Tensor.matmul($0[0], $0[1])
        }
        assertGradientsMatchFiniteDifferences([randomTensor([2, 5, 3], seed: 27), randomTensor([5, 7], seed: 28)], "transposed batch, shared right") {
            Tensor.matmul($0[0], $0[1], transposeA: true)
        }
    }

    func testFusedKernels() {
        let x = randomTensor([3, 1, 7], seed: 29)
        assertGradientsMatchFiniteDifferences([x], "softmax") { $0[0].softmax() }
        assertGradientsMatchFiniteDifferences([x, randomTensor([3, 1, 7], seed: 42)], "swiGLU") { Tensor.swiGLU(gate: $0[0], up: $0[1]) }
        assertGradientsMatchFiniteDifferences([x], "log softmax") { $0[0].logSoftmax() }
        assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 11], seed: 30), randomTensor([11], seed: 31)], "rms norm") {
            $0[0].rmsNorm(weight: $0[1], epsilon: 1e-5)
        }
        assertGradientsMatchFiniteDifferences([randomTensor([5, 1], seed: 32), randomTensor([1], seed: 33)], "rms norm, width 1, 1 + w") {
            $0[0].rmsNorm(weight: $0[1], epsilon: 1e-6, addingOneToWeight: true)
        }
        for layout in [RotaryEmbedding.Layout.halfSplit, .interleaved] {
            let rotary = RotaryEmbedding(dimension: 6, base: 100, layout: layout)
            assertGradientsMatchFiniteDifferences([randomTensor([2, 1, 3, 8], seed: 34)], "rope \(layout)") {
                $0[0].applyingRotaryEmbedding(rotary, positions: [0, 5, 2, 3, 1, 11])
            }
        }
        let logits = randomTensor([5, 7], low: -3, high: 3, seed: 35)
        for reduction in [LossReduction.mean, .sum, .none] {
            assertGradientsMatchFiniteDifferences([logits], "cross entropy \(reduction)") {
                Tensor.crossEntropy(logits: $0[0], targets: [3, -100, 0, 6, 6], reduction: reduction)
            }
        }
        assertGradientsMatchFiniteDifferences([logits], "log probabilities") { Tensor.logProbabilities(logits: $0[0], targets: [0, 1, 2, 3, 4]) }
    }

    func testAttention() {
        let masks: [(String, AttentionMask)] = [
            ("causal", AttentionMask()),
            ("full", AttentionMask(causal: false)),
            ("window", AttentionMask(slidingWindow: 2)),
            ("padding", AttentionMask(keyPadding: [false, true, true, true, true, true, true, false, true, true, true, true, true, true])),
        ]
        for (name, mask) in masks {
            let q = randomTensor([2, 3, 7, 4], seed: 36), k = randomTensor([2, 1, 7, 4], seed: 37), v = randomTensor([2, 1, 7, 5], seed: 38)
            assertGradientsMatchFiniteDifferences([q, k, v], "attention \(name)") {
                Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: mask)
            }
        }
        // Decode-style: fewer queries than keys (KV cache offset), one head each.
        assertGradientsMatchFiniteDifferences([randomTensor([1, 1, 2, 3], seed: 39), randomTensor([1, 1, 5, 3], seed: 40), randomTensor([1, 1, 5, 3], seed: 41)],
                                              "attention offset") {
            Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], scale: 0.7)
        }
    }
}
