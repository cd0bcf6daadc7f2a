// Tensor benchmarks: GEMM through the Tensor API next to raw cblas_sgemm, fused attention
// forward+backward, RMSNorm, softmax and cross-entropy throughput. Opt-in, never part of the tests;
// Benchmarks/run-tensor-benchmarks.sh runs this and the PyTorch side in the same run.
//
// Output: one JSON object per line, {"workload": ..., "median_s": ..., "p10_s": ..., "p90_s": ..., ...}.
import CImprintKernels
import COpenBLAS
import Dispatch
import Foundation
import ImprintTensor

MemoryPolicy.reuseLargeAllocations()  // keep freed large buffers for reuse, as `imprint` does (Docs/Design.md, Memory)

/// Times `body` after `warmup` runs: median and the 10th/90th percentiles over `repetitions`.
func measure(warmup: Int = 2, repetitions: Int, _ body: () -> Void) -> (median: Double, p10: Double, p90: Double) {
    for _ in 0..<warmup { body() }
    var seconds: [Double] = []
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    seconds.sort()
    return (seconds[seconds.count / 2], seconds[seconds.count / 10], seconds[(seconds.count * 9) / 10])
}

func report(_ workload: String, _ timing: (median: Double, p10: Double, p90: Double), _ extra: [String: Any]) {
    var fields: [String: Any] = ["workload": workload, "median_s": timing.median, "p10_s": timing.p10, "p90_s": timing.p90]
    fields.merge(extra) { $1 }
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    fflush(stdout)
}

let only = CommandLine.arguments.dropFirst().first
var generator = RandomGenerator(seed: 0)

if only == nil || only == "gemm" {
    for (m, n, k) in [(256, 576, 576), (256, 1536, 576), (512, 49152, 576), (2048, 2048, 2048)] {
        let a = Tensor.randomNormal([m, k], generator: &generator), b = Tensor.randomNormal([k, n], generator: &generator)
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let repetitions = flops > 1e10 ? 7 : 25
        var c = [Float](repeating: 0, count: m * n)
        func raw() {
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                    pa.baseAddress, Int32(k), pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
                    }
                }
            }
        }
        // Raw cblas_sgemm and the Tensor API alternate, repetition by repetition, so that the
        // machine's drift (other tenants, clock changes) hits both alike.
        var rawTimes: [Double] = [], apiTimes: [Double] = []
        withoutGradients {
            for _ in 0..<2 { raw(); _ = Tensor.matmul(a, b) }
            for _ in 0..<repetitions {
                rawTimes.append(measure(warmup: 0, repetitions: 1, raw).median)
                apiTimes.append(measure(warmup: 0, repetitions: 1) { _ = Tensor.matmul(a, b) }.median)
            }
        }
        rawTimes.sort(); apiTimes.sort()
        let raw = (median: rawTimes[rawTimes.count / 2], p10: rawTimes[rawTimes.count / 10], p90: rawTimes[rawTimes.count * 9 / 10])
        let api = (median: apiTimes[apiTimes.count / 2], p10: apiTimes[apiTimes.count / 10], p90: apiTimes[apiTimes.count * 9 / 10])
        report("gemm", api, ["shape": "\(m)x\(n)x\(k)", "api_gflops": flops / api.median / 1e9,
                             "raw_gflops": flops / raw.median / 1e9, "api_over_raw": raw.median / api.median])
    }
}

