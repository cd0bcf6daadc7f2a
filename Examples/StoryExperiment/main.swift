// The story experiment (seed 000): can a small model learn stories it has never seen — by supervised recitation, by
// GRPO on masked-story prompts, or by both — and does it then answer questions about them?
//
//   swift build -c release --product StoryExperiment && .build/release/StoryExperiment --output runs/story
//
// Stages (each cached in the run folder: a rerun skips what is finished and resumes a training from its checkpoint):
//   1. data      stories with questions: woven offline from novel facts (default; exact answers, so the deterministic
//                judge is valid), the bundled stories (--stories bundled: recitation only, they have no questions), or
//                seed 000's files (--seed-data DIR: stories.txt/story_map.json, stories_detail/, qa_pairs.json)
//   2. sft       LoRA SFT on recitation: "I want you to tell me what you know about the following story: <plotline>"
//   3. rl        GRPO from the base model, difflib reward, on seed 000's masked-story prompts (MaskedSetBuilder)
//      sft+rl    the same from the SFT adapter (seed 000 ran it only on its 0.5B model)
//   4. eval-*    each model (base, sft, rl, sft+rl): recitation ratio (difflib against the story) and QA accuracy
//                (seed 000's prompt: "<title>: <question>Answer in 3 words or less."; judge: the deterministic
//                answer match, or --judge-model PATH|URL for an LLM judge with seed 000's yes/no prompt)
//   5. report    report.json / report.md / report.html, charts, paired comparisons; compare/ (QA runs side by side)
//
// Options (defaults in brackets):
//   --output DIR            the run folder [runs/story]
//   --model PATH            GGUF file or HF directory [$IMPRINT_DEFAULT_MODEL or the cached SmolLM2-135M-Instruct]
//   --seed-data DIR         seed 000's story_experience folder; --stories offline|bundled [offline]; --story-count N [12]
//   --eval-stories N        stories recited in evaluation [all; 20 with --seed-data]
//   --epochs N              SFT epochs [12]; --rank R [16] (alpha 2R); --learning-rate LR [2e-3]; --precision f32|bf16
//   --grpo-epochs N         [1]; --grpo-generations G [4]; --grpo-learning-rate LR [5e-5]; --grpo-max-tokens N [320]
//   --grpo-prompts N        masked prompts used for GRPO, evenly spaced over the set [24; 48 with --seed-data]
//   --judge-model PATH|URL  an LLM judge (seed 000's yes/no prompt) instead of the deterministic one: a GGUF file,
//                           a Hugging Face folder, or an OpenAI-compatible server (vLLM, llama-server, imprint serve)
//   --judge-api-key-env VAR the environment variable holding the judge server's API key
//   --seed S                training seed [3407]; --bootstrap N [2000]
//   --toy                   seconds-long smoke sizes: 3 short stories, 1 epoch, 1 GRPO step of 2 completions
import Foundation
import Imprint
import ImprintGenerators

MemoryPolicy.reuseLargeAllocations()  // keep freed large buffers for reuse, as `imprint` does (Docs/Design.md, Memory)
setvbuf(stdout, nil, _IOLBF, 0)

// MARK: - Options

let flags: Set<String> = ["toy"]
var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    guard argument.hasPrefix("--") else { fail("unexpected argument \(argument); see the options at the top of main.swift") }
    let name = String(argument.dropFirst(2))
    if flags.contains(name) { options[name] = "true"; continue }
    guard let value = arguments.next() else { fail("--\(name) needs a value") }
    options[name] = value
}

/// Stops with `message` on stderr: status 2 for a usage error, 1 for a failure (a bad file, a model that cannot load).
func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("StoryExperiment: \(message)\n".utf8))
    exit(status)
}

/// `body`'s value, or a one-line error naming `what` (no crash report for a bad path or file).
func orFail<Value>(_ what: String, _ body: () throws -> Value) -> Value {
    do { return try body() } catch { fail("\(what): \(error)", status: 1) }
}

let toy = options["toy"] != nil
func option<Value: LosslessStringConvertible>(_ name: String, _ standard: Value, toy toyValue: Value? = nil) -> Value {
    guard let text = options[name] else { return toy ? (toyValue ?? standard) : standard }
    guard let value = Value(text) else { fail("--\(name) \(text) is not a valid value") }
    return value
}

