import Foundation

/// How per-row losses are combined.
public enum LossReduction: String, Sendable, Codable {
    /// Mean over rows whose target is not ignored (PyTorch's default; NaN when all are ignored).
    case mean
    /// Sum over rows.
    case sum
    /// One loss per row (0 for ignored rows).
    case none
}

extension Tensor {
    /// Cross-entropy of `logits` `[..., V]` against integer `targets` (one per row), fused over the vocabulary.
    ///
    /// `loss_row = logsumexp(logits_row) - logits_row[target]`; rows whose target is `ignoreIndex`
    /// contribute nothing. Matches `torch.nn.functional.cross_entropy(logits.view(-1, V), targets,
    /// ignore_index:, reduction:)`.
    ///
    /// The forward pass keeps only one `logsumexp` per row; the backward pass recomputes
    /// `softmax - onehot` row by row from the logits, so no softmax over the vocabulary is stored.
    public static func crossEntropy(logits: Tensor, targets: [Int], ignoreIndex: Int = -100,
                                    reduction: LossReduction = .mean) -> Tensor {
        let width = logits.shape.last ?? 1
        let rows = width == 0 ? 0 : logits.count / width
        precondition(targets.count == rows, "crossEntropy needs \(rows) targets for logits \(logits.shape), got \(targets.count)")
        for target in targets where target != ignoreIndex {
            precondition(target >= 0 && target < width, "target \(target) is out of range for \(width) classes")
        }
        var logSumExps = [Float](repeating: 0, count: rows)
        var rowLosses = [Float](repeating: 0, count: rows)
        logits.storage.withUnsafeBufferPointer { source in
            logSumExps.withUnsafeMutableBufferPointer { lseBuffer in
                rowLosses.withUnsafeMutableBufferPointer { lossBuffer in
                    let x = source.baseAddress!, lse = lseBuffer.baseAddress!, losses = lossBuffer.baseAddress!
                    parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(width, 1))) { range in
                        for row in range where targets[row] != ignoreIndex {
                            let line = x + row * width
                            let peak = VectorMath.maximum(line, count: width)
                            lse[row] = peak + Foundation.log(VectorMath.sumExpShifted(line, count: width, shift: peak))
                            losses[row] = lse[row] - line[targets[row]]
                        }
                    }
                }
            }
        }
        let counted = targets.lazy.filter { $0 != ignoreIndex }.count
        let output: Tensor
        switch reduction {
        case .none: output = Tensor(shape: Array(logits.shape.dropLast()), storage: rowLosses)
        case .sum: output = Tensor(Float(rowLosses.reduce(0.0) { $0 + Double($1) }))
        case .mean: output = Tensor(Float(rowLosses.reduce(0.0) { $0 + Double($1) } / Double(counted)))
        }
        return record("cross_entropy", output, inputs: [logits]) { gradient in
            let inputGradient = logits.storage.withUnsafeBufferPointer { source in
                Tensor.uninitialized(logits.shape) { target in
                    let x = source.baseAddress!, dx = target.baseAddress!
                    parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(width, 1))) { range in
                        for row in range {
                            let out = dx + row * width
                            guard targets[row] != ignoreIndex else {
                                out.initialize(repeating: 0, count: width)
                                continue
                            }
                            let rowScale: Float
                            switch reduction {
                            case .none: rowScale = gradient.storage[row]
                            case .sum: rowScale = gradient.storage[0]
                            case .mean: rowScale = gradient.storage[0] / Float(counted)
                            }
                            // (softmax - onehot) · scale, the softmax recomputed from the saved logsumexp.
                            VectorMath.expShiftedScaled(x + row * width, out, count: width, shift: logSumExps[row], factor: rowScale)
                            out[targets[row]] -= rowScale
                        }
                    }
                }
            }
            return [inputGradient]
        }
    }

    /// `log p(target)` of each row under `softmax(logits)`: shape `logits.shape.dropLast()`;
    /// rows whose target is `ignoreIndex` get 0.
    ///
    /// The per-token log-probabilities GRPO needs, computed by the fused cross-entropy kernel.
    public static func logProbabilities(logits: Tensor, targets: [Int], ignoreIndex: Int = -100) -> Tensor {
        -crossEntropy(logits: logits, targets: targets, ignoreIndex: ignoreIndex, reduction: .none)
    }

    /// Cross-entropy from primitives (log-softmax, gather, mean): the oracle for the fused kernel.
    public static func crossEntropyComposite(logits: Tensor, targets: [Int], ignoreIndex: Int = -100) -> Tensor {
        let width = logits.shape.last ?? 1
        let rows = logits.reshaped([-1, width]).logSoftmaxComposite()
        let kept = targets.indices.filter { targets[$0] != ignoreIndex }
        let picked = rows.indexSelect(kept).gatherLast(kept.map { targets[$0] })
        return -picked.mean()
    }
}