if only == nil || only == "bf16" {
    // Frozen-weight products x · Wᵀ of SmolLM2's shapes, float32 sgemm next to mixed precision
    // (bfloat16 operands, float32 sums; AMX tile units where the CPU has them), forward and the
    // input gradient g · W, alternating repetition by repetition.
    for (m, n, k) in [(2048, 576, 576), (2048, 1536, 576), (2048, 576, 1536), (2048, 49152, 576), (16, 1536, 576), (16, 49152, 576)] {
        let x = Tensor.randomNormal([m, k], generator: &generator), w = Tensor.randomNormal([n, k], generator: &generator)
        let g = Tensor.randomNormal([m, n], generator: &generator)
        let packed = BFloat16Matrix(w)
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let repetitions = flops > 5e10 ? 5 : 15
        var times: [String: [Double]] = [:]
        withoutGradients {
            let cases: [(String, () -> Void)] = [
                ("f32_forward", { _ = Tensor.linear(x, weight: w) }),
                ("bf16_forward", { _ = Tensor.linear(x, bfloat16: packed) }),
                ("f32_input_gradient", { _ = Tensor.matmul(g, w) }),
                ("bf16_input_gradient", { _ = packed.transposedProduct(g) }),
            ]
            for (_, body) in cases { body() }
            for _ in 0..<repetitions {
                for (name, body) in cases { times[name, default: []].append(measure(warmup: 0, repetitions: 1, body).median) }
            }
        }
        func median(_ name: String) -> Double { let sorted = times[name]!.sorted(); return sorted[sorted.count / 2] }
        report("bf16_linear", (median("bf16_forward"), 0, 0), [
            "shape": "\(m)x\(n)x\(k)", "tile_units": BFloat16Matrix.usesTileUnits, "kernel": "\(BFloat16Matrix.Kernel.fastest)",
            "f32_forward_gflops": flops / median("f32_forward") / 1e9, "bf16_forward_gflops": flops / median("bf16_forward") / 1e9,
            "f32_input_gradient_gflops": flops / median("f32_input_gradient") / 1e9,
            "bf16_input_gradient_gflops": flops / median("bf16_input_gradient") / 1e9])
    }
}

