import ArgumentParser
import Dispatch
import Foundation
import Imprint
import ImprintGenerators

/// `imprint datagen facts|stories|qa|rephrase|mask|split|similarity`: knowledge to inject, offline or with a model,
/// and the sets the trainers and the evaluation read.
struct DataGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datagen",
        abstract: "Generate, load, check and split knowledge-injection data (JSONL in and out).",
        discussion: """
        Offline (no model): `facts` invents novel facts with seven phrasings each, `stories --facts` weaves them into \
        stories with grounded QA, `mask`, `split` and `similarity` build and measure sets. With a model (--model PATH: \
        a GGUF file or Hugging Face directory): `stories --plotlines`, `qa`, `facts --articles`, `rephrase` run the \
        seeds' prompts, validate what comes back, append as they go and resume when rerun. See Docs/DataGeneration.md.
        """,
        subcommands: [DataGenFactsCommand.self, DataGenStoriesCommand.self, DataGenQACommand.self,
                      DataGenRephraseCommand.self, DataGenMaskCommand.self, DataGenSplitCommand.self,
                      DataGenSimilarityCommand.self])
}

/// The options every LLM step shares.
struct LLMStepOptions: ParsableArguments {
    @Option(help: "The model: a GGUF file or Hugging Face directory (default: the default model, SmolLM2-135M-Instruct), or an OpenAI-compatible server URL.")
    var model: String?
    @Option(help: "The model name to ask a --model server for (default: the first it lists).") var modelName: String?
    @Option(help: "The environment variable holding the server's API key (sent as a Bearer token, never printed).")
    var apiKeyEnv: String?
    @Option(help: "Largest number of new tokens per response (default: the step's).") var maxTokens: Int?
    @Option(help: "Sampling temperature (default: the step's, as the seeds used).") var temperature: Double?
    @Option(help: "Seed: of the sampler for --model steps; of the world (facts) or the weaving (stories) offline.")
    var seed: UInt64 = 0
    @Option(help: "Prompts per generate call (one batch on a local model).") var batchSize = 8
    @Option(help: "Generate calls in flight at once (for servers).") var concurrency = 1
    @Option(help: "The rejects file (default: the output with .rejected.jsonl).") var rejects: String?
    @Flag(help: "No progress line on stderr.") var quiet = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        if (modelName != nil || apiKeyEnv != nil) && !GeneratorSource(pathOrURL: model ?? "").isServer {
            throw ValidationError("--model-name and --api-key-env are for a --model server URL (http://...)")
        }
    }

    func parameters(_ defaults: SamplingParameters) throws -> SamplingParameters {
        var parameters = defaults
        if let maxTokens { parameters.maxTokens = maxTokens }
        if let temperature { parameters.temperature = temperature }
        parameters.seed = seed
        do { try parameters.validate() } catch let error as InvalidSamplingParameter {
            throw ValidationError(error.description(naming: "--" + error.parameter.rawValue))
        }
        return parameters
    }

    /// Runs a step over items into `output`, with a progress line and the summary on stderr.
    func run<Step: GenerationStep>(_ step: Step, items: [PipelineItem], output: String) async throws {
        let path = model ?? ModelOptions(model: nil, adapter: nil).modelPath
        if case .local = GeneratorSource(pathOrURL: path), !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("model not found at \(path); pass --model or run scripts/fetch-default-model.sh")
        }
        let generator = try await makeGenerator(pathOrURL: path, modelName: modelName, apiKeyEnvironmentVariable: apiKeyEnv,
                                                maxConcurrentRequests: max(16, concurrency * batchSize))
        let pipeline = GenerationPipeline(step: step, generator: generator,
                                          parameters: try parameters(step.defaultParameters), batchSize: batchSize,
                                          concurrency: concurrency)
        let quiet = self.quiet
        let summary = try await pipeline.run(items: items, output: output, rejects: rejects) { progress in
            guard !quiet else { return }
            let eta = progress.etaSeconds.map { String(format: " ETA %.0fs", $0) } ?? ""
            FileHandle.standardError.write(Data("\r\(step.name): \(progress.done)/\(progress.total) items, \(progress.kept) rows kept, \(progress.failed) failed\(eta)   ".utf8))
        }
        if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
        FileHandle.standardError.write(Data((summary.description + "\n").utf8))
    }
}

