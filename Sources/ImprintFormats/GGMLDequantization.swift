import Foundation

/// Dequantization kernels for ggml block formats, one function per type.
///
/// Each kernel converts `blockCount` consecutive blocks starting at `source` into
/// `blockCount * type.blockSize` Floats at `destination`. The arithmetic follows
/// `dequantize_row_*` in ggml's `ggml-quants.c` and gguf-py's `gguf.quants` operation for
/// operation (same products in the same order, no fused multiply-add), so results are bitwise
/// identical to `gguf.quants.dequantize`. Layouts: `reference/ecosystem.md` section 5.5.
public enum GGMLDequantization {
    /// Converts `blockCount` blocks of `type` at `source` into Floats at `destination`.
    /// - Precondition: `type.isDequantizable`; the caller has bounds-checked both buffers.
    public static func dequantize(_ type: GGMLType, blocks source: UnsafeRawPointer, blockCount: Int,
                                  into destination: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32: UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: 4 * blockCount)
        case .f16: float16(source, count: blockCount, into: destination)
        case .bf16: bfloat16(source, count: blockCount, into: destination)
        case .q8_0: q8_0(source, blockCount: blockCount, into: destination)
        case .q4_0: q4_0(source, blockCount: blockCount, into: destination)
        case .q4_1: q4_1(source, blockCount: blockCount, into: destination)
        case .q4_K: q4_K(source, blockCount: blockCount, into: destination)
        case .q6_K: q6_K(source, blockCount: blockCount, into: destination)
        default: preconditionFailure("GGMLDequantization: unsupported type \(type)")
        }
    }

    @inline(__always)
    static func half(_ pointer: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.float16BitsToFloat(UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    static func float16(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        HalfPrecision.float16Table.withUnsafeBufferPointer { table in
            for index in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
                destination[index] = table[Int(bits)]
            }
        }
    }

    static func bfloat16(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        for index in 0..<count {
            let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
            destination[index] = Float(bitPattern: UInt32(bits) << 16)
        }
    }

    /// Q8_0: 34-byte blocks `d: f16, qs: int8[32]`; `y[j] = qs[j] * d`.
    static func q8_0(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 34
            let d = half(base, 0)
            let quants = (base + 2).assumingMemoryBound(to: Int8.self)
            let output = destination + block * 32
            for j in 0..<32 { output[j] = Float(quants[j]) * d }
        }
    }

    /// Q4_0: 18-byte blocks `d: f16, qs: u8[16]`; low nibbles are elements 0–15, high 16–31;
    /// `y = (q - 8) * d`.
    static func q4_0(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 18
            let d = half(base, 0)
            let quants = (base + 2).assumingMemoryBound(to: UInt8.self)
            let output = destination + block * 32
            for j in 0..<16 {
                output[j] = d * Float(Int(quants[j] & 0x0F) - 8)
                output[j + 16] = d * Float(Int(quants[j] >> 4) - 8)
            }
        }
    }

    /// Q4_1: 20-byte blocks `d: f16, m: f16, qs: u8[16]`; `y = q * d + m`.
    static func q4_1(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 20
            let d = half(base, 0)
            let m = half(base, 2)
            let quants = (base + 4).assumingMemoryBound(to: UInt8.self)
            let output = destination + block * 32
            for j in 0..<16 {
                output[j] = d * Float(quants[j] & 0x0F) + m
                output[j + 16] = d * Float(quants[j] >> 4) + m
            }
        }
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) of a Q4_K block (`get_scale_min_k4`).
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ scales: UnsafePointer<UInt8>) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (scales[j] & 63, scales[j + 4] & 63)
        }
        return ((scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4),
                (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4))
    }

    /// Q4_K: 144-byte super-blocks of 256 weights: `d: f16, dmin: f16, scales: u8[12], qs: u8[128]`.
    /// Each 64-weight chunk `c` uses `qs[32c..<32c+32]`: low nibbles with sub-block `2c`, high
    /// nibbles with `2c+1`; `y = (d * scale) * q - (dmin * min)`.
    static func q4_K(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 144
            let d = half(base, 0)
            let dmin = half(base, 2)
            let scales = (base + 4).assumingMemoryBound(to: UInt8.self)
            let quants = (base + 16).assumingMemoryBound(to: UInt8.self)
            let output = destination + block * 256
            for chunk in 0..<4 {
                let (scale1, min1) = scaleMinK4(2 * chunk, scales)
                let (scale2, min2) = scaleMinK4(2 * chunk + 1, scales)
                let d1 = d * Float(scale1), m1 = dmin * Float(min1)
                let d2 = d * Float(scale2), m2 = dmin * Float(min2)
                let q = quants + 32 * chunk
                let y = output + 64 * chunk
                for l in 0..<32 {
                    y[l] = d1 * Float(q[l] & 0x0F) - m1
                    y[l + 32] = d2 * Float(q[l] >> 4) - m2
                }
            }
        }
    }

    /// Q6_K: 210-byte super-blocks of 256 weights: `ql: u8[128]` (low 4 bits), `qh: u8[64]`
    /// (high 2 bits), `scales: i8[16]`, `d: f16`; `y = (d * scale) * (q - 32)`.
    static func q6_K(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 210
            let d = half(base, 208)
            for halfIndex in 0..<2 {
                let ql = (base + 64 * halfIndex).assumingMemoryBound(to: UInt8.self)
                let qh = (base + 128 + 32 * halfIndex).assumingMemoryBound(to: UInt8.self)
                let scales = (base + 192 + 8 * halfIndex).assumingMemoryBound(to: Int8.self)
                let y = destination + block * 256 + 128 * halfIndex
                for l in 0..<32 {
                    let group = l / 16
                    let q1 = Int((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) - 32
                    let q2 = Int((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32
                    let q3 = Int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32
                    let q4 = Int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32
                    y[l] = (d * Float(scales[group])) * Float(q1)
                    y[l + 32] = (d * Float(scales[group + 2])) * Float(q2)
                    y[l + 64] = (d * Float(scales[group + 4])) * Float(q3)
                    y[l + 96] = (d * Float(scales[group + 6])) * Float(q4)
                }
            }
        }
    }
}
