import Foundation

// Element-wise arithmetic with broadcasting, and unary functions, each with its backward rule.

extension Tensor {
    /// Applies `operation` to matching elements of `a` and `b` after broadcasting; no graph.
    @inlinable
    static func broadcastMap(_ a: Tensor, _ b: Tensor, _ operation: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            return a.storage.withUnsafeBufferPointer { left in
                b.storage.withUnsafeBufferPointer { right in
                    Tensor.uninitialized(a.shape) { result in
                        let l = left.baseAddress, r = right.baseAddress, out = result.baseAddress
                        parallelFor(result.count, grain: 1 << 15) { range in
                            for index in range { out![index] = operation(l![index], r![index]) }
                        }
                    }
                }
            }
        }
        let shape = broadcastShape(a.shape, b.shape)
        if b.count == 1 && shape == a.shape {
            let scalar = b.storage[0]
            return a.storage.withUnsafeBufferPointer { left in
                Tensor.uninitialized(shape) { result in
                    let l = left.baseAddress, out = result.baseAddress
                    parallelFor(result.count, grain: 1 << 15) { range in
                        for index in range { out![index] = operation(l![index], scalar) }
                    }
                }
            }
        }
        if a.count == 1 && shape == b.shape {
            let scalar = a.storage[0]
            return b.storage.withUnsafeBufferPointer { right in
                Tensor.uninitialized(shape) { result in
                    let r = right.baseAddress, out = result.baseAddress
                    parallelFor(result.count, grain: 1 << 15) { range in
                        for index in range { out![index] = operation(scalar, r![index]) }
                    }
                }
            }
        }
        if shape == a.shape && isTrailing(b.shape, of: a.shape) {
            // b repeats along a's leading axes (a bias, a norm weight): row by row.
            let width = b.count
            return a.storage.withUnsafeBufferPointer { left in
                b.storage.withUnsafeBufferPointer { right in
                    Tensor.uninitialized(shape) { result in
                        let l = left.baseAddress!, r = right.baseAddress!, out = result.baseAddress!
                        parallelFor(result.count / width, grain: Swift.max(1, (1 << 15) / width)) { rows in
                            for row in rows {
                                let base = row * width
                                for column in 0..<width { out[base + column] = operation(l[base + column], r[column]) }
                            }
                        }
                    }
                }
            }
        }
        return broadcastMap(a.expanded(to: shape).detached(), b.expanded(to: shape).detached(), operation)
    }

    /// True when `small` (ignoring leading 1s) equals the last axes of `large`.
    @usableFromInline
    static func isTrailing(_ small: [Int], of large: [Int]) -> Bool {
        let trimmed = Array(small.drop(while: { $0 == 1 }))
        return trimmed.count <= large.count && Array(large.suffix(trimmed.count)) == trimmed
    }

    /// Applies `operation` to every element; no graph.
    @inlinable
    func map(_ operation: (Float) -> Float) -> Tensor {
        storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(shape) { result in
                let input = source.baseAddress, out = result.baseAddress
                parallelFor(result.count, grain: 1 << 14) { range in
                    for index in range { out![index] = operation(input![index]) }
                }
            }
        }
    }
}

// MARK: - Binary operators

extension Tensor {
    /// `a[i] + b[i]` or `a[i] * b[i]` for tensors of one shape: plain loops the compiler vectorizes
    /// (residual connections, adapter updates and gates take this path).
    static func sameShape(_ a: Tensor, _ b: Tensor, multiply: Bool) -> Tensor {
        a.storage.withUnsafeBufferPointer { left in
            b.storage.withUnsafeBufferPointer { right in
                Tensor.uninitialized(a.shape) { result in
                    let l = left.baseAddress!, r = right.baseAddress!, out = result.baseAddress!
                    parallelForPieces(result.count, alignment: 16, minimum: 1 << 12, target: 1 << 16) { range in
                        if multiply {
                            for index in range { out[index] = l[index] * r[index] }
                        } else {
                            for index in range { out[index] = l[index] + r[index] }
                        }
                    }
                }
            }
        }
    }

