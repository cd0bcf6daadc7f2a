/// NumPy/PyTorch broadcasting: shapes align at their last axes; an axis of size 1 stretches.
extension Tensor {
    /// The broadcast of two shapes; stops with a message naming both if they do not broadcast.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for index in 0..<rank {
            let sizeA = index < rank - a.count ? 1 : a[index - (rank - a.count)]
            let sizeB = index < rank - b.count ? 1 : b[index - (rank - b.count)]
            precondition(sizeA == sizeB || sizeA == 1 || sizeB == 1, "shapes \(a) and \(b) do not broadcast")
            result[index] = sizeA == 1 ? sizeB : sizeA
        }
        return result
    }

    /// This tensor repeated along its size-1 (and missing leading) axes to `shape`, as a new buffer.
    ///
    /// Backward: the gradient is summed back over the stretched axes.
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(Tensor.broadcastShape(shape, target) == target, "cannot expand shape \(shape) to \(target)")
        let padded = [Int](repeating: 1, count: target.count - rank) + shape
        // Strides of the source in the target's index space (0 on stretched axes).
        var sourceStrides = [Int](repeating: 0, count: target.count)
        var running = 1
        for axis in stride(from: target.count - 1, through: 0, by: -1) {
            sourceStrides[axis] = padded[axis] == 1 ? 0 : running
            running *= padded[axis]
        }
        let innerCount = target.last ?? 1
        let innerStride = sourceStrides.last ?? 0
        let outer = target.count > 0 ? target.product / Swift.max(innerCount, 1) : 1
        let output = storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(target) { result in
                guard result.count > 0 else { return }
                var index = [Int](repeating: 0, count: Swift.max(target.count - 1, 0))
                for row in 0..<outer {
                    var offset = 0
                    for axis in 0..<index.count { offset += index[axis] * sourceStrides[axis] }
                    let destination = result.baseAddress! + row * innerCount
                    if innerStride == 0 {
                        let value = source[offset]
                        for column in 0..<innerCount { destination[column] = value }
                    } else {
                        for column in 0..<innerCount { destination[column] = source[offset + column] }
                    }
                    // advance the multi-index over the outer axes
                    var axis = index.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < target[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        let inputShape = shape
        return record("expand", output, inputs: [self]) { gradient in [gradient.summed(toShape: inputShape)] }
    }

    /// Sums over the axes that broadcasting stretched, giving a tensor of `target` shape.
    public func summed(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        var result = self
        let extra = rank - target.count
        precondition(extra >= 0, "cannot sum shape \(shape) down to \(target)")
        for _ in 0..<extra { result = result.sum(axis: 0) }
        for axis in 0..<target.count where target[axis] == 1 && result.shape[axis] != 1 {
            result = result.sum(axis: axis, keepingDimension: true)
        }
        precondition(result.shape == target, "cannot sum shape \(shape) down to \(target)")
        return result
    }
}
