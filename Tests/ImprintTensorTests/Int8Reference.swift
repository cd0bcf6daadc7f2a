import Foundation
@testable import ImprintTensor

/// A plain Swift model of llama.cpp's int8 products (`DecodingPrecision.int8`), written from ggml's
/// x86 `quantize_row_q8_0` / `quantize_row_q8_1` and `ggml_vec_dot_*_q8_*`, independently of the C
/// kernels: the oracle of `Int8ProductTests`.
enum Int8Reference {
    /// Q8_0 / Q8_1 activation blocks: per 32 values d = amax / 127, q = round-half-even(x · 127 / amax),
    /// d as float16, s = float16(d · Σq).
    static func quantize(_ x: [Float], columns: Int) -> (codes: [Int8], scales: [Float], sums: [Float]) {
        var codes: [Int8] = [], scales: [Float] = [], sums: [Float] = []
        for start in stride(from: 0, to: x.count, by: 32) {
            let block = x[start..<(start + 32)]
            let amax = block.map { Swift.abs($0) }.max()!
            let d = amax / 127
            let inverse: Float = amax != 0 ? 127 / amax : 0
            var total = 0
            for value in block {
                let code = Int(Swift.min(127, Swift.max(-128, (value * inverse).rounded(.toNearestOrEven))))
                codes.append(Int8(code))
                total += code
            }
            scales.append(Float(Float16(d)))
            sums.append(Float(Float16(d * Float(total))))
        }
        return (codes, scales, sums)
    }

    /// The IQ4_NL code values (ggml's kvalues_iq4nl).
    static let iq4Values: [Int] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

    /// One block's signed codes, scale d and minimum m (y = d·code + m).
    static func decode(_ format: QuantizedMatrix.Format, _ block: ArraySlice<UInt8>) -> (codes: [Int], d: Float, m: Float) {
        let bytes = Array(block)
        func half(_ offset: Int) -> Float { Float(Float16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)) }
        func nibbles(_ offset: Int) -> [Int] {
            (0..<32).map { $0 < 16 ? Int(bytes[offset + $0] & 0x0f) : Int(bytes[offset + $0 - 16] >> 4) }
        }
        func fifthBits(_ offset: Int) -> [Int] {
            let qh = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
            return (0..<32).map { Int((qh >> $0) & 1) << 4 }
        }
        switch format {
        case .q8_0: return (bytes[2..<34].map { Int(Int8(bitPattern: $0)) }, half(0), 0)
        case .q4_0: return (nibbles(2).map { $0 - 8 }, half(0), 0)
        case .q4_1: return (nibbles(4), half(0), half(2))
        case .q5_0: return (zip(nibbles(6), fifthBits(2)).map { $0 + $1 - 16 }, half(0), 0)
        case .q5_1: return (zip(nibbles(8), fifthBits(4)).map { $0 + $1 }, half(0), half(2))
        case .iq4_NL: return (nibbles(2).map { iq4Values[$0] }, half(0), 0)
        default: fatalError("\(format) has no int8 product")
        }
    }

    /// y[i][j] = Σ_b (d_w·d_x) · Σ q_w·q_x (+ m_w·s_x) in double, with Σ_b of the terms' magnitudes.
    static func product(_ format: QuantizedMatrix.Format, blocks: [UInt8], rows: Int, columns: Int,
                        x: (codes: [Int8], scales: [Float], sums: [Float]), m: Int) -> (values: [Double], magnitudes: [Double]) {
        let blockCount = columns / 32, rowBytes = format.rowBytes(columns: columns)
        var values = [Double](repeating: 0, count: m * rows), magnitudes = values
        for j in 0..<rows {
            let decoded = (0..<blockCount).map { b in
                decode(format, blocks[(j * rowBytes + b * format.blockBytes)..<(j * rowBytes + (b + 1) * format.blockBytes)])
            }
            for i in 0..<m {
                for (b, block) in decoded.enumerated() {
                    var dot = 0
                    for l in 0..<32 { dot += block.codes[l] * Int(x.codes[i * columns + 32 * b + l]) }
                    let term = Double(block.d * x.scales[i * blockCount + b]) * Double(dot)
                    let minimum = Double(block.m) * Double(x.sums[i * blockCount + b])
                    values[i * rows + j] += term + minimum
                    magnitudes[i * rows + j] += Swift.abs(term) + Swift.abs(minimum)
                }
            }
        }
        return (values, magnitudes)
    }

    /// The int8 product in Imprint's documented float order (imprint_int8.h): per output, the blocks'
    /// exact integer dot products times d_w·d_x added in order with fused multiply-adds, the Q4_1 / Q5_1
    /// minimum terms in a second chain, then the two added. Every kernel must give these bits.
    static func orderedProduct(_ format: QuantizedMatrix.Format, blocks: [UInt8], rows: Int, columns: Int,
                               x: (codes: [Int8], scales: [Float], sums: [Float]), m: Int) -> [Float] {
        let blockCount = columns / 32, rowBytes = format.rowBytes(columns: columns)
        var values = [Float](repeating: 0, count: m * rows)
        for j in 0..<rows {
            let decoded = (0..<blockCount).map { b in
                decode(format, blocks[(j * rowBytes + b * format.blockBytes)..<(j * rowBytes + (b + 1) * format.blockBytes)])
            }
            for i in 0..<m {
                var total: Float = 0, minimumTotal: Float = 0
                for (b, block) in decoded.enumerated() {
                    var dot = 0
                    for l in 0..<32 { dot += block.codes[l] * Int(x.codes[i * columns + 32 * b + l]) }
                    total = total.addingProduct(block.d * x.scales[i * blockCount + b], Float(dot))
                    if format == .q4_1 || format == .q5_1 {
                        minimumTotal = minimumTotal.addingProduct(block.m, x.sums[i * blockCount + b])
                    }
                }
                values[i * rows + j] = total + minimumTotal
            }
        }
        return values
    }

    /// Random blocks of `format` with float16 scales in [0.001, 0.1) and minimums in (-0.1, 0.1).
    static func randomBlocks(_ format: QuantizedMatrix.Format, rows: Int, columns: Int, generator: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes = (0..<(rows * format.rowBytes(columns: columns))).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in stride(from: 0, to: bytes.count, by: format.blockBytes) {
            let d = Float16(Float.random(in: 0.001..<0.1, using: &generator)).bitPattern
            bytes[start] = UInt8(d & 0xff)
            bytes[start + 1] = UInt8(d >> 8)
            if format == .q4_1 || format == .q5_1 {
                let minimum = Float16(Float.random(in: -0.1..<0.1, using: &generator)).bitPattern
                bytes[start + 2] = UInt8(minimum & 0xff)
                bytes[start + 3] = UInt8(minimum >> 8)
            }
        }
        return bytes
    }
}