/// Reports a library error as one line on stderr and a failing exit status.
func runReportingErrors(_ command: String, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("imprint datagen \(command): \(error)\n".utf8))
        throw ExitCode.failure
    }
}

struct DataGenFactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facts",
        abstract: "Invent novel facts (offline), load seed 003's QA files, or extract atomic facts from articles (--model).",
        discussion: """
        Without --from or --articles: --count facts about a seeded fictional world, each with a statement, a short \
        answer and aliases, seven phrasings (question, rephrased_1 … rephrased_6) and distractors; the same --seed gives \
        the same file byte for byte. --from PATH reads seed 003's qa_pairs.json, Rephrased_QA.jsonl or its CSVs, removes \
        the stray quotes, assigns ids (rg-NNNNN from the row) and reports the counts. --articles PATH asks --model for \
        atomic facts from each article (seed 003's extracted-news CSV or JSONL with "text").
        """)

    @Option(help: "The output fact table (.jsonl, or .csv).") var output: String
    @Option(help: "How many facts to invent.") var count = 1_000
    @Option(help: "Difficulty preset: easy, standard or hard.") var difficulty = "standard"
    @Option(help: "Relations to draw from, comma-separated (default: the preset's).") var relations: String?
    @Option(help: "Facts per entity (default: the preset's).") var factsPerEntity: Int?
    @Option(help: "Distractors per fact (default: the preset's).") var distractors: Int?
    @Option(help: "Chance a person shares a given or family name with another, in [0, 1] (default: the preset's).")
    var confusableNames: Double?
    @Option(help: "Load and clean a seed-003 file instead (qa_pairs.json, Rephrased_QA.jsonl, CSV).") var from: String?
    @Option(help: "With --from: keep-first (drop later rows of a repeated fact) or keep-all.") var repeated = "keep-first"
    @Option(help: "Extract atomic facts from these articles with --model instead.") var articles: String?
    @Option(help: "With --articles: facts per article.") var factsPerArticle = 2
    @OptionGroup var llm: LLMStepOptions

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be non-negative") }
        guard FactTable.RepeatedFacts(rawValue: repeated) != nil else {
            throw ValidationError("--repeated must be keep-first or keep-all")
        }
        if from != nil && articles != nil { throw ValidationError("give --from or --articles, not both") }
        _ = try factDifficulty()
    }

    func factDifficulty() throws -> FactDifficulty {
        guard var settings = FactDifficulty.named(difficulty) else {
            throw ValidationError("--difficulty must be easy, standard or hard")
        }
        if let relations { settings.relations = relations.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let factsPerEntity { settings.factsPerEntity = factsPerEntity }
        if let distractors { settings.distractors = distractors }
        if let confusableNames { settings.confusableNames = confusableNames }
        if let problem = settings.problem() { throw ValidationError(problem) }
        return settings
    }

    func run() async throws {
        try await runReportingErrors("facts") {
            if let from {
                let (facts, report) = try FactTable.read(path: from, repeated: FactTable.RepeatedFacts(rawValue: repeated)!)
                try FactTable.write(facts, to: output)
                FileHandle.standardError.write(Data("\(report)\n".utf8))
            } else if let articles {
                try await llm.run(AtomicFactStep(factsPerArticle: factsPerArticle),
                                  items: try PipelineInputs.articles(path: articles), output: output)
            } else {
                let facts = try NovelFactGenerator(seed: llm.seed, difficulty: try factDifficulty()).facts(count: count)
                try FactTable.write(facts, to: output)
                FileHandle.standardError.write(Data("\(facts.count) facts written to \(output)\n".utf8))
            }
        }
    }
}

