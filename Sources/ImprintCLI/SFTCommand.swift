import ArgumentParser
import Foundation
import ImprintModel
import ImprintSFT
import ImprintTokenizer

/// `imprint sft [--model PATH] --data F.jsonl --output DIR [...]`: supervised fine-tuning with LoRA (default) or of
/// every weight; without `--model`, of the default model as every other command.
struct SFTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Supervised fine-tuning (LoRA or full) on prompt/completion, messages or text JSONL.",
        discussion: """
        Data: JSONL rows {"text"}, {"prompt", "completion"} (strings or message lists), {"messages": [...]} or \
        {"conversations": [...]}; a .json file may hold an array of such rows. The loss is on completion / \
        assistant tokens unless --all-tokens. Writes into --output: the PEFT adapter (adapter_config.json, \
        adapter_model.safetensors) or, with --full, model.safetensors; metrics.jsonl; loss.svg; and \
        checkpoint-<step>/ folders that --resume continues from. Defaults are TRL's SFTConfig.
        """
    )

    @Option(help: "The model: a GGUF file or a Hugging Face directory (default: the default model, SmolLM2-135M-Instruct).")
    var model: String?
    @Option(help: "The training data (JSONL, or a JSON array of rows).")
    var data: String
    @Option(help: "The output folder.")
    var output: String
    @Option(help: "Held-out evaluation data (default: --eval-fraction of --data).")
    var evalData: String?
    @OptionGroup var qaEvaluation: QAEvaluationOptions

    @Option(help: "Peak learning rate.") var learningRate: Float = SFTConfiguration().learningRate
    @Option(help: "Schedule after warmup: constant, linear or cosine.") var schedule: String = SFTConfiguration().schedule.rawValue
    @Option(help: "Linear warmup steps.") var warmupSteps: Int = SFTConfiguration().warmupSteps
    @Option(help: "Passes over the data (when --max-steps is 0).") var epochs: Int = SFTConfiguration().epochs
    @Option(help: "Optimizer steps (0: from --epochs).") var maxSteps: Int = SFTConfiguration().maxSteps
    @Option(help: "Examples per micro-batch.") var batchSize: Int = SFTConfiguration().batchSize
    @Option(help: "Micro-batches per optimizer step.") var gradientAccumulation: Int = SFTConfiguration().gradientAccumulationSteps
    @Option(help: "Gradient-norm clip (0: none).") var maxGradNorm: Float = SFTConfiguration().maxGradNorm
    @Option(help: "AdamW weight decay.") var weightDecay: Float = SFTConfiguration().weightDecay
    @Option(help: "Tokens per example (block length with --packing).") var maxLength: Int = SFTConfiguration().maxLength
    @Flag(help: "Pack examples into --max-length blocks.") var packing = false
    @Flag(help: "Mixed precision: frozen base weights in bfloat16 with float32 sums (LoRA only; AMX where available).") var bf16 = false
    @Flag(help: "Train on every token, not only completions / assistant turns.") var allTokens = false
    @Flag(help: "Keep file order instead of shuffling each epoch.") var noShuffle = false
    @Option(help: "Fraction of --data held out for evaluation.") var evalFraction: Double = 0
    @Option(help: "Evaluate every N steps (0: at the end).") var evalSteps: Int = 0
    @Option(help: "Checkpoint every N steps (0: at the end).") var saveSteps: Int = SFTConfiguration().checkpointInterval
    @Option(help: "Log metrics every N steps.") var loggingSteps: Int = 1
    @Option(help: "Random seed.") var seed: UInt64 = SFTConfiguration().seed

    @Flag(help: "Full fine-tuning instead of LoRA.") var full = false
    @Option(help: "LoRA rank.") var loraRank: Int = SFTConfiguration.LoRA().rank
    @Option(help: "LoRA alpha.") var loraAlpha: Float = SFTConfiguration.LoRA().alpha
    @Option(help: "LoRA dropout.") var loraDropout: Float = SFTConfiguration.LoRA().dropout
    @Option(help: "LoRA target modules, comma-separated, or all-linear.") var loraTargets: String = "all-linear"
    @Option(help: "Start from this PEFT adapter folder.") var adapter: String?

    @Flag(help: "Continue from the newest checkpoint in --output.") var resume = false
    @Flag(help: "Plain progress lines even on a terminal.") var plain = false

    func validate() throws {
        guard SFTConfiguration.Schedule(rawValue: schedule) != nil else {
            throw ValidationError("--schedule must be one of " + SFTConfiguration.Schedule.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if full && adapter != nil { throw ValidationError("--adapter starts a LoRA run; it cannot be combined with --full") }
        do { try configuration().validate() } catch let error as SFTConfigurationError { throw ValidationError(error.description) }
    }

    func configuration() -> SFTConfiguration {
        var configuration = SFTConfiguration()
        configuration.learningRate = learningRate
        configuration.schedule = SFTConfiguration.Schedule(rawValue: schedule) ?? .linear
        configuration.warmupSteps = warmupSteps
        configuration.epochs = epochs
        configuration.maxSteps = maxSteps
        configuration.batchSize = batchSize
        configuration.gradientAccumulationSteps = gradientAccumulation
        configuration.maxGradNorm = maxGradNorm
        configuration.weightDecay = weightDecay
        configuration.maxLength = maxLength
        configuration.packing = packing
        configuration.bfloat16FrozenWeights = bf16
        configuration.completionOnlyLoss = !allTokens
        configuration.shuffle = !noShuffle
        configuration.evaluationFraction = evalFraction
        configuration.evaluationInterval = evalSteps
        configuration.checkpointInterval = saveSteps
        configuration.logInterval = loggingSteps
        configuration.seed = seed
        configuration.lora = full ? nil : SFTConfiguration.LoRA(
            rank: loraRank, alpha: loraAlpha, dropout: loraDropout,
            targetModules: loraTargets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        configuration.initialAdapterPath = adapter
        return configuration
    }

    func run() async throws {
        do {
            let modelOptions = ModelOptions(model: model, adapter: nil)  // --adapter here starts training, see configuration()
            let decoder = try modelOptions.loadModel()
            let tokenizer = try PretrainedTokenizer.load(modelPath: modelOptions.modelPath)
            let trainer = try SFTTrainer(model: decoder, tokenizer: tokenizer, dataset: SFTDataset(path: data),
                                         evaluationDataset: try evalData.map(SFTDataset.init(path:)),
                                         configuration: configuration(), outputDirectory: URL(fileURLWithPath: output))
            reportPrecisionFallback(of: decoder)
            let printer = SFTProgressPrinter(plain: plain)
            let evaluation = try qaEvaluation.periodicEvaluation(model: decoder, tokenizer: tokenizer)
            try await trainer.train(resume: resume, evaluation: evaluation) { printer.show($0) }
        } catch {
            FileHandle.standardError.write(Data("imprint sft: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
