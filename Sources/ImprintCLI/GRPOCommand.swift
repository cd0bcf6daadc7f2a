import ArgumentParser
import Dispatch
import Foundation
import Imprint
import ImprintGenerators

/// `imprint grpo --data F.jsonl --output DIR --reward NAME[:WEIGHT] [...]`: GRPO with TRL 1.16's math.
struct GRPOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grpo",
        abstract: "Group Relative Policy Optimization (TRL's GRPOTrainer math) with LoRA or full fine-tuning.",
        discussion: """
        Data: JSONL (or a JSON array) of prompt-only rows, {"prompt": "text"} or {"prompt": [messages]}, every other \
        column passed to the rewards (reference/answer, question, fact, fact_id, phrasing_id, ...); seed 000's \
        {"conversations": [user, assistant]} rows load as they are (the assistant's text is the reference). \
        Rewards (a judge is --judge-model: a model or a server): \(RewardSpecification.help). --batch-size counts completions per micro-batch, as TRL's \
        per_device_train_batch_size: prompts per step = batch size × accumulation / generations. Writes into \
        --output: the PEFT adapter (or, with --full, model.safetensors), metrics.jsonl (TRL's names), completions.jsonl, \
        reward.svg and checkpoint-<step>/ folders that --resume continues from. Ctrl-C stops after the current step \
        with a checkpoint. Defaults are TRL 1.16's GRPOConfig except --max-completion-length (256, not 512: a CPU \
        decodes token by token) and metrics logged every step (not every 10).
        """
    )

    @Option(help: "The model: a GGUF file or a Hugging Face directory (default: the default model, SmolLM2-135M-Instruct).")
    var model: String?
    @Option(help: "The prompts (JSONL, or a JSON array of rows).") var data: String
    @Option(help: "The output folder.") var output: String
    @Option(help: "A reward, NAME[:WEIGHT]; repeat for several (weighted sum).") var reward: [String] = []
    @Option(help: "The judge of --reward judge: a GGUF file, a Hugging Face directory, or an OpenAI-compatible server's URL (http://127.0.0.1:8000/v1).")
    var judgeModel: String?
    @Option(help: "The model name sent to a --judge-model server (default: the first it lists at /v1/models).")
    var judgeModelName: String?
    @Option(help: ArgumentHelp("The environment variable holding the --judge-model server's API key (sent as a bearer token, never printed).",
                               valueName: "NAME"))
    var apiKeyEnv: String?
    @Option(help: "Start from this PEFT adapter, merged into the frozen weights (e.g. the SFT adapter).") var adapter: String?
    @OptionGroup var qaEvaluation: QAEvaluationOptions

    @Flag(help: "Full fine-tuning instead of LoRA.") var full = false
    @Option(help: "LoRA rank.") var loraRank: Int = LoRASettings().rank
    @Option(help: "LoRA alpha.") var loraAlpha: Float = LoRASettings().alpha
    @Option(help: "LoRA target modules, comma-separated, or all-linear.") var loraTargets: String = "all-linear"

    @Option(help: "Completions per prompt (G).") var numGenerations = GRPOConfiguration().numGenerations
    @Option(help: "Completions per micro-batch.") var batchSize = GRPOConfiguration().batchSize
    @Option(help: "Micro-batches per optimizer step.") var gradientAccumulationSteps = GRPOConfiguration().gradientAccumulationSteps
    @Option(help: "Largest completion in tokens.") var maxCompletionLength = GRPOConfiguration().maxCompletionLength
    @Option(help: "Largest prompt in tokens (default: the context less --max-completion-length).") var maxPromptLength: Int?
    @Flag(help: "Keep the last --max-prompt-length tokens of a longer prompt instead of stopping.") var truncatePrompts = false
    @Option(help: "Sampling temperature (> 0).") var temperature = GRPOConfiguration().temperature
    @Option(help: "Nucleus sampling, in (0, 1].") var topP = GRPOConfiguration().topP
    @Option(help: "Top-k sampling (0 = off).") var topK = GRPOConfiguration().topK
    @Option(help: "Min-p sampling (0 = off).") var minP = GRPOConfiguration().minP

    @Option(help: "KL coefficient against the starting policy.") var beta = GRPOConfiguration().beta
    @Option(help: "Lower clip ε.") var epsilon = GRPOConfiguration().epsilon
    @Option(help: "Upper clip ε (default: --epsilon).") var epsilonHigh: Double?
    @Option(help: "Cap on the unclipped ratio (two-sided GRPO).") var delta: Double?
    @Option(help: "grpo, bnpo, dr_grpo or dapo.") var lossType: String = GRPOConfiguration().lossType.rawValue
    @Option(help: "group, batch or none.") var scaleRewards: String = GRPOConfiguration().scaleRewards.rawValue
    @Option(help: "token or sequence (GSPO).") var importanceSampling: String = GRPOConfiguration().importanceSamplingLevel.rawValue
    @Flag(help: "Leave completions cut at the length limit out of the loss.") var maskTruncatedCompletions = false
    @Option(help: "Optimizer steps per generation batch (μ).") var numIterations = GRPOConfiguration().numIterations

    @Option(help: "Peak learning rate.") var learningRate = GRPOConfiguration().learningRate
    @Option(help: "Schedule after warmup: constant, linear or cosine.") var schedule: String = GRPOConfiguration().schedule.rawValue
    @Option(help: "Linear warmup steps.") var warmupSteps = GRPOConfiguration().warmupSteps
    @Option(help: "Gradient-norm clip (0: none).") var maxGradNorm = GRPOConfiguration().maxGradNorm
    @Option(help: "AdamW weight decay.") var weightDecay = GRPOConfiguration().weightDecay
    @Option(help: "Optimizer steps (0: from --epochs).") var maxSteps = GRPOConfiguration().maxSteps
    @Option(help: "Passes over the prompts (when --max-steps is 0).") var epochs = GRPOConfiguration().epochs
    @Option(help: "Keep rows with the same value of this column (e.g. fact_id) in one step.") var groupBy: String?
    @Flag(help: "Keep file order instead of shuffling each epoch.") var noShuffle = false
    @Option(help: "Checkpoint every N steps (0: at the end).") var saveSteps = GRPOConfiguration().checkpointInterval
    @Option(help: "Log metrics every N steps.") var loggingSteps = GRPOConfiguration().logInterval
    @Flag(help: "Mixed precision: frozen base weights in bfloat16 with float32 sums (LoRA only).") var bf16 = false
    @Option(help: "Random seed.") var seed = GRPOConfiguration().seed

    @Flag(help: "Continue from the newest checkpoint in --output (refused if the settings differ).") var resume = false
    @Flag(help: "Plain progress lines even on a terminal.") var plain = false

    func validate() throws {
        guard !reward.isEmpty else { throw ValidationError("give at least one --reward; \(RewardSpecification.help)") }
        let specifications: [RewardSpecification]
        do {
            specifications = try reward.map { try RewardSpecification($0) }
        } catch let error as RewardSpecificationError {
            throw ValidationError("--reward \(error)")
        }
        if let needy = specifications.first(where: \.needsJudge), judgeModel == nil {
            throw ValidationError("--reward \(needy.name) needs --judge-model PATH|URL")
        }
        let judgeIsServer = judgeModel.map { GeneratorSource(pathOrURL: $0).isServer } ?? false
        if !judgeIsServer && (judgeModelName != nil || apiKeyEnv != nil) {
            throw ValidationError("--judge-model-name and --api-key-env are for a --judge-model server URL (http://...)")
        }
        if let apiKeyEnv, (ProcessInfo.processInfo.environment[apiKeyEnv] ?? "").isEmpty {
            throw ValidationError("--api-key-env \(apiKeyEnv): the environment variable \(apiKeyEnv) is not set")
        }
        do { try configuration().validate() } catch let error as GRPOConfigurationError { throw ValidationError(error.description) }
    }

    func configuration() throws -> GRPOConfiguration {
        func parse<Value: RawRepresentable>(_ value: String, _ option: String) throws -> Value
        where Value.RawValue == String, Value: CaseIterable {
            guard let parsed = Value(rawValue: value) else {
                throw ValidationError("--\(option) must be one of " + Value.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return parsed
        }
        var configuration = GRPOConfiguration()
        configuration.learningRate = learningRate
        configuration.schedule = try parse(schedule, "schedule")
        configuration.warmupSteps = warmupSteps
        configuration.maxGradNorm = maxGradNorm
        configuration.weightDecay = weightDecay
        configuration.maxSteps = maxSteps
        configuration.epochs = epochs
        configuration.batchSize = batchSize
        configuration.gradientAccumulationSteps = gradientAccumulationSteps
        configuration.numGenerations = numGenerations
        configuration.maxCompletionLength = maxCompletionLength
        configuration.maxPromptLength = maxPromptLength
        configuration.promptTruncation = truncatePrompts ? .left : .refuse
        configuration.temperature = temperature
        configuration.topP = topP
        configuration.topK = topK
        configuration.minP = minP
        configuration.beta = beta
        configuration.epsilon = epsilon
        configuration.epsilonHigh = epsilonHigh
        configuration.delta = delta
        configuration.lossType = try parse(lossType, "loss-type")
        configuration.scaleRewards = try parse(scaleRewards, "scale-rewards")
        configuration.importanceSamplingLevel = try parse(importanceSampling, "importance-sampling")
        configuration.maskTruncatedCompletions = maskTruncatedCompletions
        configuration.numIterations = numIterations
        configuration.rewardWeights = try reward.map { try RewardSpecification($0).weight }
        configuration.lora = full ? nil : LoRASettings(
            rank: loraRank, alpha: loraAlpha,
            targetModules: loraTargets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        configuration.initialAdapterPath = adapter
        configuration.bfloat16FrozenWeights = bf16
        configuration.shuffle = !noShuffle
        configuration.groupByColumn = groupBy
        configuration.seed = seed
        configuration.checkpointInterval = saveSteps
        configuration.logInterval = loggingSteps
        return configuration
    }

    func run() async throws {
        do {
            let modelOptions = ModelOptions(model: model, adapter: nil)  // --adapter is merged by the trainer
            // LoRA trains on frozen weights: a GGUF's blocks stay as they are in the file (their exact float values,
            // 4-6x less memory to stream per decoding step); full fine-tuning needs them as float32 parameters.
            let decoder = try modelOptions.loadModel(keepQuantized: !full && ProcessInfo.processInfo.environment["IMPRINT_GRPO_DENSE"] == nil)
            let tokenizer = try PretrainedTokenizer.load(modelPath: modelOptions.modelPath)
            var judge: (any TextGenerator)? = nil
            if let judgeModel {
                judge = try await makeGenerator(pathOrURL: judgeModel, modelName: judgeModelName, apiKeyEnvironmentVariable: apiKeyEnv)
            }
            let configuration = try configuration()
            let rewards = try reward.map { try RewardSpecification($0).reward(judge: judge, batchSize: configuration.batchSize * configuration.gradientAccumulationSteps) }
            let trainer = try GRPOTrainer(model: decoder, tokenizer: tokenizer, dataset: GRPODataset(path: data), rewards: rewards,
                                          configuration: configuration, outputDirectory: URL(fileURLWithPath: output))
            reportPrecisionFallback(of: decoder)
            let printer = GRPOProgressPrinter(plain: plain)
            // Ctrl-C or SIGTERM cancels the training task, which stops after the current step with a checkpoint.
            let evaluation = try qaEvaluation.periodicEvaluation(model: decoder, tokenizer: tokenizer)
            let training = Task { try await trainer.train(resume: resume, evaluation: evaluation) { printer.show($0) } }
            let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { training.cancel() }
                source.resume()
                return source
            }
            defer { signals.forEach { $0.cancel() } }
            let summary = try await training.value
            if summary.cancelled { throw ExitCode(130) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("imprint grpo: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
