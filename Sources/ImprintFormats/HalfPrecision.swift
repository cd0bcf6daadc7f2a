/// IEEE 754 half precision (`float16`) and bfloat16 conversions on bit patterns.
///
/// Swift's `Float16` is unavailable on macOS x86_64, so conversions work on `UInt16` bits.
/// Widening is exact; narrowing rounds to nearest, ties to even, as NumPy's `astype(np.float16)`
/// and PyTorch's `.half()` / `.bfloat16()` do.
public enum HalfPrecision {
    /// Every float16 bit pattern widened to Float (256 KiB, built on first use).
    public static let float16Table: [Float] = (0...UInt16.max).map { float16BitsToFloat($0) }

    /// Widens a float16 bit pattern exactly (subnormals, infinities and NaN payloads included).
    @inline(__always)
    public static func float16BitsToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: mantissa * 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
    }

    /// Narrows a Float to float16 bits, rounding to nearest, ties to even; overflow becomes infinity.
    public static func floatToFloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x007F_FFFF
        if exponent == 0xFF {
            // Infinity or NaN (keep NaN quiet and non-zero).
            return sign | 0x7C00 | (mantissa != 0 ? UInt16(0x0200 | (mantissa >> 13)) : 0)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Subnormal half (or zero): shift the full significand right with rounding.
            if halfExponent < -10 { return sign }
            let significand = mantissa | 0x0080_0000
            let shift = UInt32(14 - halfExponent)
            var half = significand >> shift
            let remainder = significand & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && (half & 1) == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(halfExponent) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (half & 1) == 1) { half += 1 }  // may carry into exponent: correct
        return sign | UInt16(half)
    }

    /// Widens a bfloat16 bit pattern (the high half of a Float) exactly.
    @inline(__always)
    public static func bfloat16BitsToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Narrows a Float to bfloat16 bits, rounding to nearest, ties to even (PyTorch's rule; NaN stays NaN).
    public static func floatToBFloat16Bits(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}
