/// Vectorized math for the hot loops: exp, maximum and sums over contiguous floats.
///
/// `exp` follows the classic Cephes `expf` scheme: `x = n ln2 + r` with `|r| <= ln2/2`, a degree-6
/// polynomial for `e^r`, and `2^n` put together from the exponent bits. Its error is within 2 ulp
/// of the correctly rounded value on `[-87.3, 88.7]`; below that it returns 0 (as `expf` does
/// after underflow), so `exp(-inf) = 0` holds for masked scores. Tails shorter than a vector run
/// through the same vector code, so each element's result does not depend on its position.
public enum VectorMath {
    public typealias Vector = SIMD16<Float>
    public static let width = Vector.scalarCount

    @inlinable @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let upper = Vector(repeating: 88.72283), lower = Vector(repeating: -87.33654)
        let clamped = x.clamped(lowerBound: lower, upperBound: upper)
        let n = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5.000_000_1e-1
        let poly = p * r * r + r + 1
        // 2^n as 2^half · 2^(n - half), so n = 128 (x near 88.7) does not overflow the exponent field.
        let exponent = SIMD16<Int32>(n), half = exponent &>> 1
        let firstScale = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let secondScale = unsafeBitCast((exponent &- half &+ 127) &<< 23, to: Vector.self)
        var result = poly * firstScale * secondScale
        result.replace(with: 0, where: x .< lower)
        result.replace(with: .infinity, where: x .> upper)
        return result
    }

    /// `output[i] = exp(input[i] - shift)`; returns the sum of the outputs.
    @inlinable
    public static func expShifted(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var total = Vector.zero
        var index = 0
        let shiftVector = Vector(repeating: shift)
        while index + width <= count {
            let value = exp(UnsafeRawPointer(input + index).loadUnaligned(as: Vector.self) - shiftVector)
            UnsafeMutableRawPointer(output + index).storeBytes(of: value, as: Vector.self)
            total += value
            index += width
        }
        if index < count {
            var tail = Vector(repeating: -.infinity)
            for lane in 0..<(count - index) { tail[lane] = input[index + lane] }
            let value = exp(tail - shiftVector)
            for lane in 0..<(count - index) { output[index + lane] = value[lane] }
            total += value
        }
        return total.sum()
    }

    /// The sum of `exp(input[i] - shift)`, without storing the terms.
    @inlinable
    public static func sumExpShifted(_ input: UnsafePointer<Float>, count: Int, shift: Float) -> Float {
        var total = Vector.zero
        var index = 0
        let shiftVector = Vector(repeating: shift)
        while index + width <= count {
            total += exp(UnsafeRawPointer(input + index).loadUnaligned(as: Vector.self) - shiftVector)
            index += width
        }
        if index < count {
            var tail = Vector(repeating: -.infinity)
            for lane in 0..<(count - index) { tail[lane] = input[index + lane] }
            total += exp(tail - shiftVector)
        }
        return total.sum()
    }

    /// The largest value (or -inf for an empty range); NaN-free inputs assumed.
    @inlinable
    public static func maximum(_ input: UnsafePointer<Float>, count: Int) -> Float {
        var best = Vector(repeating: -.infinity)
        var index = 0
        while index + width <= count {
            best = pointwiseMax(best, UnsafeRawPointer(input + index).loadUnaligned(as: Vector.self))
            index += width
        }
        var result = best.max()
        while index < count {
            result = Swift.max(result, input[index])
            index += 1
        }
        return result
    }

    /// `output[i] *= factor`.
    @inlinable
    public static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        for index in 0..<count { values[index] *= factor }
    }

    /// `exp(x)` of one value by the same vector code (bit-identical to the vector results).
    @inlinable
    public static func exp(_ x: Float) -> Float {
        exp(Vector(repeating: x))[0]
    }
}