if only == nil || only == "decode" {
    // Small-batch products x · Wᵀ (decoding: 1 or 16 rows of x) of SmolLM2's shapes (Q4_1
    // projections, Q8_0 embedding) and Gemma 3 270M's Q4_K_M ones (Q5_0 gate, Q4_K output
    // projection, Q6_K down projection): float32 W and W kept as GGUF blocks, AVX-512 kernels next
    // to the portable loops, alternating repetition by repetition. GFLOP/s and the weight bytes
    // read per second.
    func randomBlocks(_ format: QuantizedMatrix.Format, rows: Int, columns: Int) -> QuantizedMatrix {
        // Byte offsets of the float16 fields (scales, and minimums) in a block.
        let halfFields: [Int] = switch format {
        case .q8_0, .q4_0, .q5_0, .iq4_NL, .iq4_XS: [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
        case .q2_K: [80, 82]
        case .q3_K: [108]
        case .q6_K: [208]
        }
        var bytes = [UInt8](repeating: 0, count: rows * format.rowBytes(columns: columns))
        for block in 0..<(bytes.count / format.blockBytes) {
            let base = block * format.blockBytes
            for offset in 0..<format.blockBytes { bytes[base + offset] = UInt8.random(in: 0...255, using: &generator) }
            // Scales (and minimums) as small normal float16 values: 0x2000...0x23ff is about 0.0078.
            for (field, offset) in halfFields.enumerated() {
                bytes[base + offset] = UInt8.random(in: 0...255, using: &generator)
                bytes[base + offset + 1] = 0x20 | (field == 1 ? 0x80 : 0) | UInt8.random(in: 0...3, using: &generator)
            }
        }
        return QuantizedMatrix(format: format, rows: rows, columns: columns, blocks: bytes)
    }
    for (m, n, k, format) in [(1, 1536, 576, QuantizedMatrix.Format.q4_1), (16, 1536, 576, .q4_1), (16, 576, 1536, .q4_1),
                              (1, 49152, 576, .q8_0), (16, 49152, 576, .q8_0),
                              (1, 2048, 640, .q5_0), (1, 2048, 640, .q8_0), (1, 640, 1024, .q4_K), (1, 640, 1024, .q8_0),
                              (1, 640, 2048, .q6_K), (1, 640, 2048, .q5_K), (1, 640, 2048, .q8_0), (16, 640, 2048, .q6_K),
                              (16, 640, 1024, .q4_K)] {
        let x = Tensor.randomNormal([m, k], generator: &generator)
        let quantized = randomBlocks(format, rows: n, columns: k)
        let dense = quantized.dequantized()
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        var times: [String: [Double]] = [:]
        withoutGradients {
            let cases: [(String, () -> Void)] = [
                ("f32", { _ = Tensor.linear(x, weight: dense) }),
                ("quantized", { _ = Tensor.linear(x, quantized: quantized) }),
                ("f32_portable", { let p = imprint_small_matmul_vectorized(0); _ = Tensor.linear(x, weight: dense); _ = imprint_small_matmul_vectorized(p) }),
                ("quantized_portable", { let p = imprint_small_matmul_vectorized(0); _ = Tensor.linear(x, quantized: quantized); _ = imprint_small_matmul_vectorized(p) }),
            ]
            for (_, body) in cases { body() }
            for _ in 0..<25 {
                for (name, body) in cases { times[name, default: []].append(measure(warmup: 0, repetitions: 1, body).median) }
            }
        }
        func median(_ name: String) -> Double { let sorted = times[name]!.sorted(); return sorted[sorted.count / 2] }
        var fields: [String: Any] = ["shape": "\(m)x\(n)x\(k)", "format": "\(format)"]
        for name in ["f32", "quantized", "f32_portable", "quantized_portable"] {
            let bytes = Double(name.hasPrefix("f32") ? 4 * n * k : quantized.byteCount)
            fields[name + "_gflops"] = flops / median(name) / 1e9
            fields[name + "_weight_gbps"] = bytes / median(name) / 1e9
        }
        report("small_batch_linear", (median("quantized"), 0, 0), fields)
    }
}

if only == nil || only == "attention" {
    let (batch, queryHeads, keyHeads, length, headDimension) = (8, 9, 3, 256, 64)
    let q = Tensor.randomNormal([batch, queryHeads, length, headDimension], generator: &generator, requiresGrad: true)
    let k = Tensor.randomNormal([batch, keyHeads, length, headDimension], generator: &generator, requiresGrad: true)
    let v = Tensor.randomNormal([batch, keyHeads, length, headDimension], generator: &generator, requiresGrad: true)
    let cotangent = Tensor.randomNormal([batch, queryHeads, length, headDimension], generator: &generator)
    let timing = measure(repetitions: 15) {
        let output = Tensor.scaledDotProductAttention(query: q, key: k, value: v)
        output.backward(cotangent)
        q.grad = nil; k.grad = nil; v.grad = nil
    }
    let forward = withoutGradients { measure(repetitions: 15) { _ = Tensor.scaledDotProductAttention(query: q, key: k, value: v) } }
    report("attention_fwd_bwd", timing, ["shape": "B8 Hq9 Hkv3 T256 D64 causal"])
    report("attention_fwd", forward, ["shape": "B8 Hq9 Hkv3 T256 D64 causal"])
}

if only == nil || only == "kernels" {
    let rows = 8 * 256, width = 576, vocabulary = 49152
    let x = Tensor.randomNormal([rows, width], generator: &generator, requiresGrad: true)
    let weight = Tensor.randomNormal([width], generator: &generator, requiresGrad: true)
    let rms = measure(repetitions: 25) {
        x.rmsNorm(weight: weight, epsilon: 1e-5).backward(x)
        x.grad = nil; weight.grad = nil
    }
    report("rms_norm_fwd_bwd", rms, ["shape": "\(rows)x\(width)", "gb_per_s": Double(rows * width * 4 * 5) / rms.median / 1e9])
    let logits = Tensor.randomNormal([rows, vocabulary], generator: &generator, requiresGrad: true)
    let targets = (0..<rows).map { ($0 * 7919) % vocabulary }
    let softmax = withoutGradients { measure(repetitions: 5) { _ = logits.softmax() } }
    report("softmax_fwd", softmax, ["shape": "\(rows)x\(vocabulary)", "gb_per_s": Double(rows * vocabulary * 4 * 2) / softmax.median / 1e9])
    let crossEntropy = measure(repetitions: 5) {
        Tensor.crossEntropy(logits: logits, targets: targets).backward()
        logits.grad = nil
    }
    report("cross_entropy_fwd_bwd", crossEntropy, ["shape": "\(rows)x\(vocabulary)",
                                                   "gb_per_s": Double(rows * vocabulary * 4 * 3) / crossEntropy.median / 1e9])
}