let environment = ProcessInfo.processInfo.environment
let modelPath = options["model"] ?? environment["IMPRINT_DEFAULT_MODEL"]
    ?? (environment["IMPRINT_CACHE"] ?? NSHomeDirectory() + "/.cache/imprint") + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
let runFolder = URL(fileURLWithPath: options["output"] ?? "runs/story")
let seedData = options["seed-data"]
let seed: UInt64 = option("seed", 3407)
let replicates: Int = option("bootstrap", 2000, toy: 100)
let rank: Int = option("rank", 16, toy: 2)
let generations: Int = option("grpo-generations", 4, toy: 2)

print("model: \(modelPath)")
print("run folder: \(runFolder.path)")

// MARK: - Stages: a folder each, finished when it holds `.done`

let fileManager = FileManager.default

/// Runs `body` in `folder` unless an earlier run finished it; a folder without `.done` is an interrupted stage, and
/// `body` is told whether it holds a checkpoint to resume from.
func stage(_ name: String, _ body: (_ folder: URL, _ resume: Bool) async throws -> Void) async {
    let folder = runFolder.appendingPathComponent(name)
    let done = folder.appendingPathComponent(".done")
    if fileManager.fileExists(atPath: done.path) {
        print("stage \(name): done, skipped")
        return
    }
    let contents = (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
    let resume = contents.contains { $0.hasPrefix("checkpoint-") }
    print("stage \(name): " + (resume ? "resuming" : "running"))
    orFail(folder.path) { try fileManager.createDirectory(at: folder, withIntermediateDirectories: true) }
    let start = Date()
    do {
        try await body(folder, resume)
        try Data().write(to: done)
    } catch {
        fail("stage \(name): \(error)", status: 1)
    }
    FileHandle.standardError.write(Data(String(format: "stage \(name): %.1f s\n", Date().timeIntervalSince(start)).utf8))
}

// MARK: 1. Data

/// The bundled stories, read from the JSON file beside this source file.
struct BundledStory: Decodable {
    let title: String
    let story: String
}

let storiesFile = runFolder.appendingPathComponent("data/stories.json")
await stage("data") { _, _ in
    var stories: [Story]
    if let seedData {
        stories = try StoryExperimentFiles.stories(directory: seedData)
    } else if options["stories"] == "bundled" {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("stories.json")
        stories = try JSONDecoder().decode([BundledStory].self, from: Data(contentsOf: url)).enumerated().map {
            Story(id: String($0), title: $1.title, plotline: $1.title, text: $1.story)
        }
    } else {
        let count: Int = option("story-count", 12, toy: 3)
        let facts = try NovelFactGenerator(seed: seed, difficulty: .standard).facts(count: count * 6)
        stories = Array(StoryWeaver(seed: seed, factsPerStory: toy ? 1...1 : 4...6).stories(from: facts).prefix(count))
    }
    if let count = options["story-count"].flatMap(Int.init), seedData != nil || options["stories"] == "bundled" {
        stories = Array(stories.prefix(count))
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(stories).write(to: storiesFile)
}
let stories = orFail(storiesFile.path) { try JSONDecoder().decode([Story].self, from: Data(contentsOf: storiesFile)) }
print("stories: \(stories.count), questions: \(stories.map(\.questions.count).reduce(0, +))")

func recitationPrompt(_ story: Story) -> String {
    "I want you to tell me what you know about the following story: \(story.plotline)"
}

// MARK: - Models

let tokenizer = orFail(modelPath) { try PretrainedTokenizer.load(modelPath: modelPath) }

/// The base model with `adapters` attached in order (the SFT adapter, then the GRPO adapter trained on top of it).
/// SFT trains on float32 weights (as `imprint sft`); generation-heavy stages keep a GGUF's blocks quantized (the same
/// values, 4-6x less memory to stream per token).
func loadModel(adapters: [URL] = [], dense: Bool = false) throws -> TransformerDecoder {
    let model = try ModelLoader.load(path: modelPath, keepQuantized: !dense)
    for (index, adapter) in adapters.enumerated() {
        // One adapter is active at a time: the earlier ones are folded into the weights, as GRPO's initial adapter was.
        try LoRA.load(from: adapter, into: model, name: index == adapters.count - 1 ? "default" : "stage\(index)")
        if index < adapters.count - 1 { LoRA.mergeAndUnload(model) }
    }
    return model
}

func lora() -> LoRASettings { LoRASettings(rank: rank, alpha: Float(2 * rank), targetModules: ["all-linear"]) }

let sftFolder = runFolder.appendingPathComponent("sft"), rlFolder = runFolder.appendingPathComponent("rl"),
    sftRLFolder = runFolder.appendingPathComponent("sft+rl")

// MARK: 2. SFT on recitation

await stage("sft") { folder, resume in
    var configuration = SFTConfiguration()
    configuration.lora = lora()
    configuration.learningRate = option("learning-rate", 2e-3)
    configuration.bfloat16FrozenWeights = options["precision"] == "bf16"
    configuration.schedule = .linear
    configuration.warmupSteps = toy ? 0 : 2
    configuration.epochs = option("epochs", 12, toy: 1)
    configuration.batchSize = toy ? 2 : 4
    configuration.maxLength = 1024
    configuration.checkpointInterval = toy ? 1 : 50
    configuration.seed = seed
    let records = stories.map { SFTRecord.conversationalPromptCompletion(prompt: [.user(recitationPrompt($0))],
                                                                          completion: [.assistant($0.text)]) }
    let trainer = try SFTTrainer(model: try loadModel(dense: true), tokenizer: tokenizer, dataset: SFTDataset(records: records),
                                 configuration: configuration, outputDirectory: folder)
    let printer = SFTProgressPrinter(plain: true)
    try await trainer.train(resume: resume) { printer.show($0) }
}

// MARK: 3. GRPO with the difflib reward on masked stories, from the base model and from the SFT adapter

let masked = MaskedSetBuilder(seed: seed).examples(for: stories)
// Seed 000 trained on all 516 masked prompts; by default a sample of 24 spread over the stories keeps the run short.
let grpoCount: Int = option("grpo-prompts", seedData == nil ? 24 : 48, toy: 2)
let stride = max(1, masked.count / max(grpoCount, 1))
let grpoPrompts = Array(Swift.stride(from: 0, to: masked.count, by: stride).map { masked[$0] }.prefix(grpoCount))
for (name, initial) in [("rl", nil), ("sft+rl", sftFolder)] as [(String, URL?)] {
    await stage(name) { folder, resume in
        var configuration = GRPOConfiguration()
        configuration.lora = lora()
        configuration.initialAdapterPath = initial?.path
        configuration.learningRate = option("grpo-learning-rate", 5e-5)
        configuration.numGenerations = generations
        configuration.batchSize = generations * (toy ? 1 : 2)
        configuration.maxSteps = toy ? 1 : 0
        configuration.epochs = option("grpo-epochs", 1)
        configuration.maxCompletionLength = option("grpo-max-tokens", 320, toy: 8)
        configuration.promptTruncation = toy ? .left : .refuse  // the tiny test model's context is 256 characters
        configuration.checkpointInterval = toy ? 1 : 20
        configuration.seed = seed
        let examples = grpoPrompts.map { GRPOExample(prompt: .messages([.user($0.prompt)]), columns: ["reference": $0.original]) }
        let trainer = try GRPOTrainer(model: try loadModel(), tokenizer: tokenizer, dataset: GRPODataset(examples: examples),
                                      rewards: [ReferenceMetric.difflib.reward()], configuration: configuration, outputDirectory: folder)
        let printer = GRPOProgressPrinter(plain: true)
        _ = try await trainer.train(resume: resume) { printer.show($0) }
    }
}

// MARK: 4. Evaluation: recitation and questions, before and after each training

let arms: [(label: String, adapters: [URL])] = [("base", []), ("sft", [sftFolder]), ("rl", [rlFolder]), ("sft+rl", [sftFolder, sftRLFolder])]
let recited = Array(stories.prefix(option("eval-stories", seedData == nil ? stories.count : 20)))
let recitationRows = recited.map { EvaluationRow(question: recitationPrompt($0), answer: $0.text, factID: $0.id) }
let questionRows = stories.flatMap { story in
    story.questions.map { EvaluationRow(question: "\(story.title): \($0.question)", answer: $0.answer, factID: story.id,
                                        category: story.title) }
}
var judgeGenerator: (any TextGenerator)?
if let source = options["judge-model"] {  // a GGUF file, a Hugging Face folder, or an OpenAI-compatible server URL
    do {
        let judgeSource = GeneratorSource(pathOrURL: source)
        judgeGenerator = try await judgeSource.makeGenerator(
            GeneratorSource.Options(apiKeyEnvironmentVariable: judgeSource.isServer ? options["judge-api-key-env"] : nil))
    } catch {
        fail("--judge-model \(source): \(error)", status: 1)
    }
}
let judge: any Judge = judgeGenerator.map {
    LLMJudge(generator: $0, prompt: .yesNo, cache: try? JudgeCache(url: runFolder.appendingPathComponent("judge-cache.jsonl")))
} ?? MatchJudge(.contains)

var recitation = EvaluationConfiguration()
let longest = recited.map { tokenizer.encode($0.text, addSpecialTokens: false).count }.max() ?? 0
recitation.sampling = .greedy(maxTokens: toy ? 8 : longest + 16)
recitation.bootstrapReplicates = replicates
var questioning = EvaluationConfiguration()
questioning.answerPrompt = .seedStory
questioning.sampling = .greedy(maxTokens: toy ? 4 : 32)
questioning.bootstrapReplicates = replicates

for arm in arms {
    await stage("eval-\(arm.label)") { folder, _ in
        let identity = ([URL(fileURLWithPath: modelPath).lastPathComponent] + arm.adapters.map(\.lastPathComponent)).joined(separator: "+")
        let generator = LocalTextGenerator(model: try loadModel(adapters: arm.adapters), tokenizer: tokenizer, identity: identity)
        let recitations = try await Evaluator(generator: generator, judge: judge, configuration: recitation).recite(recitationRows)
        _ = try EvaluationReport(recitation: recitations, dataset: EvaluationDataset(path: "data/stories.json", rows: recitationRows),
                                 label: arm.label)
            .write(recitations: recitations.records, to: folder.appendingPathComponent("recitation"))
        print(String(format: "\(arm.label): mean recitation ratio %.3f", recitations.metrics.meanRatio))
        if !questionRows.isEmpty {
            let answers = try await Evaluator(generator: generator, judge: judge, configuration: questioning).evaluate(questionRows)
            _ = try EvaluationReport(run: answers, dataset: EvaluationDataset(path: "data/stories.json", rows: questionRows), label: arm.label)
                .write(records: answers.records, to: folder.appendingPathComponent("qa"))
            print("\(arm.label): QA accuracy \(ReportFormat.percent(answers.metrics.accuracy.value)) "
                  + "(\(answers.metrics.counts.correct)/\(answers.records.count))")
        }
    }
}

// MARK: 5. Report

await stage("report") { folder, _ in
    var runs: [(label: String, seed: Int, records: [AnswerRecord])] = []
    var recitations: [(label: String, records: [RecitationRecord])] = []
    var loaded: [(report: EvaluationReport, records: [AnswerRecord], directory: String)] = []
    for arm in arms {
        let directory = runFolder.appendingPathComponent("eval-\(arm.label)")
        recitations.append((arm.label, try EvaluationReport.loadRecitations(from: directory.appendingPathComponent("recitation"))))
        if !questionRows.isEmpty {
            let qa = directory.appendingPathComponent("qa")
            let records = try EvaluationReport.loadAnswers(from: qa)
            runs.append((arm.label, 1, records))
            loaded.append((try EvaluationReport.load(from: qa), records, "eval-\(arm.label)/qa"))
        }
    }
    if loaded.count > 1 {
        _ = try RunComparison(runs: loaded, replicates: replicates).write(to: folder.appendingPathComponent("compare"))
    }
    let pairs = [("sft", "base"), ("rl", "base"), ("sft+rl", "base"), ("sft+rl", "sft"), ("sft+rl", "rl"), ("rl", "sft")]
    let report = ExperimentReport(
        title: "Story experiment (seed 000)", runs: runs, pairs: pairs,
        settings: [
            "model": URL(fileURLWithPath: modelPath).lastPathComponent,
            "stories": seedData.map { _ in "seed 000 (\(stories.count))" }
                ?? (options["stories"] == "bundled" ? "bundled (\(stories.count))" : "StoryWeaver offline (\(stories.count))"),
            "recited stories": "\(recited.count)", "questions": "\(questionRows.count)",
            "grpo": "difflib reward, \(grpoPrompts.count) masked prompts, \(generations) completions",
            "judge": judge.identity, "seed": "\(seed)",
            "seed 000 (Qwen2.5-3B)": "at most 8/100 questions correct after SFT or RL",
        ], recitations: recitations, replicates: replicates)
    try report.write(to: folder)
    print(report.markdown)
}
print("report: \(runFolder.appendingPathComponent("report/report.html").path)")
