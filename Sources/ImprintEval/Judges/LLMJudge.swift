import ImprintCore
import ImprintRewards

/// An LLM as judge: any `TextGenerator` (a local model, a server) reads each answer with a prompt template and
/// states a verdict, which `VerdictParser` reads — the templates, parser and batching (`JudgeBatches`) that
/// `JudgeReward` uses in GRPO, so training rewards and evaluation judge one way.
///
/// The seeds' prompts:
/// - `.yesNo` — seed 000's `full_eval.py` judge (`JudgePromptTemplate.storyYesNo`): question, expected and
///   generated answer, "Answer with just 'yes' or 'no'." The seed counted only an exact `yes`; here the robust
///   parser reads `Yes.`, `**yes**` and `yes, it does` as correct, `No.` as incorrect, anything else unparseable.
/// - `.finalVerdict` — seed 003's GRPO judge (`judge_prompt.txt` + the atomic fact, question and answer;
///   `JudgePromptTemplate.atomicFactGRPO`), verdict `Final Verdict: 1` or `-1`. Needs each row's `fact`.
/// - `.finalVerdictEvaluation` — seed 003's more lenient evaluation judge (`judge.py`,
///   `JudgePromptTemplate.atomicFactEvaluation`). Needs each row's `fact`.
///
/// Prompts go to the judge in batches of `batchSize`, greedy by default. With a `cache`, a prompt the judge was
/// already asked (same prompt, judge identity and sampling) is answered from the cache (`Judgment.cacheHit`), and
/// every new output is stored as soon as its batch returns, so an interrupted evaluation loses no judgment.
public struct LLMJudge: Judge {
    /// The seeds' judge prompts.
    public enum Prompt: String, Codable, CaseIterable, Sendable {
        case yesNo = "yesno"
        case finalVerdict = "verdict"
        case finalVerdictEvaluation = "verdict-eval"

        public var template: JudgePromptTemplate {
            switch self {
            case .yesNo: return .storyYesNo
            case .finalVerdict: return .atomicFactGRPO
            case .finalVerdictEvaluation: return .atomicFactEvaluation
            }
        }

        /// Greedy, with room for the format: a word for yes/no, the reasoning and verdict line otherwise (seed 003's
        /// GRPO judge had 300 tokens).
        public var defaultSampling: SamplingParameters {
            .greedy(maxTokens: self == .yesNo ? 16 : 300)
        }
    }

    public var generator: any TextGenerator
    public var template: JudgePromptTemplate
    public var parser: VerdictParser
    /// The prompt's name in `identity` (`yesno`, `verdict`, or a custom template's).
    public var promptName: String
    public var sampling: SamplingParameters
    public var batchSize: Int
    /// Judge calls in flight at once (1 for a local model, which runs one batch at a time anyway).
    public var maxConcurrentBatches: Int
    public var cache: JudgeCache?

    /// A judge with one of the seeds' prompts and the robust parser.
    public init(generator: any TextGenerator, prompt: Prompt = .finalVerdict, sampling: SamplingParameters? = nil,
                batchSize: Int = 16, maxConcurrentBatches: Int = 1, cache: JudgeCache? = nil) {
        self.init(generator: generator, template: prompt.template, parser: .robust, promptName: prompt.rawValue,
                  sampling: sampling ?? prompt.defaultSampling, batchSize: batchSize,
                  maxConcurrentBatches: maxConcurrentBatches, cache: cache)
    }

    /// A judge with any template and parser.
    public init(generator: any TextGenerator, template: JudgePromptTemplate, parser: VerdictParser = .robust,
                promptName: String, sampling: SamplingParameters, batchSize: Int = 16, maxConcurrentBatches: Int = 1,
                cache: JudgeCache? = nil) {
        precondition(batchSize > 0 && maxConcurrentBatches > 0,
                     "LLMJudge: batchSize \(batchSize) and maxConcurrentBatches \(maxConcurrentBatches) must be positive")
        self.generator = generator
        self.template = template
        self.parser = parser
        self.promptName = promptName
        self.sampling = sampling
        self.batchSize = batchSize
        self.maxConcurrentBatches = maxConcurrentBatches
        self.cache = cache
    }

    public var identity: String { "llm[\(promptName)]:\(generator.identity)" }

    /// The prompt the judge reads for `item`.
    public func prompt(for item: JudgeItem) -> GenerationPrompt {
        template.render(fact: item.fact, question: item.question, answer: item.answer, reference: item.reference)
    }

    /// - Throws: `LLMJudgeError.missingFact` when the template reads the fact and an item has none;
    ///   `.judgeFailed` when a batch of judge calls failed (the judgments of the other batches are cached first);
    ///   `JudgeCacheError` when the cache cannot be written; `CancellationError`.
    public func judge(_ items: [JudgeItem]) async throws -> [Judgment] {
        if template.placeholders.contains(.fact), let missing = items.first(where: { $0.fact == nil }) {
            throw LLMJudgeError.missingFact(question: missing.question, prompt: promptName)
        }
        let prompts = items.map(prompt(for:))
        var judgments = [Judgment?](repeating: nil, count: items.count)
        var pending: [Int] = []
        for (index, prompt) in prompts.enumerated() {
            if let output = cache?.output(for: prompt, judge: generator.identity, sampling: sampling) {
                judgments[index] = judgment(of: output, cacheHit: true)
            } else {
                pending.append(index)
            }
        }
        let batches = JudgeBatches(judge: generator, sampling: sampling, batchSize: batchSize,
                                   maxConcurrentBatches: maxConcurrentBatches)
        var failure: JudgeBatches.Failure?
        for (index, result) in zip(pending, try await batches.outputs(for: pending.map { prompts[$0] })) {
            switch result {
            case .success(let output):
                try cache?.store(output, for: prompts[index], judge: generator.identity, sampling: sampling)
                judgments[index] = judgment(of: output, cacheHit: false)
            case .failure(let error):
                failure = failure ?? error
            }
        }
        if let failure { throw LLMJudgeError.judgeFailed(judge: identity, reason: failure.description) }
        return judgments.map { $0! }
    }

    func judgment(of output: String, cacheHit: Bool) -> Judgment {
        let verdict: Verdict
        switch parser.parse(output) {
        case .correct?: verdict = .correct
        case .incorrect?: verdict = .incorrect
        case nil: verdict = .unparseable
        }
        return Judgment(verdict: verdict, rawOutput: output, cacheHit: cacheHit)
    }
}

/// Why an LLM judge could not judge.
public enum LLMJudgeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The prompt reads the atomic fact and a row has none.
    case missingFact(question: String, prompt: String)
    /// The judge model could not be asked (its error); judgments already made are in the cache.
    case judgeFailed(judge: String, reason: String)

    public var description: String {
        switch self {
        case .missingFact(let question, let prompt):
            return "the judge prompt '\(prompt)' reads each row's \"fact\", and the question \"\(question)\" has none "
                + "(give the rows a fact, or judge with the yes/no prompt, which reads the reference answer)"
        case .judgeFailed(let judge, let reason):
            return "the judge \(judge) failed: \(reason) (judgments already made are cached; run again to continue)"
        }
    }
}
