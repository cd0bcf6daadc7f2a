// The rephrasing experiment (seed 003): does a fact learnt from five phrasings of its question generalize to phrasings
// never trained on, better than one question repeated, or the fact statement alone? And does GRPO, with a reward that
// pays for answering every phrasing of a fact, add to it?
//
//   swift build -c release --product RephrasingExperiment && .build/release/RephrasingExperiment --output runs/rephrasing
//
// Stages (each cached in the run folder: a rerun skips what is finished and resumes a training from its checkpoint):
//   1. data       offline novel facts (NovelFactGenerator; exact answers, so the deterministic judge is valid), or
//                 seed-003-shaped rows (--data FILE: question, rephrased_1..6, answer, fact)
//   2. sft-*      LoRA SFT on each of seed 003's variants of the same facts (SFTVariant)
//   3. grpo-*     GRPO from the facts-only SFT adapter (as seed 003 started from "Fact-1-Repeat"):
//                   grpo-1  judge reward on the question only (one phrasing per fact)
//                   grpo-2  judge reward on the five training phrasings
//                   grpo-3  as 2, plus the group generalization bonus, batches grouped by fact
//                 all three with scale_rewards = batch: under per-group scaling the group bonus of a binary reward
//                 cancels out of the advantages (GroupGeneralizationReward's documentation), so 2 and 3 would not differ
//   4. eval-*     every model asked the held-out phrasings (rephrased_3, rephrased_6) and the question (trained)
//   5. report     report.json / report.md / report.html and charts, seed 003's figures beside; compare/ (paired tests)
//
// Options (defaults in brackets):
//   --output DIR            the run folder [runs/rephrasing]
//   --model PATH            GGUF file or HF directory [$IMPRINT_DEFAULT_MODEL or the cached SmolLM2-135M-Instruct]
//   --data FILE             seed-003-shaped facts instead of the offline generator
//   --facts N               facts [40]; --difficulty easy|standard|hard [hard: on standard facts one repeated question
//                           generalized almost as well as five phrasings]; --data-seed S [3]
//   --seeds N               training seeds per variant [1]
//   --variants LIST         SFT variants [five-phrasings,question-x5,question-once,question-once-equal-steps,fact-x5,fact-once]
//   --epochs N              SFT epochs [5]; --rank R [16] (alpha 2R); --learning-rate LR [2e-3]; --full (no LoRA)
//   --grpo-configs LIST     [1,2,3]; --grpo-from VARIANT [fact-x5]; --grpo-epochs N [1]; --grpo-generations G [4]
//   --grpo-learning-rate LR [5e-5]; --scale-rewards group|batch|none [batch]; --group-weight W [0.5]
//   --max-tokens N          answer length in evaluation and GRPO completions [32]
//   --evaluate-all-phrasings ask every trained phrasing too, not only the question [off]
//   --judge-model PATH|URL  an LLM judge (seed 003's Final Verdict prompt) instead of the deterministic one: a GGUF
//                           file, a Hugging Face folder, or an OpenAI-compatible server (vLLM, llama-server, imprint serve)
//   --judge-api-key-env VAR the environment variable holding the judge server's API key
//   --bootstrap N           bootstrap replicates [2000]
//   --toy                   seconds-long smoke sizes: 3 facts, 1 epoch, 1 GRPO step of 2 completions, 4 tokens
import Foundation
import Imprint
import ImprintGenerators

MemoryPolicy.reuseLargeAllocations()
setvbuf(stdout, nil, _IOLBF, 0)

// MARK: - Options

let flags: Set<String> = ["toy", "full", "evaluate-all-phrasings"]
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
    FileHandle.standardError.write(Data("RephrasingExperiment: \(message)\n".utf8))
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
let runFolder = URL(fileURLWithPath: options["output"] ?? "runs/rephrasing")
let factCount: Int = option("facts", 40, toy: 3)
let seeds: Int = option("seeds", 1)
let epochs: Int = option("epochs", 5, toy: 1)
let rank: Int = option("rank", 16, toy: 2)
let learningRate: Float = option("learning-rate", 2e-3)
let maxTokens: Int = option("max-tokens", 32, toy: 4)
let replicates: Int = option("bootstrap", 2000, toy: 100)
let grpoEpochs: Int = option("grpo-epochs", 1)
let generations: Int = option("grpo-generations", 4, toy: 2)
let groupWeight: Double = option("group-weight", 0.5)
let variants = (options["variants"] ?? SFTVariant.allCases.map(\.rawValue).joined(separator: ",")).split(separator: ",").map {
    guard let variant = SFTVariant(rawValue: String($0)) else { fail("--variants: unknown SFT variant \($0)") }
    return variant
}
let grpoFrom = SFTVariant(rawValue: options["grpo-from"] ?? "fact-x5") ?? { fail("--grpo-from: not an SFT variant") }()
let grpoConfigs = (options["grpo-configs"] ?? "1,2,3").split(separator: ",").compactMap { Int($0) }.filter { (1...3).contains($0) }
guard let scaleRewards = GRPOConfiguration.RewardScaling(rawValue: options["scale-rewards"] ?? "batch") else {
    fail("--scale-rewards must be group, batch or none")
}
let split = PhrasingSplit.seed003

