// The story experiment, small: teach SmolLM2-135M-Instruct a handful of short original stories with LoRA SFT
// ("tell me what you know about the story X" -> the story), and measure how closely it recites each one —
// Python's difflib.SequenceMatcher(None, recitation, story).ratio() — before and after training.
//
//   swift build -c release --product StoryExperiment && .build/release/StoryExperiment
//
// Options:
//   --model PATH       a GGUF file or HF directory (default: $IMPRINT_DEFAULT_MODEL or the cached SmolLM2 GGUF,
//                      which scripts/fetch-default-model.sh fetches)
//   --seed-data DIR    train on the seed's 100 stories instead (DIR/train_dataset/train_data.json) and report the
//                      recitation curve on --eval-stories of them every --eval-every epochs, time and peak memory
//   --epochs N         passes over the stories (default 12)
//   --rank R           LoRA rank on all seven projections, alpha = 2R (default 16)
//   --learning-rate LR peak learning rate of the linear schedule (default 2e-3)
//   --precision P      f32 (default) or bf16: the frozen base in bfloat16 with float32 sums (mixed precision)
//   --output DIR       where the adapter, metrics.jsonl and loss.svg go (default: a temporary folder)
import Foundation
import Imprint

MemoryPolicy.reuseLargeAllocations()  // keep freed large buffers for reuse, as `imprint` does (Docs/Design.md, Memory)

setvbuf(stdout, nil, _IOLBF, 0)  // line-buffered, so results interleave with the trainer's progress on stderr

// MARK: - Options

var options: [String: String] = [:]
var argumentIterator = CommandLine.arguments.dropFirst().makeIterator()
while let name = argumentIterator.next() {
    guard name.hasPrefix("--"), let value = argumentIterator.next() else {
        FileHandle.standardError.write(Data("usage: StoryExperiment [--model PATH] [--seed-data DIR] [--epochs N] [--output DIR] [--eval-stories N] [--eval-every N] [--rank R] [--learning-rate LR] [--precision f32|bf16]\n".utf8))
        exit(2)
    }
    options[String(name.dropFirst(2))] = value
}
let environment = ProcessInfo.processInfo.environment
let modelPath = options["model"] ?? environment["IMPRINT_DEFAULT_MODEL"]
    ?? (environment["IMPRINT_CACHE"] ?? NSHomeDirectory() + "/.cache/imprint") + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
let seedData = options["seed-data"]
let output = URL(fileURLWithPath: options["output"]
    ?? NSTemporaryDirectory() + "imprint-story-experiment-\(ProcessInfo.processInfo.processIdentifier)")

// MARK: - The stories: (question, story) pairs

/// The bundled stories, read from the JSON file beside this source file.
struct BundledStory: Decodable {
    let title: String
    let story: String
}

func question(about title: String) -> String {
    "I want you to tell me what you know about the following story: \(title)"
}

let pairs: [(question: String, story: String)]
if let seedData {
    let dataset = try SFTDataset(path: seedData + "/train_dataset/train_data.json")
    pairs = dataset.records.compactMap { record in
        guard case .conversation(let messages) = record, messages.count == 2 else { return nil }
        return (messages[0].content, messages[1].content)
    }
} else {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("stories.json")
    pairs = try JSONDecoder().decode([BundledStory].self, from: Data(contentsOf: url)).map { (question(about: $0.title), $0.story) }
}
let evaluated = Array(pairs.prefix(Int(options["eval-stories"] ?? "") ?? (seedData == nil ? pairs.count : 20)))
print("model: \(modelPath)")
print("stories: \(pairs.count) (reciting \(evaluated.count))")

// MARK: - Model, tokenizer and recitation

let start = Date()
let model = try ModelLoader.load(path: modelPath)
let tokenizer = try PretrainedTokenizer.load(modelPath: modelPath)
let generator = Generator(model: model)

