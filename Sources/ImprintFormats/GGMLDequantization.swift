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
        case .q5_0: q5_0(source, blockCount: blockCount, into: destination)
        case .q5_1: q5_1(source, blockCount: blockCount, into: destination)
        case .iq4_NL: iq4_NL(source, blockCount: blockCount, into: destination)
        case .q2_K: q2_K(source, blockCount: blockCount, into: destination)
        case .q3_K: q3_K(source, blockCount: blockCount, into: destination)
        case .q4_K: q4_K(source, blockCount: blockCount, into: destination)
        case .q5_K: q5_K(source, blockCount: blockCount, into: destination)
        case .q6_K: q6_K(source, blockCount: blockCount, into: destination)
        case .iq4_XS: iq4_XS(source, blockCount: blockCount, into: destination)
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

    /// Q5_0: 22-byte blocks `d: f16, qh: u32, qs: u8[16]`; element `j` takes its low four bits
    /// from the nibbles as in Q4_0 and its fifth bit from bit `j` of `qh`; `y = d * (q - 16)`.
    static func q5_0(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 22
            let d = half(base, 0)
            let high = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let quants = (base + 6).assumingMemoryBound(to: UInt8.self)
            let output = destination + block * 32
            for j in 0..<16 {
                let low = Int(quants[j] & 0x0F) | Int((high >> UInt32(j)) & 1) << 4
                let upper = Int(quants[j] >> 4) | Int((high >> UInt32(j + 16)) & 1) << 4
                output[j] = d * Float(low - 16)
                output[j + 16] = d * Float(upper - 16)
            }
        }
    }

    /// Q5_1: 24-byte blocks `d: f16, m: f16, qh: u32, qs: u8[16]`, codes as in Q5_0; `y = d * q + m`.
    static func q5_1(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 24
            let d = half(base, 0)
            let m = half(base, 2)
            let high = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            let quants = (base + 8).assumingMemoryBound(to: UInt8.self)
            let output = destination + block * 32
            for j in 0..<16 {
                let low = quants[j] & 0x0F | UInt8((high >> UInt32(j)) & 1) << 4
                let upper = quants[j] >> 4 | UInt8((high >> UInt32(j + 16)) & 1) << 4
                output[j] = d * Float(low) + m
                output[j + 16] = d * Float(upper) + m
            }
        }
    }

    /// The 16 values of IQ4_NL's and IQ4_XS's non-linear 4-bit codes (`kvalues_iq4nl`).
    static let iq4Values: [Int8] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

    /// IQ4_NL: 18-byte blocks `d: f16, qs: u8[16]`, nibbles as in Q4_0; `y = d * iq4Values[q]`.
    static func iq4_NL(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        iq4Values.withUnsafeBufferPointer { values in
            for block in 0..<blockCount {
                let base = source + block * 18
                let d = half(base, 0)
                let quants = (base + 2).assumingMemoryBound(to: UInt8.self)
                let output = destination + block * 32
                for j in 0..<16 {
                    output[j] = d * Float(values[Int(quants[j] & 0x0F)])
                    output[j + 16] = d * Float(values[Int(quants[j] >> 4)])
                }
            }
        }
    }
}