struct DataGenStoriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stories",
        abstract: "Weave facts into stories with grounded QA (offline), or write stories from plotlines (--model).",
        discussion: """
        --facts F: one paragraph per 4–6 facts in a chronicle's style; --qa-output gets seed 000's triplets \
        {story_id, plotline, question, answer, context, fact_id}, each context a sentence of the story. \
        --plotlines F (seed 000's stories.txt, or JSONL with "plotline"): seed 000's story prompt through --model.
        """)

    @Option(help: "The stories (JSONL: story_id, title, plotline, story).") var output: String
    @Option(help: "Facts to weave (a fact table).") var facts: String?
    @Option(help: "With --facts: where the stories' QA triplets go.") var qaOutput: String?
    @Option(help: "Plotlines to write stories for with --model.") var plotlines: String?
    @OptionGroup var llm: LLMStepOptions

    func validate() throws {
        guard (facts == nil) != (plotlines == nil) else { throw ValidationError("give --facts (offline) or --plotlines (with --model)") }
        if plotlines != nil && qaOutput != nil { throw ValidationError("--qa-output goes with --facts; run `datagen qa` on the stories") }
    }

    func run() async throws {
        try await runReportingErrors("stories") {
            if let plotlines {
                try await llm.run(StoryStep(), items: try PipelineInputs.plotlines(path: plotlines), output: output)
                return
            }
            let (facts, _) = try FactTable.read(path: facts!, repeated: .keepAll)
            let stories = StoryWeaver(seed: llm.seed).stories(from: facts)
            try JSONLines.write(stories.map { story in
                .object([("story_id", .string(story.id)), ("title", .string(story.title)),
                         ("plotline", .string(story.plotline)), ("story", .string(story.text))])
            }, to: output)
            if let qaOutput {
                try JSONLines.write(stories.flatMap { story in
                    story.questions.map { question in
                        JSONValue.object([("story_id", .string(story.id)), ("plotline", .string(story.plotline)),
                                          ("question", .string(question.question)), ("answer", .string(question.answer)),
                                          ("context", .string(question.context)), ("fact_id", .string(question.factID ?? ""))])
                    }
                }, to: qaOutput)
            }
            FileHandle.standardError.write(Data("\(stories.count) stories from \(facts.count) facts written to \(output)\n".utf8))
        }
    }
}

struct DataGenQACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qa",
        abstract: "QA triplets from stories, or a question and answer per fact (--model).",
        discussion: """
        --stories F|DIR (JSONL from `datagen stories`, or seed 000's directory): seed 000's QA prompt; a triplet is kept \
        only when its context is verbatim in the story, its answer in the context and at most 3 words. --facts F (rows \
        with "fact"): one question and answer per fact in seed 003's format. Near-duplicate questions (Jaccard >= 0.9) \
        are dropped; everything dropped goes with its reason to the rejects file.
        """)

    @Option(help: "The output (JSONL).") var output: String
    @Option(help: "Stories to ask about.") var stories: String?
    @Option(help: "Facts to write one question for each.") var facts: String?
    @Option(help: "With --stories: triplets asked per story.") var questionsPerStory = 8
    @OptionGroup var llm: LLMStepOptions

    func validate() throws {
        guard (stories == nil) != (facts == nil) else { throw ValidationError("give --stories or --facts") }
    }

    func run() async throws {
        try await runReportingErrors("qa") {
            if let stories {
                try await llm.run(StoryQuestionStep(questionsPerStory: questionsPerStory),
                                  items: try PipelineInputs.stories(path: stories), output: output)
            } else {
                try await llm.run(FactQuestionStep(), items: try PipelineInputs.facts(path: facts!), output: output)
            }
        }
    }
}

struct DataGenRephraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rephrase",
        abstract: "Six rephrasings of each question with seed 003's prompt (--model).",
        discussion: """
        Input: rows with "question" (seed 003's qa_pairs.json, the output of `datagen qa --facts`, a fact table). Output: \
        the row with rephrased_1 … rephrased_6, the shape of seed 003's Rephrased_QA.jsonl. Rephrasings that copy the \
        question (Jaccard >= 0.9) or each other are dropped; fewer than six left is retried once with the reason.
        """)

    @Option(help: "The questions (JSONL, JSON array or CSV).") var input: String
    @Option(help: "The output (JSONL).") var output: String
    @OptionGroup var llm: LLMStepOptions

    func run() async throws {
        try await runReportingErrors("rephrase") {
            try await llm.run(RephraseStep(), items: try PipelineInputs.questions(path: input), output: output)
        }
    }
}
