import Foundation

// Reductions over one axis (sum, mean, max, logsumexp) and over all elements.

extension Tensor {
    /// Splits the shape around `axis` into (outer, axis size, inner) for strided loops.
    func around(_ axis: Int) -> (outer: Int, size: Int, inner: Int) {
        let axis = normalizedAxis(axis)
        return (Array(shape[..<axis]).product, shape[axis], Array(shape[(axis + 1)...]).product)
    }

    /// The shape after reducing `axis`, kept as size 1 or removed.
    func reducedShape(_ axis: Int, keepingDimension: Bool) -> [Int] {
        var result = shape
        let axis = normalizedAxis(axis)
        if keepingDimension { result[axis] = 1 } else { result.remove(at: axis) }
        return result
    }

    /// Reduces `axis` with `combine` over each fibre (outer x inner independent lines); no graph.
    func reduce(_ axis: Int, keepingDimension: Bool,
                _ combine: (UnsafePointer<Float>, _ count: Int, _ stride: Int) -> Float) -> Tensor {
        let (outer, size, inner) = around(axis)
        return storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(reducedShape(axis, keepingDimension: keepingDimension)) { result in
                let input = source.baseAddress!, out = result.baseAddress!
                parallelFor(outer * inner, grain: Swift.max(1, (1 << 14) / Swift.max(size, 1))) { range in
                    for line in range {
                        let (o, i) = line.quotientAndRemainder(dividingBy: inner)
                        out[line] = combine(input + o * size * inner + i, size, inner)
                    }
                }
            }
        }
    }

    /// The sum over `axis`.
    public func sum(axis: Int, keepingDimension: Bool = false) -> Tensor {
        let output = reduce(axis, keepingDimension: keepingDimension) { line, count, stride in
            var total: Float = 0
            for index in 0..<count { total += line[index * stride] }
            return total
        }
        let inputShape = shape, keptShape = reducedShape(axis, keepingDimension: true)
        return record("sum", output, inputs: [self]) { gradient in
            [gradient.reshaped(keptShape).expanded(to: inputShape)]
        }
    }

    /// The sum of all elements, a scalar.
    public func sum() -> Tensor {
        let total = storage.withUnsafeBufferPointer { buffer -> Float in
            // Pairwise-friendly: accumulate in Double so large sums stay accurate and reproducible.
            var total: Double = 0
            for value in buffer { total += Double(value) }
            return Float(total)
        }
        let inputShape = shape
        return record("sum_all", Tensor(total), inputs: [self]) { gradient in
            [Tensor.full(inputShape, gradient.item)]
        }
    }

    /// The mean over `axis`.
    public func mean(axis: Int, keepingDimension: Bool = false) -> Tensor {
        sum(axis: axis, keepingDimension: keepingDimension) / Float(size(axis))
    }

    /// The mean of all elements, a scalar.
    public func mean() -> Tensor {
        precondition(count > 0, "mean of an empty tensor")
        return sum() / Float(count)
    }

    /// The maximum over `axis`; the gradient goes to the first maximal element, as in PyTorch.
    public func max(axis: Int, keepingDimension: Bool = false) -> Tensor {
        precondition(size(axis) > 0, "max over an empty axis \(axis) of shape \(shape)")
        let output = reduce(axis, keepingDimension: keepingDimension) { line, count, stride in
            var best = line[0]
            for index in 1..<Swift.max(count, 1) where line[index * stride] > best { best = line[index * stride] }
            return best
        }
        let input = self, axis = normalizedAxis(axis)
        return record("max", output, inputs: [self]) { gradient in
            let (outer, size, inner) = input.around(axis)
            var result = [Float](repeating: 0, count: input.count)
            input.storage.withUnsafeBufferPointer { source in
                for line in 0..<(outer * inner) {
                    let (o, i) = line.quotientAndRemainder(dividingBy: inner)
                    let base = o * size * inner + i
                    var bestIndex = 0
                    for index in 1..<Swift.max(size, 1) where source[base + index * inner] > source[base + bestIndex * inner] {
                        bestIndex = index
                    }
                    result[base + bestIndex * inner] = gradient.storage[line]
                }
            }
            return [Tensor(shape: input.shape, storage: result)]
        }
    }

    /// `log(sum(exp(x)))` over `axis`, computed stably (shifted by the maximum).
    public func logSumExp(axis: Int, keepingDimension: Bool = false) -> Tensor {
        let output = reduce(axis, keepingDimension: keepingDimension) { line, count, stride in
            var peak = -Float.infinity
            for index in 0..<count { peak = Swift.max(peak, line[index * stride]) }
            if peak == -.infinity { return -.infinity }
            var total: Float = 0
            for index in 0..<count { total += Foundation.exp(line[index * stride] - peak) }
            return peak + Foundation.log(total)
        }
        let input = self, keptShape = reducedShape(axis, keepingDimension: true)
        return record("logsumexp", output, inputs: [self]) { gradient in
            // d lse / dx = softmax(x)
            let weights = Tensor.broadcastMap(input, output.reshaped(keptShape)) { x, lse in Foundation.exp(x - lse) }
            return [weights * gradient.reshaped(keptShape)]
        }
    }
}
