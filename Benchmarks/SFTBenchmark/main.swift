// SFT throughput of Imprint's trainer on the run Benchmarks/trl_sft.py times with TRL: LoRA r=16, alpha=32, all 7
// projections, batch 8, rows truncated to 256 tokens (every row is longer), AdamW, loss on every token.
// Opt-in, never part of the tests; Benchmarks/sft_vs_trl.sh runs both in the same run.
//
// Usage: SFTBenchmark MODEL DATA.jsonl [--steps 6]
// Output: one JSON line {"trainer": "imprint", "tokens_per_s": median over the steps after the first, ...}.
import Foundation
import ImprintModel
import ImprintSFT
import ImprintTensor
import ImprintTokenizer

MemoryPolicy.reuseLargeAllocations()  // keep freed large buffers for reuse, as `imprint` does (Docs/Design.md, Memory)

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: SFTBenchmark MODEL DATA.jsonl [--steps N]\n".utf8))
    exit(2)
}
let (modelPath, dataPath) = (arguments[1], arguments[2])
let steps = arguments.firstIndex(of: "--steps").flatMap { Int(arguments[$0 + 1]) } ?? 6

var configuration = SFTConfiguration()
configuration.lora = .init(rank: 16, alpha: 32, dropout: 0,
                           targetModules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
configuration.batchSize = 8
configuration.maxLength = 256
configuration.maxSteps = steps
configuration.learningRate = 2e-4
configuration.checkpointInterval = 0
configuration.seed = 0
// --bf16: the frozen base in bfloat16 with float32 sums (compare with trl_sft.py --bf16).
configuration.bfloat16FrozenWeights = arguments.contains("--bf16")

let output = URL(fileURLWithPath: NSTemporaryDirectory() + "imprint-sft-benchmark-\(ProcessInfo.processInfo.processIdentifier)")
defer { try? FileManager.default.removeItem(at: output) }
let trainer = try SFTTrainer(model: ModelLoader.load(path: modelPath), tokenizer: PretrainedTokenizer.load(modelPath: modelPath),
                             dataset: SFTDataset(path: dataPath), configuration: configuration, outputDirectory: output)
var stepSeconds: [Double] = []
try await trainer.train { event in
    if case .step(let metrics) = event {
        stepSeconds.append(Double(8 * 256) / metrics.tokensPerSecond)
        FileHandle.standardError.write(Data(String(format: "imprint step %d: %.2f s\n", metrics.step, stepSeconds.last!).utf8))
    }
}
let timed = (stepSeconds.count > 1 ? Array(stepSeconds.dropFirst()) : stepSeconds).sorted()
let median = timed[timed.count / 2]
let fields: [String: Any] = ["trainer": "imprint", "batch": 8, "seq": 256, "steps": stepSeconds.count,
                             "step_seconds": median, "tokens_per_s": Double(8 * 256) / median]
print(String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self))