    /// `a + b` with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let output = a.shape == b.shape ? sameShape(a, b, multiply: false) : broadcastMap(a, b, +)
        return record("add", output, inputs: [a, b]) { gradient in
            [gradient.summed(toShape: a.shape), gradient.summed(toShape: b.shape)]
        }
    }

    /// `a - b` with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let output = broadcastMap(a, b, -)
        return record("sub", output, inputs: [a, b]) { gradient in
            [gradient.summed(toShape: a.shape), (-gradient).summed(toShape: b.shape)]
        }
    }

    /// `a * b` (element-wise) with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let output = a.shape == b.shape ? sameShape(a, b, multiply: true) : broadcastMap(a, b, *)
        return record("mul", output, inputs: [a, b]) { gradient in
            [a.needsGradient ? (gradient * b).summed(toShape: a.shape) : nil,
             b.needsGradient ? (gradient * a).summed(toShape: b.shape) : nil]
        }
    }

    /// `a / b` (element-wise) with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let output = broadcastMap(a, b, /)
        return record("div", output, inputs: [a, b]) { gradient in
            [a.needsGradient ? (gradient / b).summed(toShape: a.shape) : nil,
             b.needsGradient ? (-(gradient * output) / b).summed(toShape: b.shape) : nil]
        }
    }

    /// `-a`.
    public static prefix func - (a: Tensor) -> Tensor {
        let output = a.map { -$0 }
        return record("neg", output, inputs: [a]) { gradient in [-gradient] }
    }

    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
    public static func / (a: Tensor, b: Float) -> Tensor { a / Tensor(b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }
}

// MARK: - Unary functions

extension Tensor {
    /// A unary function with its derivative written in terms of the input `x` and output `y`.
    @inlinable
    func unary(_ name: String, _ function: (Float) -> Float,
               derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let output = map(function)
        let input = self
        return record(name, output, inputs: [self]) { gradient in
            [Tensor.zipMap3(gradient, input, output) { g, x, y in g * derivative(x, y) }]
        }
    }

    /// `operation(a[i], b[i], c[i])` for three tensors of one shape; no graph.
    @usableFromInline
    static func zipMap3(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ operation: (Float, Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape && b.shape == c.shape, "shapes differ: \(a.shape), \(b.shape), \(c.shape)")
        return a.storage.withUnsafeBufferPointer { first in
            b.storage.withUnsafeBufferPointer { second in
                c.storage.withUnsafeBufferPointer { third in
                    Tensor.uninitialized(a.shape) { result in
                        let x = first.baseAddress, y = second.baseAddress, z = third.baseAddress, out = result.baseAddress
                        parallelFor(result.count, grain: 1 << 14) { range in
                            for index in range { out![index] = operation(x![index], y![index], z![index]) }
                        }
                    }
                }
            }
        }
    }

