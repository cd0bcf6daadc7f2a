// Shape operations: reshape, permute/transpose, concatenate, split, slice, index-select, gather.

extension Tensor {
    /// The same values under a new shape with the same element count; one size may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.map(\.element).product
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[unknown] = count / known
        }
        precondition(resolved.product == count, "cannot reshape \(shape) (\(count) values) to \(newShape)")
        if resolved == shape { return self }
        let output = Tensor(shape: resolved, storage: storage)  // shares the buffer until written
        let inputShape = shape
        return record("reshape", output, inputs: [self]) { gradient in [gradient.reshaped(inputShape)] }
    }

    /// The axes reordered: result axis `i` is input axis `axes[i]` (like `torch.permute`), copied contiguous.
    public func permuted(_ axes: [Int]) -> Tensor {
        let axes = axes.map(normalizedAxis)
        precondition(axes.count == rank && Set(axes).count == rank, "permutation \(axes) does not fit shape \(shape)")
        if axes == Array(0..<rank) { return self }
        let outputShape = axes.map { shape[$0] }
        // Moving only axes of size 1 (a decoding step's [B, 1, H, D] -> [B, H, 1, D]) keeps every element where it
        // is: a reshape, no copy.
        let moved = axes.filter { shape[$0] != 1 }
        if moved == moved.sorted() { return reshaped(outputShape) }
        var inputStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { inputStrides[axis] = inputStrides[axis + 1] * shape[axis + 1] }
        let strides = axes.map { inputStrides[$0] }
        let output = storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(outputShape) { result in
                let input = source.baseAddress!, out = result.baseAddress!
                let innerCount = outputShape.last ?? 1, innerStride = strides.last ?? 1
                let rows = innerCount == 0 ? 0 : result.count / innerCount
                parallelFor(rows, grain: Swift.max(1, 4096 / Swift.max(innerCount, 1))) { range in
                    for row in range {
                        var remainder = row, offset = 0
                        for axis in stride(from: rank - 2, through: 0, by: -1) {
                            let (quotient, index) = remainder.quotientAndRemainder(dividingBy: outputShape[axis])
                            offset += index * strides[axis]
                            remainder = quotient
                        }
                        let destination = out + row * innerCount
                        for column in 0..<innerCount { destination[column] = input[offset + column * innerStride] }
                    }
                }
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        return record("permute", output, inputs: [self]) { gradient in [gradient.permuted(inverse)] }
    }

    /// Swaps two axes (copied contiguous).
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(first), normalizedAxis(second))
        return permuted(axes)
    }

    /// Joins tensors along `axis`; all other sizes must match.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate needs at least one tensor")
        let first = tensors[0]
        let axis = first.normalizedAxis(axis)
        for tensor in tensors {
            precondition(tensor.rank == first.rank && (0..<first.rank).allSatisfy { $0 == axis || tensor.shape[$0] == first.shape[$0] },
                         "cannot concatenate shapes \(first.shape) and \(tensor.shape) along axis \(axis)")
        }
        let sizes = tensors.map { $0.shape[axis] }
        var outputShape = first.shape
        outputShape[axis] = sizes.reduce(0, +)
        let outer = Array(first.shape[..<axis]).product, inner = Array(first.shape[(axis + 1)...]).product
        let totalWidth = outputShape[axis] * inner
        var values = [Float](repeating: 0, count: outputShape.product)
        values.withUnsafeMutableBufferPointer { out in
            var columnOffset = 0
            for tensor in tensors {
                let width = tensor.shape[axis] * inner
                tensor.storage.withUnsafeBufferPointer { source in
                    for row in 0..<outer {
                        for column in 0..<width { out[row * totalWidth + columnOffset + column] = source[row * width + column] }
                    }
                }
                columnOffset += width
            }
        }
        let output = Tensor(shape: outputShape, storage: values)
        return record("concatenate", output, inputs: tensors) { gradient in
            gradient.split(sizes: sizes, axis: axis).map { Optional($0) }
        }
    }

    /// Cuts along `axis` into consecutive pieces of the given sizes (they must add up to the axis size).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let axis = normalizedAxis(axis)
        precondition(sizes.reduce(0, +) == shape[axis], "split sizes \(sizes) do not add up to axis \(axis) of shape \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return sliced(axis: axis, start..<(start + size))
        }
    }

    /// The elements with index in `range` along `axis` (like `torch.narrow`), copied contiguous.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "slice \(range) is out of bounds for axis \(axis) of shape \(shape)")
        let (outer, size, inner) = around(axis)
        var outputShape = shape
        outputShape[axis] = range.count
        let width = range.count * inner
        let output = storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(outputShape) { result in
                for row in 0..<outer {
                    let from = source.baseAddress! + row * size * inner + range.lowerBound * inner
                    (result.baseAddress! + row * width).update(from: from, count: width)
                }
            }
        }
        let inputShape = shape
        return record("slice", output, inputs: [self]) { gradient in
            var full = [Float](repeating: 0, count: inputShape.product)
            gradient.storage.withUnsafeBufferPointer { source in
                full.withUnsafeMutableBufferPointer { target in
                    for row in 0..<outer {
                        (target.baseAddress! + row * size * inner + range.lowerBound * inner)
                            .update(from: source.baseAddress! + row * width, count: width)
                    }
                }
            }
            return [Tensor(shape: inputShape, storage: full)]
        }
    }

    /// Rows of axis 0 picked by `indices` (like `torch.index_select(x, 0, indices)`); result shape
    /// `[indices.count] + shape[1...]`. Also the embedding lookup: `weight.indexSelect(tokenIds)`.
    ///
    /// Backward scatters (adds) the gradient rows back, so repeated indices accumulate.
    public func indexSelect(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "indexSelect needs at least one axis, shape is \(shape)")
        let rows = shape[0], width = count / Swift.max(rows, 1)
        for index in indices { precondition(index >= 0 && index < rows, "index \(index) is out of range for \(rows) rows (shape \(shape))") }
        let outputShape = [indices.count] + shape.dropFirst()
        let output = storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(outputShape) { result in
                parallelFor(indices.count, grain: Swift.max(1, 4096 / Swift.max(width, 1))) { range in
                    for position in range {
                        (result.baseAddress! + position * width).update(from: source.baseAddress! + indices[position] * width, count: width)
                    }
                }
            }
        }
        let inputShape = shape
        return record("index_select", output, inputs: [self]) { gradient in
            var full = [Float](repeating: 0, count: inputShape.product)
            gradient.storage.withUnsafeBufferPointer { source in
                for (position, index) in indices.enumerated() {
                    for column in 0..<width { full[index * width + column] += source[position * width + column] }
                }
            }
            return [Tensor(shape: inputShape, storage: full)]
        }
    }

    /// Embedding lookup: `weight` is `[vocabulary, dimension]`; `ids` has `idsShape`; result `idsShape + [dimension]`.
    public static func embedding(_ weight: Tensor, ids: [Int], shape idsShape: [Int]) -> Tensor {
        precondition(weight.rank == 2, "embedding weight must be [vocabulary, dimension], got \(weight.shape)")
        precondition(idsShape.product == ids.count, "ids shape \(idsShape) does not hold \(ids.count) ids")
        return weight.indexSelect(ids).reshaped(idsShape + [weight.shape[1]])
    }

    /// Picks one element per row of the last axis: `result[..., 0] = self[..., indices[row]]`
    /// (like `torch.gather(x, -1, indices.unsqueeze(-1))`); result shape `shape.dropLast() + [1]`.
    public func gatherLast(_ indices: [Int]) -> Tensor {
        let width = shape.last ?? 1, rows = count / Swift.max(width, 1)
        precondition(indices.count == rows, "gatherLast needs \(rows) indices for shape \(shape), got \(indices.count)")
        for index in indices { precondition(index >= 0 && index < width, "index \(index) is out of range for last axis of \(shape)") }
        let output = Tensor(shape: Array(shape.dropLast()) + [1], storage: (0..<rows).map { storage[$0 * width + indices[$0]] })
        let inputShape = shape
        return record("gather", output, inputs: [self]) { gradient in
            var full = [Float](repeating: 0, count: inputShape.product)
            for row in 0..<rows { full[row * width + indices[row]] = gradient.storage[row] }
            return [Tensor(shape: inputShape, storage: full)]
        }
    }
}