struct ExperimentError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

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

let factsFile = runFolder.appendingPathComponent("data/facts.jsonl")
await stage("data") { folder, _ in
    let facts: [Fact]
    if let path = options["data"] {
        let read = try FactTable.read(path: path)
        print(read.report)
        facts = Array(read.facts.filter { fact in split.train.allSatisfy { fact.phrasing($0) != nil } }.prefix(factCount))
    } else {
        let difficulty: FactDifficulty
        switch options["difficulty"] ?? "hard" {
        case "easy": difficulty = .easy
        case "hard": difficulty = .hard
        case "standard": difficulty = .standard
        default: fail("--difficulty must be easy, standard or hard")
        }
        facts = try NovelFactGenerator(seed: option("data-seed", 3), difficulty: difficulty).facts(count: factCount)
    }
    guard !facts.isEmpty else { throw ExperimentError("no facts with all five training phrasings") }
    try FactTable.write(facts, to: factsFile.path)
}
let facts = orFail(factsFile.path) { try FactTable.read(path: factsFile.path).facts }
print("facts: \(facts.count)")

/// Every fact asked in its held-out phrasings and, for the memorization gap, its question (every trained phrasing
/// with --evaluate-all-phrasings: five-phrasing arms then show their gap on all they saw, at 7/3 the answers).
let askedPhrasings = (options["evaluate-all-phrasings"] != nil ? split.train : [.question]) + split.heldOut
let evaluationRows = facts.flatMap { fact in
    askedPhrasings.compactMap { phrasing in
        fact.phrasing(phrasing).map {
            EvaluationRow(question: $0, answer: fact.answer, aliases: fact.aliases, fact: fact.statement, factID: fact.id,
                          phrasingID: phrasing.name, category: fact.category)
        }
    }
}

// MARK: - Models

/// The base model with `adapters` attached in order (an SFT adapter, then the GRPO adapter trained on top of it).
/// SFT trains on float32 weights (as `imprint sft`); generation-heavy stages keep a GGUF's blocks quantized (the same
/// values, 4-6x less memory to stream per token), except for full fine-tuning.
func loadModel(adapters: [URL] = [], dense: Bool = false) throws -> TransformerDecoder {
    let model = try ModelLoader.load(path: modelPath, keepQuantized: !dense && options["full"] == nil)
    for (index, adapter) in adapters.enumerated() {
        // One adapter is active at a time: the earlier ones are folded into the weights, as GRPO's initial adapter was.
        try LoRA.load(from: adapter, into: model, name: index == adapters.count - 1 ? "default" : "stage\(index)")
        if index < adapters.count - 1 { LoRA.mergeAndUnload(model) }
    }
    return model
}
let tokenizer = orFail(modelPath) { try PretrainedTokenizer.load(modelPath: modelPath) }

func lora() -> LoRASettings? {
    options["full"] != nil ? nil : LoRASettings(rank: rank, alpha: Float(2 * rank), targetModules: ["all-linear"])
}

// MARK: 2. SFT variants

func sftFolder(_ variant: SFTVariant, seed: Int) -> URL { runFolder.appendingPathComponent("seed-\(seed)/sft-\(variant.rawValue)") }

