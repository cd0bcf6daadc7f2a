/// The K-quant super-blocks (256 weights, `QK_K`) and IQ4_XS, with the arithmetic of gguf-py 0.19's
/// `Q2_K` … `Q6_K` and `IQ4_XS` classes: each sub-block's scale is `d * Float(scale)` (a float32
/// product), then `y = scale * Float(q)` (minus `dmin * Float(min)` where the type has minimums).
extension GGMLDequantization {
    /// Q2_K: 84-byte super-blocks `scales: u8[16], qs: u8[64], d: f16, dmin: f16`. Sub-block `s`
    /// (16 weights) has scale `scales[s] & 15` and minimum `scales[s] >> 4`; weight `p = 128c + 32k + l`
    /// (c < 2, k < 4, l < 32) is bits `2k, 2k+1` of `qs[32c + l]`; `y = (d * sc) * q - (dmin * m)`.
    static func q2_K(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 84
            let scales = base.assumingMemoryBound(to: UInt8.self)
            let quants = (base + 16).assumingMemoryBound(to: UInt8.self)
            let d = half(base, 80)
            let dmin = half(base, 82)
            let output = destination + block * 256
            for chunk in 0..<2 {
                for shift in 0..<4 {
                    for group in 0..<2 {
                        let subBlock = 8 * chunk + 2 * shift + group
                        let scale = d * Float(scales[subBlock] & 0x0F)
                        let minimum = dmin * Float(scales[subBlock] >> 4)
                        let y = output + 16 * subBlock
                        let q = quants + 32 * chunk + 16 * group
                        for l in 0..<16 { y[l] = scale * Float((q[l] >> UInt8(2 * shift)) & 3) - minimum }
                    }
                }
            }
        }
    }

    /// Q3_K: 110-byte super-blocks `hmask: u8[32], qs: u8[64], scales: u8[12], d: f16`. Sixteen
    /// 6-bit signed scales (low four bits from `scales[0..<8]`' nibbles, high two from
    /// `scales[8..<12]`, minus 32); weight `p = 128c + 32k + l` has low bits `2k, 2k+1` of
    /// `qs[32c + l]`, and 4 is subtracted unless bit `4c + k` of `hmask[l]` is set;
    /// `y = (d * sc) * q`.
    static func q3_K(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 110
            let highMask = base.assumingMemoryBound(to: UInt8.self)
            let quants = (base + 32).assumingMemoryBound(to: UInt8.self)
            let packed = (base + 96).assumingMemoryBound(to: UInt8.self)
            let d = half(base, 108)
            let output = destination + block * 256
            for chunk in 0..<2 {
                for shift in 0..<4 {
                    let bit = 4 * chunk + shift
                    for group in 0..<2 {
                        let subBlock = 8 * chunk + 2 * shift + group
                        let low = subBlock < 8 ? packed[subBlock] & 0x0F : packed[subBlock - 8] >> 4
                        let high = (packed[8 + subBlock % 4] >> UInt8(2 * (subBlock / 4))) & 3
                        let scale = d * Float(Int(low | high << 4) - 32)
                        let y = output + 16 * subBlock
                        for l in (16 * group)..<(16 * group + 16) {
                            let q = Int((quants[32 * chunk + l] >> UInt8(2 * shift)) & 3)
                            let offset = (highMask[l] >> UInt8(bit)) & 1 == 0 ? 4 : 0
                            y[l - 16 * group] = scale * Float(q - offset)
                        }
                    }
                }
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

    /// Q5_K: 176-byte super-blocks `d: f16, dmin: f16, scales: u8[12], qh: u8[32], qs: u8[128]`:
    /// Q4_K's scales, minimums and nibbles, plus a fifth bit for sub-block `j` in bit `j` of
    /// `qh[l]`; `y = (d * scale) * q - (dmin * min)`.
    static func q5_K(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let base = source + block * 176
            let d = half(base, 0)
            let dmin = half(base, 2)
            let scales = (base + 4).assumingMemoryBound(to: UInt8.self)
            let highBits = (base + 16).assumingMemoryBound(to: UInt8.self)
            let quants = (base + 48).assumingMemoryBound(to: UInt8.self)
            let output = destination + block * 256
            for subBlock in 0..<8 {
                let (scale, minimum) = scaleMinK4(subBlock, scales)
                let d1 = d * Float(scale), m1 = dmin * Float(minimum)
                let q = quants + 32 * (subBlock / 2)
                let shift = UInt8(4 * (subBlock % 2))
                let y = output + 32 * subBlock
                for l in 0..<32 {
                    let code = (q[l] >> shift) & 0x0F | ((highBits[l] >> UInt8(subBlock)) & 1) << 4
                    y[l] = d1 * Float(code) - m1
                }
            }
        }
    }

    /// IQ4_XS: 136-byte super-blocks `d: f16, scales_h: u16, scales_l: u8[4], qs: u8[128]`. Eight
    /// 6-bit signed scales (low nibble `j` of `scales_l`, high bits `2j, 2j+1` of `scales_h`, minus
    /// 32); sub-block `j` takes `qs[16j..<16j+16]`, low nibbles first; `y = (d * scale) * iq4Values[q]`.
    static func iq4_XS(_ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>) {
        iq4Values.withUnsafeBufferPointer { values in
            for block in 0..<blockCount {
                let base = source + block * 136
                let d = half(base, 0)
                let scalesHigh = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
                let scalesLow = (base + 4).assumingMemoryBound(to: UInt8.self)
                let quants = (base + 8).assumingMemoryBound(to: UInt8.self)
                let output = destination + block * 256
                for subBlock in 0..<8 {
                    let low = (scalesLow[subBlock / 2] >> UInt8(4 * (subBlock % 2))) & 0x0F
                    let high = UInt8(truncatingIfNeeded: scalesHigh >> UInt16(2 * subBlock)) & 3
                    let scale = d * Float(Int(low | high << 4) - 32)
                    let q = quants + 16 * subBlock
                    let y = output + 32 * subBlock
                    for l in 0..<16 {
                        y[l] = scale * Float(values[Int(q[l] & 0x0F)])
                        y[l + 16] = scale * Float(values[Int(q[l] >> 4)])
                    }
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
