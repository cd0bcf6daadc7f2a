/// A float32 tensor: a shape and one contiguous row-major buffer, plus what autodiff needs.
///
/// **Reference model.** `Tensor` is a class, like `torch.Tensor`: passing it around shares it, and
/// the autodiff graph links tensors by reference. Its *values* behave as values, though: operations
/// never modify their inputs, they return new tensors; `storage` is a Swift array, so two tensors
/// that share a buffer (a `reshaped` view, say) copy it on the first write. The only in-place updates
/// are the optimizers' parameter updates and gradient accumulation, which happen outside the graph.
///
/// ```swift
/// let x = Tensor([[1, 2], [3, 4]], requiresGrad: true)
/// let loss = (x * x).sum()
/// loss.backward()
/// x.grad!.scalars  // [2, 4, 6, 8]
/// ```
public final class Tensor {
    /// The size of every axis, outermost first.
    public let shape: [Int]
    /// The values, row-major (the last axis varies fastest); `storage.count == shape.product`.
    public internal(set) var storage: [Float]
    /// Whether gradients flow to this tensor. Leaves with `requiresGrad` accumulate into `grad`.
    public var requiresGrad: Bool
    /// The accumulated gradient of a leaf, same shape; `nil` until the first backward pass.
    public var grad: Tensor?
    /// How this tensor was computed, for the backward pass; `nil` for leaves and in no-grad mode.
    @usableFromInline var gradientFunction: GradientFunction?

    /// A tensor with the given values; `values.count` must equal the product of `shape`.
    public init(shape: [Int], storage: [Float], requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative size in shape \(shape)")
        precondition(storage.count == shape.product,
                     "shape \(shape) needs \(shape.product) values, got \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// The number of values.
    @inlinable public var count: Int { storage.count }
    /// The number of axes.
    @inlinable public var rank: Int { shape.count }
    /// All values, row-major.
    public var scalars: [Float] { storage }
    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return storage[0]
    }
    /// True for a tensor computed by differentiable operations from tensors that require gradients.
    public var isInGraph: Bool { gradientFunction != nil }

    /// The size of `axis`; negative axes count from the end.
    public func size(_ axis: Int) -> Int { shape[normalizedAxis(axis)] }

    /// Resolves a possibly negative axis; stops with a message naming the shape if out of range.
    public func normalizedAxis(_ axis: Int) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "axis \(axis) is out of range for shape \(shape)")
        return resolved
    }

    /// A copy outside the graph that shares no history (like `torch.Tensor.detach`).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }
}

// MARK: - Creation

extension Tensor {
    /// A scalar (rank-0) tensor.
    public convenience init(_ value: Float, requiresGrad: Bool = false) {
        self.init(shape: [], storage: [value], requiresGrad: requiresGrad)
    }

    /// A rank-1 tensor from an array.
    public convenience init(_ values: [Float], requiresGrad: Bool = false) {
        self.init(shape: [values.count], storage: values, requiresGrad: requiresGrad)
    }

    /// A rank-2 tensor from rows of equal length.
    public convenience init(_ rows: [[Float]], requiresGrad: Bool = false) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "rows of unequal length: \(rows.map(\.count))")
        self.init(shape: [rows.count, columns], storage: rows.flatMap { $0 }, requiresGrad: requiresGrad)
    }

    /// A tensor of the given shape filled with `value`.
    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: [Float](repeating: value, count: shape.product), requiresGrad: requiresGrad)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 0, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }

    /// `[start, start + step, ...]` up to but excluding `end`, like `torch.arange`.
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange step must not be zero")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<count).map { start + Float($0) * step })
    }

    /// Values drawn from a normal distribution, reproducibly from `generator`.
    public static func randomNormal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                                    generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        var values = [Float](repeating: 0, count: shape.product)
        for index in values.indices { values[index] = mean + standardDeviation * generator.nextNormal() }
        return Tensor(shape: shape, storage: values, requiresGrad: requiresGrad)
    }

    /// Values drawn uniformly from `[low, high)`, reproducibly from `generator`.
    public static func randomUniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                                     generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        var values = [Float](repeating: 0, count: shape.product)
        for index in values.indices { values[index] = low + (high - low) * generator.nextUniform() }
        return Tensor(shape: shape, storage: values, requiresGrad: requiresGrad)
    }

    /// A new tensor of `shape` whose buffer `fill` initializes completely (no zero-filling first).
    @inlinable
    static func uninitialized(_ shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let count = shape.product
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            fill(buffer)
            initializedCount = count
        }
        return Tensor(shape: shape, storage: values)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = storage.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", ..." : "")])"
    }
}

extension Array where Element == Int {
    /// The product of the sizes: the number of values of a tensor of this shape.
    @inlinable public var product: Int { reduce(1, *) }
}

extension Tensor {
    /// Replaces the values in place (same element count), outside the graph: loading weights,
    /// merging adapters. Tensors sharing the old buffer keep their values (copy on write).
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "assign needs \(count) values for shape \(shape), got \(values.count)")
        storage = values
    }

    /// Gives `body` the mutable buffer, outside the graph (for in-place kernels such as adapter merging).
    public func withUnsafeMutableValues<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try storage.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Moves row `rows[i]` of the leading axis to row `i` (each either `i` itself or a row past `rows.count`) and returns
    /// the first `rows.count` rows as a tensor that takes over this one's buffer, outside the graph: no copy where
    /// nothing else shares the buffer (a KV cache dropping finished rows). This tensor is left with no values and must
    /// not be used again.
    package func movingRows(_ rows: [Int]) -> Tensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        precondition(!isInGraph, "movingRows empties this tensor: not for a tensor the graph holds")
        precondition(rows.enumerated().allSatisfy { $1 == $0 || ($1 >= rows.count && $1 < shape[0]) },
                     "each row must stay or come from past the kept ones")
        var taken: [Float] = []
        swap(&taken, &storage)
        taken.withUnsafeMutableBufferPointer { buffer in
            for (row, source) in rows.enumerated() where source != row {
                (buffer.baseAddress! + row * rowSize).update(from: buffer.baseAddress! + source * rowSize, count: rowSize)
            }
        }
        taken.removeLast(taken.count - rows.count * rowSize)
        return Tensor(shape: [rows.count] + shape.dropFirst(), storage: taken)
    }
}
