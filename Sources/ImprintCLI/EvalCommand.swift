import ArgumentParser
import Foundation
import Imprint
import ImprintGenerators

/// `imprint eval`: answer questions with a model, judge the answers, write a report; `imprint eval compare` puts
/// runs side by side.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model on QA data (judged answers, held-out phrasings, statistics, reports), or compare runs.",
        subcommands: [EvalRunCommand.self, EvalCompareCommand.self],
        defaultSubcommand: EvalRunCommand.self)
}

struct EvalRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Answer every question of --data with --model, judge the answers, and write the report into --output.",
        discussion: """
        Data: JSONL (or a JSON array) of {"question", "answer", "aliases"?, "fact"?, "fact_id"?, "phrasing_id"?, \
        "category"?} rows; seed 000's modified_qa_pairs.json and seed 003's rephrasing rows (question, rephrased_1..6) \
        load as they are. Rows whose phrasing is held out (--heldout) give the per-fact both/one/none metric; other \
        phrasings are trained ones, evaluated only with --include-trained (which adds the memorization gap). \
        Writes report.json, report.md, report.html, answers.jsonl (every question, answer, verdict and raw judge \
        output) and SVG charts. LLM verdicts are cached in --judge-cache, keyed by the full judge prompt, the judge \
        model and its sampling, so a second run asks the judge nothing it was asked before.
        """)

    @Option(help: "The model under test: a GGUF file or Hugging Face directory (default: the default model), or a server URL.")
    var model: String?
    @Option(help: "A PEFT LoRA adapter directory applied to --model.") var adapter: String?
    @Option(help: "The questions (JSONL or a JSON array).") var data: String
    @Option(help: "exact, alias, f1, contains (no model) or llm (--judge-model).") var judge: String
    @Option(help: "The LLM judge: a GGUF file or Hugging Face directory, or a server URL.") var judgeModel: String?
    @Option(help: "The model name to ask a --model server for (default: the first it lists).") var modelName: String?
    @Option(help: "The model name to ask a --judge-model server for (default: the first it lists).") var judgeModelName: String?
    @Option(help: "The environment variable holding the servers' API key (sent as a Bearer token, never printed).")
    var apiKeyEnv: String?
    @Option(help: "The LLM judge's prompt: yesno (seed 000), verdict (seed 003's judge_prompt.txt) or verdict-eval (seed 003's judge.py); default verdict when the rows have facts, else yesno.")
    var judgePrompt: String?
    @Option(help: "Largest number of tokens of an LLM judge's output (default 16 for yesno, 300 for verdict prompts).") var judgeMaxTokens: Int?
    @Option(help: "Judge cache file (JSONL; default $IMPRINT_CACHE/judge-cache.jsonl, ~/.cache/imprint by default).") var judgeCache: String?
    @Flag(help: "Ask the LLM judge everything again, with no cache.") var noJudgeCache = false
    @Option(help: "A second judge for the same answers (exact, alias, f1, contains, llm): the report adds their agreement (Cohen's kappa).")
    var agreementJudge: String?
    @Option(help: "The F1 threshold of --judge f1.") var f1Threshold = 0.5

    @Option(help: "The held-out phrasing ids, comma-separated.") var heldout = "rephrased_3,rephrased_6"
    @Flag(help: "Also evaluate the trained phrasings (every phrasing id not held out).") var includeTrained = false
    @Option(help: "Evaluate this many facts, drawn with --seed (default: all).") var facts: Int?
    @Option(help: "Evaluate only the first N rows (after the other selections).") var limit: Int?
    @Option(help: "qa (judged answers) or recitation (difflib ratio of the answer against the row's answer).") var task = "qa"

    @Option(help: "Text appended to each question (default: seed 000's \"Answer in 3 words or less.\" for its file, else none).")
    var promptSuffix: String?
    @Flag(help: "Send questions as raw text instead of a chat user message.") var rawPrompt = false
    @Option(help: "Largest number of new tokens per answer.") var maxTokens = 32
    @Option(help: "Sampling temperature (0: greedy).") var temperature = 0.0
    @Option(help: "Nucleus sampling, in (0, 1].") var topP = 1.0
    @Option(help: "Top-k sampling (0: off).") var topK = 0
    @Option(help: "Seed of sampling and of --facts.") var seed: UInt64 = 0
    @Option(help: "Questions per call to the model (the answers do not depend on it).") var batchSize = 128
    @Option(help: decodeOptionHelp) var decode: DecodingPrecision = .float32
    @Option(help: "Bootstrap replicates of the intervals over facts.") var bootstrapReplicates = 2000

    @Option(help: "The run's name in reports and comparisons (default: the output folder's name); runs sharing one are seeds of a configuration.")
    var label: String?
    @Option(help: "A trainer's metrics.jsonl: its curves are added to the report.") var metrics: String?
    @Option(help: "The output folder.") var output: String
    @Flag(help: "No progress lines on standard error.") var quiet = false

    static let judgeNames = ["exact", "alias", "f1", "contains", "llm"]

    func validate() throws {
        for name in [judge] + (agreementJudge.map { [$0] } ?? []) where !Self.judgeNames.contains(name) {
            throw ValidationError("--judge \(name): expected one of \(Self.judgeNames.joined(separator: ", "))")
        }
        if (judge == "llm" || agreementJudge == "llm") && judgeModel == nil {
            throw ValidationError("--judge llm needs --judge-model PATH|URL")
        }
        if let judgePrompt, LLMJudge.Prompt(rawValue: judgePrompt) == nil {
            throw ValidationError("--judge-prompt \(judgePrompt): expected one of " + LLMJudge.Prompt.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard ["qa", "recitation"].contains(task) else { throw ValidationError("--task must be qa or recitation") }
        guard f1Threshold > 0 && f1Threshold <= 1 else { throw ValidationError("--f1-threshold must be in (0, 1]") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard bootstrapReplicates > 0 else { throw ValidationError("--bootstrap-replicates must be positive") }
        if let facts, facts <= 0 { throw ValidationError("--facts must be positive") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        if let judgeMaxTokens, judgeMaxTokens <= 0 { throw ValidationError("--judge-max-tokens must be positive") }
        do {
            try sampling.validate()
        } catch let error as InvalidSamplingParameter {
            let names: [InvalidSamplingParameter.Parameter: String] = [.maxTokens: "--max-tokens", .temperature: "--temperature",
                                                                       .topP: "--top-p", .topK: "--top-k"]
            throw ValidationError(error.description(naming: names[error.parameter] ?? error.parameter.rawValue))
        }
        if let model, adapter != nil, GeneratorSource(pathOrURL: model).isServer {
            throw ValidationError("--adapter applies to a local model; \(model) is a server (serve the adapter there)")
        }
    }

    var sampling: SamplingParameters {
        SamplingParameters(maxTokens: maxTokens, temperature: temperature, topP: topP, topK: topK,
                           seed: temperature > 0 ? seed : nil)
    }

    var heldOutPhrasings: [String] {
        heldout.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The rows to evaluate: the file, held-out phrasings only unless --include-trained, then --facts and --limit.
    func selectedDataset() throws -> EvaluationDataset {
        var dataset = try EvaluationDataset(path: data)
        let hasPhrasings = dataset.rows.contains { $0.phrasingID != nil }
        if task == "qa" && hasPhrasings && !includeTrained {
            dataset = dataset.keepingPhrasings(Set(heldOutPhrasings))
            guard !dataset.rows.isEmpty else {
                throw ValidationError("\(data): no row has a held-out phrasing (\(heldOutPhrasings.joined(separator: ", "))); "
                                      + "pass --heldout with the data's phrasing ids, or --include-trained")
            }
        }
        if let facts { dataset = dataset.sampling(facts: facts, seed: seed) }
        if let limit { dataset = dataset.prefix(limit) }
        return dataset
    }

    func makeJudge(_ name: String, dataset: EvaluationDataset, cache: JudgeCache?) async throws -> any Judge {
        switch name {
        case "exact": return MatchJudge(.exact)
        case "alias": return MatchJudge(.alias)
        case "f1": return MatchJudge(.tokenF1(threshold: f1Threshold))
        case "contains": return MatchJudge(.contains)
        default:
            let prompt = judgePrompt.flatMap(LLMJudge.Prompt.init(rawValue:))
                ?? (dataset.rows.allSatisfy { $0.fact != nil } ? .finalVerdict : .yesNo)
            var sampling = prompt.defaultSampling
            if let judgeMaxTokens { sampling.maxTokens = judgeMaxTokens }
            let generator = try await makeGenerator(pathOrURL: judgeModel!, modelName: judgeModelName,
                                                    apiKeyEnvironmentVariable: GeneratorSource(pathOrURL: judgeModel!).isServer ? apiKeyEnv : nil)
            return LLMJudge(generator: generator, prompt: prompt, sampling: sampling,
                            batchSize: batchSize, cache: cache)
        }
    }

    func run() async throws {
        do {
            let dataset = try selectedDataset()
            var configuration = EvaluationConfiguration()
            configuration.answerPrompt = AnswerPrompt(suffix: promptSuffix ?? (dataset.source == .storyQA ? AnswerPrompt.seedStory.suffix : ""),
                                                      chat: !rawPrompt)
            configuration.sampling = sampling
            configuration.batchSize = batchSize
            configuration.heldOutPhrasings = heldOutPhrasings
            configuration.bootstrapReplicates = bootstrapReplicates
            configuration.bootstrapSeed = seed
            try configuration.validate()
            let curves = try metrics.map(LearningCurves.init(path:))
            let modelPath = model ?? ModelOptions(model: nil, adapter: nil).modelPath
            let generator = try await makeGenerator(pathOrURL: modelPath, adapter: adapter, modelName: modelName,
                                                    apiKeyEnvironmentVariable: GeneratorSource(pathOrURL: modelPath).isServer ? apiKeyEnv : nil,
                                                    decoding: decode)
            let progress: (Evaluator.Progress) -> Void = { event in
                guard !quiet, case .answered(let done, let total) = event else { return }
                FileHandle.standardError.write(Data("imprint eval: \(done)/\(total) answered\n".utf8))
            }
            let outputURL = URL(fileURLWithPath: output)
            if task == "recitation" {
                let evaluator = Evaluator(generator: generator, judge: MatchJudge(.exact), configuration: configuration)
                let run = try await evaluator.recite(dataset.rows, onProgress: progress)
                let report = EvaluationReport(recitation: run, dataset: dataset, label: runLabel, learningCurves: curves)
                try report.write(recitations: run.records, to: outputURL)
                print("recitation: mean difflib ratio \(ReportFormat.fixed(run.metrics.meanRatio, decimals: 3)) "
                      + "[\(ReportFormat.fixed(run.metrics.interval.lower, decimals: 3)), \(ReportFormat.fixed(run.metrics.interval.upper, decimals: 3))] "
                      + "over \(run.records.count) texts; report in \(output)")
                return
            }
            let usesLLM = judge == "llm" || agreementJudge == "llm"
            let cache = usesLLM && !noJudgeCache ? try JudgeCache(url: URL(fileURLWithPath: judgeCachePath)) : nil
            let evaluator = Evaluator(generator: generator, judge: try await makeJudge(judge, dataset: dataset, cache: cache),
                                      configuration: configuration)
            let run = try await evaluator.evaluate(dataset.rows, onProgress: progress)
            var report = EvaluationReport(run: run, dataset: dataset, label: runLabel, learningCurves: curves)
            if let agreementJudge {
                let second = try await makeJudge(agreementJudge, dataset: dataset, cache: cache)
                let verdicts = try await second.judge(run.records.map { JudgeItem(row: $0.row, answer: $0.answer) }).map(\.verdict)
                report.judgeAgreement = JudgeAgreement(nameA: run.judge, a: run.records.map(\.verdict), nameB: second.identity, b: verdicts)
            }
            try report.write(records: run.records, to: outputURL)
            print(summary(run.metrics, cacheHits: run.cacheHits, llm: judge == "llm"))
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("imprint eval: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// --label, else the output folder's name.
    var runLabel: String { label ?? URL(fileURLWithPath: output).lastPathComponent }

    var judgeCachePath: String {
        if let judgeCache { return judgeCache }
        let environment = ProcessInfo.processInfo.environment
        return (environment["IMPRINT_CACHE"] ?? NSHomeDirectory() + "/.cache/imprint") + "/judge-cache.jsonl"
    }

    /// The lines printed at the end: the metrics' summary, cache hits, where the report is.
    func summary(_ metrics: EvaluationMetrics, cacheHits: Int, llm: Bool) -> String {
        (metrics.summary + (llm ? ["judge cache: \(cacheHits) of \(metrics.counts.total) verdicts"] : [])
            + ["report: \(output)/report.html"]).joined(separator: "\n")
    }
}

struct EvalCompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare evaluation runs on the questions they share: paired differences (bootstrap over facts), McNemar's exact test, seeds.",
        discussion: """
        Each RUN is an --output folder of imprint eval. Every two runs are compared on the questions both answered; \
        runs with the same --label are seeds of one configuration (mean and interval across them). Writes \
        compare.json, compare.md, compare.html and charts into --output.
        """)

    @Argument(help: "Evaluation output folders.") var runs: [String]
    @Option(help: "The output folder.") var output: String
    @Option(help: "Seed of the paired bootstraps.") var seed: UInt64 = 0
    @Option(help: "Bootstrap replicates.") var bootstrapReplicates = 2000

    func validate() throws {
        guard runs.count >= 2 else { throw ValidationError("give at least two evaluation folders to compare") }
        guard bootstrapReplicates > 0 else { throw ValidationError("--bootstrap-replicates must be positive") }
    }

    func run() async throws {
        do {
            let comparison = try RunComparison(directories: runs.map { URL(fileURLWithPath: $0) }, replicates: bootstrapReplicates,
                                               seed: seed)
            try comparison.write(to: URL(fileURLWithPath: output))
            for pair in comparison.comparisons {
                print(pair.all.summary + " (\(pair.shared) shared questions)")
                if let heldOut = pair.heldOut { print("  held-out: " + heldOut.summary) }
            }
            print("report: \(output)/compare.html")
        } catch {
            FileHandle.standardError.write(Data("imprint eval compare: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