let sftVariants = variants + (grpoConfigs.isEmpty || variants.contains(grpoFrom) ? [] : [grpoFrom])
for seed in 1...seeds {
    for variant in sftVariants {
        await stage("seed-\(seed)/sft-\(variant.rawValue)") { folder, resume in
            let records: [SFTRecord] = variant.examples(facts, split: split).map { example in
                // Facts only: the statement as plain text (seed 003 trained it as a lone assistant turn, which the chat
                // template's prefix check refuses: the render of no messages is not a prefix of the render of one).
                guard let prompt = example.prompt else { return .text(example.completion) }
                return .conversationalPromptCompletion(prompt: [.user(prompt)], completion: [.assistant(example.completion)])
            }
            var configuration = SFTConfiguration()
            configuration.lora = lora()
            configuration.learningRate = options["full"] != nil && options["learning-rate"] == nil ? 2e-5 : learningRate
            configuration.epochs = epochs * variant.stepsFactor
            configuration.batchSize = toy ? 2 : 8
            configuration.warmupSteps = toy ? 0 : 2
            configuration.maxLength = 256
            configuration.checkpointInterval = toy ? 1 : 50
            configuration.seed = UInt64(seed)
            let trainer = try SFTTrainer(model: try loadModel(dense: true), tokenizer: tokenizer, dataset: SFTDataset(records: records),
                                         configuration: configuration, outputDirectory: folder)
            let printer = SFTProgressPrinter(plain: true)
            try await trainer.train(resume: resume) { printer.show($0) }
        }
    }
}

// MARK: 3. GRPO configurations, from the facts-only adapter

func grpoFolder(_ configuration: Int, seed: Int) -> URL { runFolder.appendingPathComponent("seed-\(seed)/grpo-\(configuration)") }

/// The judge: the deterministic answer match (an accepted answer's words in the answer), or an LLM with seed 003's prompt.
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

for seed in 1...seeds {
    for number in grpoConfigs {
        await stage("seed-\(seed)/grpo-\(number)") { folder, resume in
            let phrasings = number == 1 ? [PhrasingID.question] : split.train
            let examples = facts.flatMap { fact in
                phrasings.compactMap { phrasing -> GRPOExample? in
                    guard let text = fact.phrasing(phrasing) else { return nil }
                    let aliases = String(decoding: try! JSONEncoder().encode(fact.aliases), as: UTF8.self)
                    return GRPOExample(prompt: .messages([.user(text)]), columns: [
                        "answer": fact.answer, "aliases": aliases, "fact": fact.statement, "question": fact.question,
                        "fact_id": fact.id, "phrasing_id": phrasing.name, "category": fact.category,
                    ])
                }
            }
            var configuration = GRPOConfiguration()
            configuration.lora = lora()
            configuration.initialAdapterPath = sftFolder(grpoFrom, seed: seed).path
            configuration.learningRate = option("grpo-learning-rate", 5e-5)
            configuration.numGenerations = generations
            // One step sees whole facts: five phrasings × G completions per fact (configuration 1: one phrasing).
            configuration.batchSize = generations * phrasings.count * (toy ? 1 : 2)
            configuration.forwardBatchSize = toy ? nil : 8
            configuration.maxSteps = toy ? 1 : 0
            configuration.epochs = grpoEpochs
            configuration.maxCompletionLength = maxTokens
            configuration.scaleRewards = scaleRewards
            configuration.groupByColumn = number == 3 ? "fact_id" : nil
            configuration.checkpointInterval = toy ? 1 : 20
            configuration.seed = UInt64(seed)
            let correctness: any Reward = judgeGenerator.map {
                JudgeReward(judge: $0, batchSize: configuration.batchSize, maxConcurrentBatches: 1)
            } ?? ContainsAnswerReward()
            let reward: any Reward = number == 3 ? GroupGeneralizationReward(correctness: correctness, weight: groupWeight) : correctness
            let trainer = try GRPOTrainer(model: try loadModel(), tokenizer: tokenizer, dataset: GRPODataset(examples: examples),
                                          rewards: [reward], configuration: configuration, outputDirectory: folder)
            let printer = GRPOProgressPrinter(plain: true)
            _ = try await trainer.train(resume: resume) { printer.show($0) }
        }
    }
}

// MARK: 4. Evaluation on trained and held-out phrasings

/// What each evaluated model is: a label (one per configuration, shared across seeds) and its adapters.
struct Arm {
    var label: String
    var seed: Int
    var adapters: [URL]
    var folder: String { seed == 0 ? "eval-\(label)" : "seed-\(seed)/eval-\(label)" }
}
var arms = [Arm(label: "base", seed: 0, adapters: [])]
for seed in 1...seeds {
    arms += variants.map { Arm(label: $0.rawValue, seed: seed, adapters: [sftFolder($0, seed: seed)]) }
    arms += grpoConfigs.map { Arm(label: "grpo-\($0)", seed: seed, adapters: [sftFolder(grpoFrom, seed: seed), grpoFolder($0, seed: seed)]) }
}

