import Foundation

// Softmax and log-softmax over the last axis, fused (one pass for the maximum, one for the sum).

extension Tensor {
    /// `exp(x - max) / sum(exp(x - max))` over the last axis, as `torch.softmax(x, -1)`.
    ///
    /// Backward: `dx = y * (dy - sum(dy * y))`.
    public func softmax() -> Tensor {
        let width = shape.last ?? 1
        let output = rowMap(width) { input, out in
            let peak = VectorMath.maximum(input, count: width)
            let total = VectorMath.expShifted(input, out, count: width, shift: peak)
            VectorMath.scale(out, count: width, by: 1 / total)
        }
        return record("softmax", output, inputs: [self]) { gradient in
            [Tensor.rowZip(gradient, output, width) { dy, y, dx in
                var dot: Float = 0
                for column in 0..<width { dot += dy[column] * y[column] }
                for column in 0..<width { dx[column] = y[column] * (dy[column] - dot) }
            }]
        }
    }

    /// `x - logsumexp(x)` over the last axis, as `torch.log_softmax(x, -1)`.
    ///
    /// Backward: `dx = dy - softmax(x) * sum(dy)`.
    public func logSoftmax() -> Tensor {
        let width = shape.last ?? 1
        let output = rowMap(width) { input, out in
            let peak = VectorMath.maximum(input, count: width)
            let shift = peak + Foundation.log(VectorMath.sumExpShifted(input, count: width, shift: peak))
            for column in 0..<width { out[column] = input[column] - shift }
        }
        return record("log_softmax", output, inputs: [self]) { gradient in
            [Tensor.rowZip(gradient, output, width) { dy, y, dx in
                var total: Float = 0
                for column in 0..<width { total += dy[column] }
                for column in 0..<width { dx[column] = dy[column] - VectorMath.exp(y[column]) * total }
            }]
        }
    }

    /// The composite softmax (`exp(x - max) / sum`), the oracle the fused kernel is tested against.
    public func softmaxComposite() -> Tensor {
        let shifted = self - max(axis: -1, keepingDimension: true).detached()
        let exponentials = shifted.exp()
        return exponentials / exponentials.sum(axis: -1, keepingDimension: true)
    }

    /// The composite log-softmax (`x - logsumexp(x)`), the oracle for the fused kernel.
    public func logSoftmaxComposite() -> Tensor {
        self - logSumExp(axis: -1, keepingDimension: true)
    }

    /// Runs `body(inputRow, outputRow)` over every row of the last axis, in parallel; no graph.
    func rowMap(_ width: Int, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let rows = width == 0 ? 0 : count / width
        return storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(shape) { result in
                let input = source.baseAddress, out = result.baseAddress
                parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(width, 1))) { range in
                    for row in range { body(input! + row * width, out! + row * width) }
                }
            }
        }
    }

    /// Runs `body(aRow, bRow, outputRow)` over matching rows of two same-shape tensors; no graph.
    static func rowZip(_ a: Tensor, _ b: Tensor, _ width: Int,
                       _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        precondition(a.shape == b.shape, "row shapes differ: \(a.shape) and \(b.shape)")
        let rows = width == 0 ? 0 : a.count / width
        return a.storage.withUnsafeBufferPointer { first in
            b.storage.withUnsafeBufferPointer { second in
                Tensor.uninitialized(a.shape) { result in
                    let x = first.baseAddress, y = second.baseAddress, out = result.baseAddress
                    parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(width, 1))) { range in
                        for row in range { body(x! + row * width, y! + row * width, out! + row * width) }
                    }
                }
            }
        }
    }
}