/// Greedy recitations of `stories` and their difflib ratios against the stories.
func recite(_ stories: [(question: String, story: String)]) throws -> [(text: String, ratio: Double)] {
    model.setTraining(false)
    let prompts = try stories.map {
        tokenizer.encode(try tokenizer.applyChatTemplate([("user", $0.question)], addGenerationPrompt: true), addSpecialTokens: false)
    }
    let maxTokens = stories.map { tokenizer.encode($0.story, addSpecialTokens: false).count }.max()! + 16
    let outputs = try generator.generate(prompts: prompts, parameters: .greedy(maxTokens: maxTokens))
    return zip(outputs, stories).map { output, pair in
        let text = tokenizer.decode(output.tokens, skipSpecialTokens: true)
        return (text, SequenceMatcher(text, pair.story).ratio())
    }
}

func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

/// Peak resident memory of this process (`VmHWM`), in MiB.
func peakMemoryMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kilobytes / 1024
}

let before = try recite(evaluated)
print(String(format: "before training: mean recitation ratio %.3f", mean(before.map(\.ratio))))

// MARK: - LoRA SFT

var configuration = SFTConfiguration()
let rank = Int(options["rank"] ?? "") ?? 16
configuration.lora = .init(rank: rank, alpha: Float(2 * rank), targetModules: ["all-linear"])
configuration.learningRate = Float(options["learning-rate"] ?? "") ?? 2e-3
configuration.bfloat16FrozenWeights = options["precision"] == "bf16"
configuration.schedule = .linear
configuration.warmupSteps = 2
configuration.epochs = Int(options["epochs"] ?? "") ?? 12
configuration.batchSize = seedData == nil ? 3 : 4
configuration.maxLength = 1024
configuration.checkpointInterval = 0
configuration.seed = 3407

let trainingRows = SFTDataset(records: pairs.map { .conversationalPromptCompletion(prompt: [.user($0.question)],
                                                                                  completion: [.assistant($0.story)]) })
let trainer = try SFTTrainer(model: model, tokenizer: tokenizer, dataset: trainingRows, configuration: configuration,
                             outputDirectory: output)
let stepsPerEpoch = trainer.dataOrder.batchesPerEpoch
let evaluateEvery = Int(options["eval-every"] ?? "") ?? (seedData == nil ? 0 : 3)
var curve: [(epoch: Int, ratio: Double)] = [(0, mean(before.map(\.ratio)))]
let printer = SFTProgressPrinter()
try await trainer.train { event in
    printer.show(event)
    // The recitation curve: after every `evaluateEvery`-th epoch (the trainer switches back to training mode).
    if case .step(let metrics) = event, evaluateEvery > 0, metrics.step % (stepsPerEpoch * evaluateEvery) == 0,
       metrics.step < metrics.totalSteps, let ratios = try? recite(evaluated).map(\.ratio) {
        curve.append((metrics.step / stepsPerEpoch, mean(ratios)))
        print(String(format: "epoch %d: mean recitation ratio %.3f", metrics.step / stepsPerEpoch, mean(ratios)))
    }
}

// MARK: - Results

let after = try recite(evaluated)
curve.append((configuration.epochs, mean(after.map(\.ratio))))
print("\nstory                                      before  after")
for (index, pair) in evaluated.enumerated() {
    let name = pair.question.replacingOccurrences(of: question(about: ""), with: "")
    print(String(name.prefix(42)).padding(toLength: 42, withPad: " ", startingAt: 0)
          + String(format: " %6.3f %6.3f", before[index].ratio, after[index].ratio))
}
print(String(format: "mean                                       %6.3f %6.3f", mean(before.map(\.ratio)), mean(after.map(\.ratio))))
print("recitation curve (epoch: mean ratio): " + curve.map { String(format: "%d: %.3f", $0.epoch, $0.ratio) }.joined(separator: ", "))
for index in evaluated.indices.prefix(2) {
    print("\nQ: \(evaluated[index].question)\nbefore: \(before[index].text.prefix(300))\nafter:  \(after[index].text.prefix(300))")
}
print(String(format: "\ntime %.0f s, peak memory %.0f MiB; adapter, metrics.jsonl and loss.svg in %@",
             Date().timeIntervalSince(start), peakMemoryMiB(), output.path))
