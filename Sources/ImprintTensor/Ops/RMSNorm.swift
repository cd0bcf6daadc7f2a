import Foundation

// Root-mean-square normalization over the last axis, fused, with its composite oracle.

extension Tensor {
    /// RMSNorm: `x / sqrt(mean(x²) + eps) * w`, over the last axis, with `w = weight` or, for
    /// Gemma (`addingOneToWeight`), `w = 1 + weight`.
    ///
    /// Matches `LlamaRMSNorm` / `Gemma3RMSNorm` in `transformers` (float32 throughout).
    /// - Parameters: `weight` has shape `[shape.last]`.
    /// Backward, with `r = rsqrt(mean(x²) + eps)`, `x̂ = x r`, `g = dy w`:
    /// `dx = r (g - x̂ mean(g x̂))`, `dw = Σ_rows dy x̂`.
    public func rmsNorm(weight: Tensor, epsilon: Float, addingOneToWeight: Bool = false) -> Tensor {
        let width = shape.last ?? 1
        precondition(weight.shape == [width], "RMSNorm weight shape \(weight.shape) does not match last axis of \(shape)")
        let offset: Float = addingOneToWeight ? 1 : 0
        let rows = width == 0 ? 0 : count / width
        var inverseRoots = [Float](repeating: 0, count: rows)
        let output = weight.storage.withUnsafeBufferPointer { weights in
            inverseRoots.withUnsafeMutableBufferPointer { roots in
                let w = weights.baseAddress!, r = roots.baseAddress!
                return storage.withUnsafeBufferPointer { source in
                    Tensor.uninitialized(shape) { result in
                        let input = source.baseAddress!, out = result.baseAddress!
                        parallelForPieces(rows, alignment: 1, minimum: Swift.max(1, 2048 / Swift.max(width, 1)),
                                          target: Swift.max(1, (1 << 16) / Swift.max(width, 1))) { range in
                            for row in range {
                                let x = input + row * width, y = out + row * width
                                var squares: Float = 0
                                for column in 0..<width { squares += x[column] * x[column] }
                                let inverseRoot = 1 / Foundation.sqrt(squares / Float(width) + epsilon)
                                r[row] = inverseRoot
                                for column in 0..<width { y[column] = x[column] * inverseRoot * (offset + w[column]) }
                            }
                        }
                    }
                }
            }
        }
        let input = self
        return record("rms_norm", output, inputs: [self, weight]) { gradient in
            var weightGradient = [Float](repeating: 0, count: width)
            var inputGradientValues = [Float](repeating: 0, count: input.count)
            inputGradientValues.withUnsafeMutableBufferPointer { dxBuffer in
                gradient.storage.withUnsafeBufferPointer { dyBuffer in
                    input.storage.withUnsafeBufferPointer { xBuffer in
                        weight.storage.withUnsafeBufferPointer { wBuffer in
                            let dx = dxBuffer.baseAddress!, dy = dyBuffer.baseAddress!, x = xBuffer.baseAddress!, w = wBuffer.baseAddress!
                            // Per-worker partial sums of dw keep the result independent of timing.
                            let workers = Swift.min(parallelWorkerCount, Swift.max(1, rows))
                            var partials = [Float](repeating: 0, count: workers * width)
                            partials.withUnsafeMutableBufferPointer { partialBuffer in
                                let partial = partialBuffer.baseAddress!
                                parallelForEach(workers) { worker in
                                    let start = rows * worker / workers, end = rows * (worker + 1) / workers
                                    let dwPartial = partial + worker * width
                                    for row in start..<end {
                                        let r = inverseRoots[row], base = row * width
                                        var dot: Float = 0
                                        for column in 0..<width {
                                            let normalized = x[base + column] * r
                                            dot += dy[base + column] * (offset + w[column]) * normalized
                                            dwPartial[column] += dy[base + column] * normalized
                                        }
                                        let meanDot = dot / Float(width)
                                        for column in 0..<width {
                                            let normalized = x[base + column] * r
                                            dx[base + column] = r * (dy[base + column] * (offset + w[column]) - normalized * meanDot)
                                        }
                                    }
                                }
                            }
                            for worker in 0..<workers {
                                for column in 0..<width { weightGradient[column] += partials[worker * width + column] }
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: input.shape, storage: inputGradientValues), Tensor(shape: [width], storage: weightGradient)]
        }
    }

    /// The composite RMSNorm, built from primitives: the oracle the fused kernel is tested against.
    public func rmsNormComposite(weight: Tensor, epsilon: Float, addingOneToWeight: Bool = false) -> Tensor {
        let inverseRoot = ((self * self).mean(axis: -1, keepingDimension: true) + epsilon).rsqrt()
        return self * inverseRoot * (addingOneToWeight ? weight + 1 : weight)
    }
}