    /// `e^x`.
    public func exp() -> Tensor { unary("exp", Foundation.exp) { _, y in y } }
    /// Natural logarithm.
    public func log() -> Tensor { unary("log", Foundation.log) { x, _ in 1 / x } }
    /// Square root.
    public func sqrt() -> Tensor { unary("sqrt", Foundation.sqrt) { _, y in 0.5 / y } }
    /// `1 / sqrt(x)`.
    public func rsqrt() -> Tensor { unary("rsqrt", { 1 / Foundation.sqrt($0) }) { _, y in -0.5 * y * y * y } }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary("tanh", Foundation.tanh) { _, y in 1 - y * y } }
    /// Logistic sigmoid `1 / (1 + e^-x)`.
    public func sigmoid() -> Tensor { unary("sigmoid", Tensor.sigmoid) { _, y in y * (1 - y) } }
    /// `Swift.max(x, 0)`; the derivative at 0 is 0, as in PyTorch.
    public func relu() -> Tensor { unary("relu", { Swift.max($0, 0) }) { x, _ in x > 0 ? 1 : 0 } }
    /// `|x|`; the derivative at 0 is 0, as in PyTorch.
    public func abs() -> Tensor { unary("abs", Swift.abs) { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) } }

    /// SiLU (swish): `x * sigmoid(x)`, as `torch.nn.functional.silu`.
    public func silu() -> Tensor {
        unary("silu", { $0 * Tensor.sigmoid($0) }) { x, _ in
            let s = Tensor.sigmoid(x)
            return s * (1 + x * (1 - s))
        }
    }

    /// GELU, exact (`0.5 x (1 + erf(x / sqrt 2))`) or with the tanh approximation
    /// (`0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`), as `torch.nn.functional.gelu(approximate:)`.
    public func gelu(approximateWithTanh: Bool = false) -> Tensor {
        if approximateWithTanh {
            return unary("gelu_tanh", Tensor.geluTanh) { x, _ in Tensor.geluTanhDerivative(x) }
        }
        return unary("gelu", { 0.5 * $0 * (1 + Foundation.erf($0 * Float(0.5).squareRoot())) }) { x, _ in
            let cdf = 0.5 * (1 + Foundation.erf(x * Float(0.5).squareRoot()))
            let pdf = Foundation.exp(-0.5 * x * x) / Float(2 * Double.pi).squareRoot()
            return cdf + x * pdf
        }
    }

    /// `x^exponent` for a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        unary("pow", { Foundation.pow($0, exponent) }) { x, _ in exponent * Foundation.pow(x, exponent - 1) }
    }

    /// Limits every value to `[minimum, maximum]`; the gradient passes where the input is inside.
    public func clamped(min minimum: Float = -.infinity, max maximum: Float = .infinity) -> Tensor {
        precondition(minimum <= maximum, "clamp range [\(minimum), \(maximum)] is empty")
        return unary("clamp", { Swift.min(Swift.max($0, minimum), maximum) }) { x, _ in
            x >= minimum && x <= maximum ? 1 : 0
        }
    }

    @inlinable static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    @usableFromInline static let geluTanhScale = Float((2 / Double.pi).squareRoot())

    @inlinable static func geluTanh(_ x: Float) -> Float {
        0.5 * x * (1 + Foundation.tanh(geluTanhScale * (x + 0.044715 * x * x * x)))
    }

    @inlinable static func geluTanhDerivative(_ x: Float) -> Float {
        let inner = geluTanhScale * (x + 0.044715 * x * x * x)
        let t = Foundation.tanh(inner)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * geluTanhScale * (1 + 3 * 0.044715 * x * x)
    }
}

// MARK: - Selection

extension Tensor {
    /// `condition ? a : b` element-wise, with broadcasting of all three; `condition` is true where nonzero.
    ///
    /// Like `torch.where`; the gradient flows to `a` where the condition holds and to `b` elsewhere.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShape(broadcastShape(condition.shape, a.shape), b.shape)
        let mask = condition.expanded(to: shape).detached()
        let left = a.expanded(to: shape).detached(), right = b.expanded(to: shape).detached()
        let output = zipMap3(mask, left, right) { c, x, y in c != 0 ? x : y }
        return record("where", output, inputs: [a, b]) { gradient in
            [zipMap3(mask, gradient, gradient) { c, g, _ in c != 0 ? g : 0 }.summed(toShape: a.shape),
             zipMap3(mask, gradient, gradient) { c, g, _ in c != 0 ? 0 : g }.summed(toShape: b.shape)]
        }
    }

    /// This tensor with `value` wherever `mask` (broadcast) is nonzero, like `torch.masked_fill`.
    public func maskedFill(_ mask: Tensor, with value: Float) -> Tensor {
        Tensor.where(mask, Tensor(value), self)
    }
}
