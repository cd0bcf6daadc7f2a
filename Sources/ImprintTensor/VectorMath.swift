import CImprintKernels

/// Vectorized math for the hot loops: exp, maximum and sums over contiguous floats.
///
/// The kernels live in the C target `CImprintKernels` (Swift's SIMD types compile min/max,
/// shifts and masks lane by lane); each has an AVX2+FMA clone picked at load time. `exp` follows
/// the Cephes `expf` scheme: `x = n ln2 + r` with `|r| <= ln2/2`, a degree-6 polynomial for `e^r`,
/// and `2^n` from the exponent bits. It is within 2 ulp of glibc's `expf` on `[-87, 88.7]`,
/// returns exactly 0 below -87 (so `exp(-inf) = 0` for masked scores, with no slow subnormal
/// arithmetic; the true values there are below 1.7e-38) and overflows to +inf. Inputs must not be NaN. Sums keep 16 partial sums, so results do not depend
/// on the instruction set the CPU offers.
public enum VectorMath {
    /// `output[i] = exp(input[i] - shift)` (input may equal output); returns the sum of the outputs.
    @inlinable
    public static func expShifted(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        imprint_exp_shifted(input, output, count, shift)
    }

    /// `output[i] = exp(input[i] - shift) · factor`, in one pass.
    @inlinable
    public static func expShiftedScaled(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
                                        shift: Float, factor: Float) {
        imprint_exp_shifted_scaled(input, output, count, shift, factor)
    }

    /// The sum of `exp(input[i] - shift)`, without storing the terms.
    @inlinable
    public static func sumExpShifted(_ input: UnsafePointer<Float>, count: Int, shift: Float) -> Float {
        imprint_sum_exp_shifted(input, count, shift)
    }

    /// The largest value (or -inf for an empty range).
    @inlinable
    public static func maximum(_ input: UnsafePointer<Float>, count: Int) -> Float {
        imprint_maximum(input, count)
    }

    /// `values[i] *= factor`.
    @inlinable
    public static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        imprint_scale_in_place(values, count, factor)
    }

    /// `exp(x)` of one value by the same polynomial.
    @inlinable
    public static func exp(_ x: Float) -> Float {
        imprint_exp(x)
    }
}