let judge: any Judge = judgeGenerator.map {
    LLMJudge(generator: $0, prompt: .finalVerdict, cache: try? JudgeCache(url: runFolder.appendingPathComponent("judge-cache.jsonl")))
} ?? MatchJudge(.contains)
var evaluation = EvaluationConfiguration()
evaluation.sampling = .greedy(maxTokens: maxTokens)
evaluation.heldOutPhrasings = split.heldOut.map(\.name)
evaluation.bootstrapReplicates = replicates
evaluation.bootstrapSeed = 0

for arm in arms {
    await stage(arm.folder) { folder, _ in
        let identity = ([URL(fileURLWithPath: modelPath).lastPathComponent] + arm.adapters.map {
            $0.path.replacingOccurrences(of: runFolder.path + "/", with: "")
        }).joined(separator: "+")
        let generator = LocalTextGenerator(model: try loadModel(adapters: arm.adapters), tokenizer: tokenizer, identity: identity)
        let run = try await Evaluator(generator: generator, judge: judge, configuration: evaluation).evaluate(evaluationRows)
        let dataset = EvaluationDataset(path: "data/facts.jsonl", rows: evaluationRows)
        _ = try EvaluationReport(run: run, dataset: dataset, label: arm.label).write(records: run.records, to: folder)
        print("\(arm.folder): " + (run.metrics.heldOut.map { "held-out both \(ReportFormat.percent($0.allCorrect.value))" } ?? ""))
    }
}

// MARK: 5. Report

/// Seed 003's both-correct figures (Qwen2.5-3B, 300 news facts, README table), beside ours.
let seed003: [String: Double] = [
    "base": 0.0067, "five-phrasings": 0.74, "question-x5": 0.10, "question-once": 0.04, "question-once-equal-steps": 0.07,
    "fact-x5": 0.0433, "fact-once": 0.0167,
]

await stage("report") { folder, _ in
    let loaded = try arms.map { arm -> (arm: Arm, report: EvaluationReport, records: [AnswerRecord]) in
        let directory = runFolder.appendingPathComponent(arm.folder)
        return (arm, try EvaluationReport.load(from: directory), try EvaluationReport.loadAnswers(from: directory))
    }
    // Every run beside the others: paired differences on shared questions, and means across seeds of one label.
    let comparison = try RunComparison(runs: loaded.map { ($0.report, $0.records, $0.arm.folder) }, replicates: replicates)
    _ = try comparison.write(to: folder.appendingPathComponent("compare"))

    let sft = variants.map(\.rawValue), grpo = grpoConfigs.map { "grpo-\($0)" }
    let pairs = [("five-phrasings", "question-x5"), ("five-phrasings", "fact-x5"), ("question-x5", "fact-x5"),
                 ("question-once-equal-steps", "question-once"), ("grpo-2", "grpo-1"), ("grpo-3", "grpo-2")]
        + sft.map { ($0, "base") } + grpo.map { ($0, grpoFrom.rawValue) }
    let experiment = ExperimentReport(
        title: "Rephrasing experiment (seed 003)", runs: loaded.map { ($0.arm.label, $0.arm.seed, $0.records) },
        reference: seed003, referenceName: "seed 003 (Qwen2.5-3B, 300 news facts)", pairs: pairs,
        settings: [
            "model": URL(fileURLWithPath: modelPath).lastPathComponent,
            "data": options["data"].map { URL(fileURLWithPath: $0).lastPathComponent }
                ?? "NovelFactGenerator(\(options["difficulty"] ?? "hard"))",
            "facts": "\(facts.count)", "seeds": "\(seeds)", "held-out phrasings": split.heldOut.map(\.name).joined(separator: ", "),
            "sft": "\(options["full"] != nil ? "full fine-tuning" : "LoRA rank \(rank)"), \(epochs) epochs",
            "grpo": "from \(grpoFrom.rawValue), \(generations) completions, scale_rewards \(scaleRewards.rawValue), "
                + "group weight \(groupWeight)",
            "judge": judge.identity,
        ], replicates: replicates)
    try experiment.write(to: folder)
    print(experiment.markdown)
}
print("report: \(runFolder.appendingPathComponent("report/report.html").path)")
