// Model benchmarks on a real checkpoint (default: SmolLM2-135M-Instruct Q4_1 GGUF, dequantized to
// float32): load time, prefill (no grad) and full forward+backward for batch x sequence tokens.
// Opt-in, never part of the tests; Benchmarks/run-model-benchmarks.sh runs the PyTorch side
// (../shared/bench/torch_anchor.py and Benchmarks/torch_model_extra.py) in the same run.
//
// Usage: ModelBenchmarks MODEL [--quantized] [--bf16] [--decode float32|int8] [--batch 8] [--seq 256] [--reps 3] [--only kernels,load,prefill,train,lora,sample,decode,batched]
// Output: one JSON object per line.
import Dispatch
import Foundation
import CImprintKernels
import ImprintCore
import ImprintModel
import ImprintTensor

MemoryPolicy.reuseLargeAllocations()  // keep freed large buffers for reuse, as `imprint` does (Docs/Design.md, Memory)

func argument(_ name: String, default value: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return arguments[index + 1]
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Median of `repetitions` timed runs after one warm-up.
func medianTime(_ repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    let times = try (0..<repetitions).map { _ in try seconds(body) }.sorted()
    return times[times.count / 2]
}

func report(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    fflush(stdout)
}

func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
    return Double(line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
}

let path = CommandLine.arguments.count > 1 && !CommandLine.arguments[1].hasPrefix("--") ? CommandLine.arguments[1]
    : (ProcessInfo.processInfo.environment["IMPRINT_DEFAULT_MODEL"] ?? NSHomeDirectory() + "/.cache/imprint/models/SmolLM2-135M-Instruct.Q4_1.gguf")
let batch = Int(argument("--batch", default: "8"))!, length = Int(argument("--seq", default: "256"))!
let repetitions = Int(argument("--reps", default: "3"))!
let only = Set(argument("--only", default: "load,prefill,train,lora,sample").split(separator: ",").map(String.init))

// --quantized keeps the GGUF's block-quantized matrices (Q8_0, Q4_K, Q6_K, ...) quantized in memory (same values, less memory).
let quantized = CommandLine.arguments.contains("--quantized")
// --bf16: frozen weights in bfloat16 with float32 sums (BFloat16Matrix; AMX where the CPU has it).
let bfloat16 = CommandLine.arguments.contains("--bf16")
// --decode int8: products with the GGUF's blocks on int8-quantized activations, as llama.cpp computes them.
let decoding = DecodingPrecision(rawValue: argument("--decode", default: "float32"))!
// --int8-kernel N: run int8 products on kernel N (0 portable, 1 portable compiled for AVX-512, 2 VNNI) or the best below
// it, to measure what a CPU without VNNI gets.
if let kernel = Int(argument("--int8-kernel", default: "")) { _ = imprint_int8_kernel(Int32(kernel)) }
if only.contains("kernels") {
    var line: [String: Any] = ["workload": "kernels"]
    for (name, kernel) in KernelSelection.summary { line[name] = kernel }
    report(line)
}
var model: TransformerDecoder!
let loadSeconds = try seconds { model = try ModelLoader.load(path: path, keepQuantized: quantized || decoding != .float32) }
if decoding != .float32 { _ = try model.useDecodingPrecision(decoding) }
if only.contains("load") { report(["workload": "load", "seconds": loadSeconds, "model": path, "quantized": quantized, "bf16": bfloat16, "peak_rss_mb": peakResidentMegabytes()]) }

var generator = RandomGenerator(seed: 0)
let vocabulary = model.configuration.vocabularySize
let ids = (0..<(batch * length)).map { _ in Int(generator.next() % UInt64(vocabulary)) }
let tokens = TokenBatch(ids: ids, batchSize: batch, length: length)

if bfloat16 {
    // The base is frozen, as under LoRA or in generation; the full forward+backward is float32 only.
    model.freeze()
    model.useBFloat16FrozenWeights()
}

if only.contains("prefill") {
    let time = medianTime(repetitions) { _ = withoutGradients { model(tokens) } }
    report(["workload": "prefill", "quantized": quantized, "bf16": bfloat16, "batch": batch, "seq": length, "seconds": time,
            "tokens_per_s": Double(batch * length) / time, "peak_rss_mb": peakResidentMegabytes()])
}
if only.contains("train") && !bfloat16 {
    let time = medianTime(repetitions) {
        let loss = model.loss(tokens, labels: ids)
        loss.backward()
        model.zeroGradients()
    }
    report(["workload": "full_forward_backward", "batch": batch, "seq": length, "seconds": time,
            "tokens_per_s": Double(batch * length) / time, "peak_rss_mb": peakResidentMegabytes()])
}
if only.contains("lora") {
    // As torch_anchor.py: LoRA r=16, alpha=32, all 7 projections, AdamW lr 1e-4, loss on all tokens.
    let adapter = try LoRA.attach(to: model, configuration: LoRAConfiguration(
        rank: 16, alpha: 32, targetModules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]), seed: 0)
    if bfloat16 { model.useBFloat16FrozenWeights() }
    model.setTraining(true)
    let optimizer = AdamW(parameters: adapter.parameters, learningRate: 1e-4)
    let time = medianTime(repetitions) {
        let loss = model.loss(tokens, labels: ids)
        loss.backward()
        optimizer.step()
        optimizer.zeroGradients()
    }
    model.setTraining(false)
    report(["workload": "lora_train_step", "quantized": quantized, "bf16": bfloat16, "batch": batch, "seq": length, "seconds": time,
            "tokens_per_s": Double(batch * length) / time, "peak_rss_mb": peakResidentMegabytes()])
}
if only.contains("sample") {
    // As torch_anchor.py: 32-token random prompts, 64 new tokens, temperature 1, no top-k/top-p, no EOS stop.
    let promptLength = Int(argument("--gen-prompt", default: "32"))!, newTokens = Int(argument("--gen-new", default: "64"))!
    for rows in [Int(argument("--gen-batch", default: "16"))!, 1] {
        let prompts = (0..<rows).map { _ in (0..<promptLength).map { _ in Int(generator.next() % UInt64(vocabulary)) } }
        let generatorUnderTest = Generator(model: model)
        let parameters = SamplingParameters(maxTokens: newTokens, temperature: 1, seed: 0)
        let time = try medianTime(max(1, repetitions - 2)) {
            _ = try generatorUnderTest.generate(prompts: prompts, parameters: parameters, stopTokenIds: [])
        }
        report(["workload": "sample", "quantized": quantized, "bf16": bfloat16, "decode": decoding.rawValue, "batch": rows, "prompt": promptLength, "new_tokens": newTokens, "seconds": time,
                "tokens_per_s": Double(rows * newTokens) / time, "peak_rss_mb": peakResidentMegabytes()])
    }
}
if only.contains("decode") {
    // Decoding alone, as llama.cpp's llama-bench tg and llama-batched-bench's S_TG count it: after a prompt of
    // --gen-prompt random tokens (prefilled, not counted), the time from the first new token to the last, greedy,
    // no EOS stop; tokens/s = rows × (new tokens − 1) / that time. Rows: --gen-batch, then 1.
    let promptLength = Int(argument("--gen-prompt", default: "32"))!, newTokens = Int(argument("--gen-new", default: "64"))!
    for rows in [Int(argument("--gen-batch", default: "16"))!, 1] {
        let prompts = (0..<rows).map { _ in (0..<promptLength).map { _ in Int(generator.next() % UInt64(vocabulary)) } }
        let generatorUnderTest = Generator(model: model)
        let parameters = SamplingParameters(maxTokens: newTokens, temperature: 0, seed: 0)
        var decodeTimes: [Double] = [], prefillTimes: [Double] = []
        for _ in 0..<max(1, repetitions) {
            var first: UInt64 = 0
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try generatorUnderTest.generate(prompts: prompts, parameters: parameters, stopTokenIds: [], onToken: { _, _ in
                if first == 0 { first = DispatchTime.now().uptimeNanoseconds }
            })
            let end = DispatchTime.now().uptimeNanoseconds
            prefillTimes.append(Double(first - start) / 1e9)
            decodeTimes.append(Double(end - first) / 1e9)
        }
        let decodeTime = decodeTimes.sorted()[decodeTimes.count / 2], prefillTime = prefillTimes.sorted()[prefillTimes.count / 2]
        report(["workload": "decode", "quantized": quantized, "bf16": bfloat16, "decode": decoding.rawValue, "batch": rows,
                "prompt": promptLength, "new_tokens": newTokens, "prefill_seconds": prefillTime, "seconds": decodeTime,
                "tokens_per_s": Double(rows * (newTokens - 1)) / decodeTime, "peak_rss_mb": peakResidentMegabytes()])
    }
}
if only.contains("batched") {
    // Continuous batching (BatchedDecoder) against Generator's one static batch on the same work: 16 requests of
    // 32-token random prompts, 64 new tokens each, sampled; then the same requests with 16 to 64 new tokens, so rows
    // leave at different steps, and submitted one after the other as a server receives them.
    let promptLength = Int(argument("--gen-prompt", default: "32"))!, newTokens = Int(argument("--gen-new", default: "64"))!
    let rows = Int(argument("--gen-batch", default: "16"))!
    let prompts = (0..<rows).map { _ in (0..<promptLength).map { _ in Int(generator.next() % UInt64(vocabulary)) } }
    let parameters = SamplingParameters(maxTokens: newTokens, temperature: 1, seed: 0)
    let decoder = BatchedDecoder(model: model, configuration: .init(maxBatchSize: rows))
    func decodeAll(_ limits: [Int]) -> Double {
        let done = DispatchSemaphore(value: 0)
        let start = DispatchTime.now().uptimeNanoseconds
        for (prompt, limit) in zip(prompts, limits) {
            var request = parameters
            request.maxTokens = limit
            let stream = try! decoder.submit(DecodingRequest(prompt: prompt, parameters: request, stopTokenIds: []))
            Task {
                for try await _ in stream {}
                done.signal()
            }
        }
        for _ in prompts { done.wait() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    // Alternating rounds, so a busy machine slows both sides alike; medians.
    let equal = [Int](repeating: newTokens, count: rows)
    let staggered = (0..<rows).map { max(1, newTokens / 4 + (newTokens * 3 / 4) * $0 / max(rows - 1, 1)) }
    _ = decodeAll(equal)
    var staticTimes: [Double] = [], batchedTimes: [Double] = [], staggeredTimes: [Double] = []
    for _ in 0..<repetitions {
        staticTimes.append(try seconds { _ = try Generator(model: model).generate(prompts: prompts, parameters: parameters, stopTokenIds: []) })
        batchedTimes.append(decodeAll(equal))
        staggeredTimes.append(decodeAll(staggered))
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let (staticTime, batchedTime, staggeredTime) = (median(staticTimes), median(batchedTimes), median(staggeredTimes))
    report(["workload": "batched_decoder", "quantized": quantized, "batch": rows, "prompt": promptLength, "new_tokens": newTokens,
            "generator_tokens_per_s": Double(rows * newTokens) / staticTime,
            "batched_decoder_tokens_per_s": Double(rows * newTokens) / batchedTime,
            "batched_decoder_staggered_tokens_per_s": Double(staggered.reduce(0, +)) / staggeredTime,
            "peak_rss_mb": peakResidentMegabytes()])
}
