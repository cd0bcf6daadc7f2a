import Foundation
import ImprintCore
import ImprintModel
import ImprintRewards
import ImprintTensor
import ImprintTokenizer
@_exported import ImprintTraining

/// Group Relative Policy Optimization with TRL 1.16 `GRPOTrainer`'s math, on a CPU: sample `G` completions per
/// prompt, score them with rewards, turn the rewards into group-relative advantages (`GRPOAdvantages`) and take the
/// clipped-ratio policy-gradient step (`GRPOLoss`), with an optional KL penalty against the starting policy.
///
/// ```swift
/// let model = try ModelLoader.load(path: modelPath)
/// let tokenizer = try PretrainedTokenizer.load(modelPath: modelPath)
/// var configuration = GRPOConfiguration()
/// configuration.learningRate = 1e-5
/// configuration.numGenerations = 4
/// configuration.beta = 0.04
/// let trainer = try GRPOTrainer(model: model, tokenizer: tokenizer, dataset: GRPODataset(path: "prompts.jsonl"),
///                               rewards: [DifflibReward()], configuration: configuration,
///                               outputDirectory: URL(fileURLWithPath: "out"))
/// let printer = GRPOProgressPrinter()
/// try await trainer.train { printer.show($0) }
/// // out/adapter_model.safetensors, metrics.jsonl, completions.jsonl, reward.svg, checkpoint-*/
/// ```
///
/// Each optimizer step: a generation batch (`promptsPerStep` prompts × `numGenerations` completions) is sampled
/// with the current policy (every `numIterations` steps), scored by every reward concurrently, and trained on in
/// `gradientAccumulationSteps` micro-batches of `batchSize` completions. Old log-probabilities (μ > 1) and the
/// reference's (β ≠ 0) are computed once per generation batch, before its first update. With LoRA the reference is
/// the model with the adapter disabled (no second copy); with full fine-tuning, a frozen copy of the start.
///
/// Runs are reproducible: the same seed gives the same completions, rewards and adapter bytes, and a run resumed
/// from a checkpoint equals the uninterrupted one bit for bit (for a fixed thread count).
public final class GRPOTrainer {
    public let model: TransformerDecoder
    public let tokenizer: any Tokenizer
    public let dataset: GRPODataset
    public let rewards: [any Reward]
    public let configuration: GRPOConfiguration
    /// The run's output folder: final weights, `metrics.jsonl`, `completions.jsonl`, `reward.svg`, `checkpoint-<step>/`.
    public let outputDirectory: URL
    public let dataOrder: GRPODataOrder
    /// The adapter being trained (nil for full fine-tuning, and before `train` sets the model up).
    public private(set) var adapter: LoRAAdapter?
    /// Replaces sampling (TRL's `rollout_func`): given the prompts' ids and the generation batch's index, returns
    /// `numGenerations` completions per prompt, prompt by prompt. Tests use it to train on fixed completions.
    public var rolloutFunction: (([[Int]], Int) throws -> [[Int]])?

    /// Each example's prompt ids (after `maxPromptLength` truncation when allowed).
    let promptIds: [[Int]]
    private let weights: [Double]
    private let stopTokenIds: Set<Int>
    private let padTokenId: Int
    private var referenceModel: TransformerDecoder?
    private var notices: [String] = []

    /// Encodes the prompts and checks the configuration; the model is changed only by `train`.
    ///
    /// - Parameter adapter: a trainable adapter already attached to `model` to train further, as TRL trains a
    ///   `PeftModel` it is given (the KL reference is then the model with it disabled); nil attaches a fresh one
    ///   from `configuration.lora`.
    /// - Throws: `GRPOConfigurationError`, `GRPOTrainingError.promptTooLong` naming the row, or a chat template's
    ///   error.
    public init(model: TransformerDecoder, tokenizer: any Tokenizer, dataset: GRPODataset, rewards: [any Reward],
                configuration: GRPOConfiguration, outputDirectory: URL, adapter: LoRAAdapter? = nil) throws {
        try configuration.validate()
        if adapter != nil && configuration.lora == nil {
            throw GRPOConfigurationError(field: "lora", expected: "set when an adapter is given to train")
        }
        guard !rewards.isEmpty else { throw GRPOTrainingError.rewards("GRPO needs at least one reward") }
        let names = rewards.map(\.name)
        guard Set(names).count == names.count else {
            throw GRPOTrainingError.rewards("reward names must differ (they name the metrics columns): \(names)")
        }
        if let weights = configuration.rewardWeights, weights.count != rewards.count {
            throw GRPOTrainingError.rewards("\(weights.count) reward weights for \(rewards.count) rewards")
        }
        guard !dataset.examples.isEmpty else { throw GRPOTrainingError.rewards("the dataset has no prompts") }
        self.model = model
        self.tokenizer = tokenizer
        self.dataset = dataset
        self.rewards = rewards
        self.configuration = configuration
        self.outputDirectory = outputDirectory
        self.adapter = adapter
        weights = configuration.rewardWeights ?? [Double](repeating: 1, count: rewards.count)
        let local = LocalTextGenerator(model: model, tokenizer: tokenizer)
        stopTokenIds = local.stopTokenIds
        padTokenId = tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0
        let limit = configuration.maxPromptLength
            ?? Swift.max(1, model.configuration.maxPositionEmbeddings - configuration.maxCompletionLength)
        var truncated = 0
        promptIds = try dataset.examples.map { example in
            let ids = try local.encode(example.prompt)
            guard ids.count > limit else { return ids }
            guard configuration.promptTruncation == .left else {
                throw GRPOTrainingError.promptTooLong(line: example.line, tokens: ids.count, limit: limit)
            }
            truncated += 1
            return Array(ids.suffix(limit))
        }
        if truncated > 0 {
            notices.append("\(truncated) of \(dataset.examples.count) prompts were longer than \(limit) tokens and keep their last \(limit) tokens (promptTruncation: left)")
        }
        dataOrder = try GRPODataOrder(examples: dataset.examples, promptsPerBatch: configuration.promptsPerStep,
                                      shuffle: configuration.shuffle, seed: configuration.seed,
                                      groupByColumn: configuration.groupByColumn)
    }

    /// Optimizer steps in the whole run: `maxSteps`, or `numIterations` per generation batch over `epochs` passes.
    public var totalSteps: Int {
        configuration.maxSteps > 0 ? configuration.maxSteps
            : configuration.epochs * dataOrder.batchesPerEpoch * configuration.numIterations
    }

    /// Trains to `totalSteps`, reporting through `onEvent`, and writes the final adapter (or full weights),
    /// `metrics.jsonl`, `completions.jsonl` and `reward.svg` into the output folder.
    ///
    /// A cancelled task stops after the current step with a checkpoint (`GRPOSummary.cancelled`).
    ///
    /// - Parameters:
    ///   - resume: continue from the newest `checkpoint-*` in the output folder (refused, naming the fields, when
    ///     the configuration, rewards or data differ).
    ///   - evaluation: run every `interval` steps and after the last (e.g. held-out QA accuracy through
    ///     ImprintEval); its values are written to `metrics.jsonl` and reported as `.periodicEvaluation`, before
    ///     the step's checkpoint.
    /// - Throws: `TrainingError.nonFiniteLoss` (the step is not applied; the last good state is checkpointed),
    ///   `GRPOTrainingError.rewardFailed` (likewise), `TrainingError.noCheckpoint`, `.configurationChanged`,
    ///   `.invalidCheckpoint`, file errors naming their path, and what `evaluation` throws (the last good state is
    ///   checkpointed).
    @discardableResult
    public func train(resume: Bool = false, evaluation: PeriodicEvaluation? = nil,
                      onEvent: (GRPOEvent) -> Void = { _ in }) async throws -> GRPOSummary {
        let start = Date()
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let fingerprint = dataFingerprint
        var restored: (directory: URL, state: GRPOCheckpointState)?
        if resume {
            let (directory, state) = try TrainingCheckpoint.resume(GRPOCheckpointState.self, from: outputDirectory,
                                                                   configuration: configuration,
                                                                   mayChange: GRPOConfiguration.mayChangeOnResume)
            var changes: [String] = []
            if state.rewardNames != rewards.map(\.name) { changes.append("rewards: \(state.rewardNames) -> \(rewards.map(\.name))") }
            if state.dataFingerprint != fingerprint { changes.append("prompts: not the data the checkpoint was trained on") }
            if !changes.isEmpty { throw TrainingError.configurationChanged(checkpoint: directory.path, changes: changes) }
            restored = (directory, state)
        }
        let initialAdapter = configuration.initialAdapterPath.map { TrainableModel.InitialAdapter.merge(path: $0) }
        if configuration.lora == nil && configuration.beta != 0 {
            // Full fine-tuning's KL reference is a frozen copy of the starting policy, taken before a checkpoint's
            // trained weights are loaded.
            adapter = try TrainableModel.prepare(model, lora: nil, initialAdapter: initialAdapter, checkpoint: nil,
                                                 bfloat16FrozenWeights: false, seed: configuration.seed)
            referenceModel = try frozenCopy(of: model)
            if let restored { try TrainingCheckpoint.loadFullWeights(from: restored.directory, into: model) }
        } else {
            adapter = try TrainableModel.prepare(model, lora: configuration.lora, initialAdapter: initialAdapter, attached: adapter,
                                                 checkpoint: restored?.directory,
                                                 bfloat16FrozenWeights: configuration.bfloat16FrozenWeights,
                                                 seed: configuration.seed)
        }
        let parameters = model.trainableParameters()
        let optimizerStep = OptimizerStep(parameters: parameters, settings: configuration.optimizerSettings,
                                          schedule: configuration.optimizerSettings.learningRateSchedule(totalSteps: totalSteps))
        var step = 0, tokenCount = 0
        var rollout: GRPORollout? = nil
        var lastCheckpoint: URL? = nil
        if let (directory, state) = restored {
            try TrainingCheckpoint.requireCounts([
                ("step", state.step, 0...Int(Int32.max)), ("tokenCount", state.tokenCount, 0...Int.max),
                ("optimizerStep", state.optimizerStep, 0...Int(Int32.max)),
                ("dropoutGenerators.count", state.dropoutGenerators.count, adapter.map { $0.layers.count...$0.layers.count } ?? 0...Int.max),
            ], in: directory)
            if let problem = state.rollout?.inconsistency(completionsPerPrompt: configuration.numGenerations,
                                                          vocabularySize: model.configuration.vocabularySize,
                                                          datasetRows: dataset.examples.count) {
                throw TrainingError.invalidCheckpoint(path: directory.appendingPathComponent(TrainingCheckpoint.stateFileName).path,
                                                      reason: problem)
            }
            try TrainingCheckpoint.loadOptimizer(from: directory, into: optimizerStep.optimizer, step: state.optimizerStep)
            if let adapter { adapter.dropoutGenerators = state.dropoutGenerators }
            (step, tokenCount, rollout, lastCheckpoint) = (state.step, state.tokenCount, state.rollout, directory)
        }
        let log = try MetricsLog(url: outputDirectory.appendingPathComponent("metrics.jsonl"), keepingThrough: step)
        let completionsLog = try MetricsLog(url: outputDirectory.appendingPathComponent("completions.jsonl"), keepingThrough: step)
        onEvent(.started(GRPORunInfo(totalSteps: totalSteps, startStep: step, prompts: dataset.examples.count,
                                     promptsPerStep: configuration.promptsPerStep,
                                     completionsPerPrompt: configuration.numGenerations, rewardNames: rewards.map(\.name),
                                     trainableParameterCount: parameters.reduce(0) { $0 + $1.count })))
        notices.forEach { onEvent(.notice($0)) }

        func checkpoint() throws -> URL {
            let state = GRPOCheckpointState(step: step, optimizerStep: optimizerStep.optimizer.state.step, tokenCount: tokenCount,
                                            dropoutGenerators: adapter?.dropoutGenerators ?? [], configuration: configuration,
                                            rewardNames: rewards.map(\.name), dataFingerprint: fingerprint,
                                            rollout: rollout.flatMap { $0.iterationsDone < configuration.numIterations ? $0 : nil })
            let directory = try TrainingCheckpoint.save(step: step, state: state, model: model, adapter: adapter,
                                                        optimizer: optimizerStep.optimizer, in: outputDirectory)
            lastCheckpoint = directory
            onEvent(.checkpoint(step: step, directory: directory))
            return directory
        }
        /// Keeps the last good state before stopping on an error: a checkpoint of `step` unless there is one.
        func checkpointBeforeStopping() -> String? {
            if let lastCheckpoint, lastCheckpoint.lastPathComponent == "checkpoint-\(step)" { return lastCheckpoint.path }
            return (try? checkpoint())?.path ?? lastCheckpoint?.path
        }

        var cancelled = false, lastReward = Double.nan
        while step < totalSteps {
            if Task.isCancelled {
                cancelled = true
                onEvent(.notice("cancelled: stopping after step \(step) with a checkpoint; --resume continues"))
                break
            }
            let stepStart = Date()
            var timing: [String: Double] = [:]
            let dropoutAtStart = adapter?.dropoutGenerators
            if rollout == nil || rollout!.iterationsDone >= configuration.numIterations {
                do {
                    rollout = try await generate(index: step / configuration.numIterations, timing: &timing)
                } catch let failure as RewardFailure {
                    rollout = nil
                    throw GRPOTrainingError.rewardFailed(reward: failure.reward, step: step + 1, sample: failure.sample,
                                                         reason: failure.reason, lastCheckpoint: checkpointBeforeStopping())
                }
                tokenCount += rollout!.promptIds.reduce(0) { $0 + $1.count } + rollout!.completionIds.reduce(0) { $0 + $1.count }
                if configuration.logCompletions { try logCompletions(rollout!, step: step + 1, to: completionsLog) }
            }
            let trainingStart = Date()
            model.setTraining(true)
            let (loss, lossMetrics) = trainStep(on: rollout!)
            timing["timing/training"] = Date().timeIntervalSince(trainingStart)
            guard loss.isFinite else {
                model.zeroGradients()
                if let dropoutAtStart, let adapter { adapter.dropoutGenerators = dropoutAtStart }
                throw TrainingError.nonFiniteLoss(step: step + 1, loss: Double(loss), lastCheckpoint: checkpointBeforeStopping())
            }
            let (gradNorm, learningRate) = optimizerStep.apply(step: step)
            rollout!.iterationsDone += 1
            step += 1
            var values = rollout!.metrics.merging(lossMetrics) { $1 }.merging(timing) { $1 }
            values["loss"] = Double(loss)
            values["grad_norm"] = Double(gradNorm)
            values["learning_rate"] = Double(learningRate)
            values["num_tokens"] = Double(tokenCount)
            values["step_time"] = Date().timeIntervalSince(stepStart)
            values["epoch"] = Double(step / configuration.numIterations) / Double(dataOrder.batchesPerEpoch)
            lastReward = values["reward"] ?? .nan
            let metrics = GRPOStepMetrics(step: step, totalSteps: totalSteps, values: values)
            if step % configuration.logInterval == 0 || step == totalSteps { try log.append(metrics) }
            onEvent(.step(metrics))
            if let evaluation, evaluation.isDue(step: step, totalSteps: totalSteps) {
                model.setTraining(false)
                let values: [String: Double]
                do {
                    values = try await evaluation.evaluate(step)
                } catch {
                    _ = checkpointBeforeStopping()
                    throw error
                }
                try log.append(StepValues(step: step, values: values))
                onEvent(.periodicEvaluation(step: step, values: values))
            }
            if (configuration.checkpointInterval > 0 && step % configuration.checkpointInterval == 0) || step == totalSteps {
                _ = try checkpoint()
            }
        }
        model.setTraining(false)
        if cancelled {
            if lastCheckpoint?.lastPathComponent != "checkpoint-\(step)" { _ = try checkpoint() }
        } else {
            try TrainingCheckpoint.saveWeights(model: model, adapter: adapter, to: outputDirectory)
        }
        try log.writePlot(title: "mean reward per step", series: [("reward", "reward")], yLabel: "reward",
                          to: outputDirectory.appendingPathComponent("reward.svg"))
        let summary = GRPOSummary(steps: step, finalReward: lastReward, seconds: Date().timeIntervalSince(start),
                                  cancelled: cancelled, outputDirectory: outputDirectory)
        onEvent(.finished(summary))
        return summary
    }

    // MARK: - One generation batch

    private struct RewardFailure: Error {
        var reward: String
        var sample: String
        var reason: String
    }

    /// Samples, scores and prepares generation batch `index`.
    private func generate(index: Int, timing: inout [String: Double]) async throws -> GRPORollout {
        let G = configuration.numGenerations
        let rows = dataOrder.batch(index)
        let prompts = rows.map { promptIds[$0] }
        var clock = Date()
        model.setTraining(false)
        let completionIds: [[Int]]
        if let rolloutFunction {
            completionIds = try rolloutFunction(prompts, index)
            precondition(completionIds.count == prompts.count * G,
                         "rolloutFunction returned \(completionIds.count) completions for \(prompts.count) prompts × \(G)")
        } else {
            var parameters = configuration.sampling
            parameters.seed = configuration.seed &+ UInt64(index + 1) &* 0xD1B5_4A32_D192_ED03
            completionIds = try Generator(model: model).generate(prompts: prompts, parameters: parameters,
                                                                  completionsPerPrompt: G, stopTokenIds: stopTokenIds)
                .map(\.tokens)
        }
        timing["timing/generation"] = Date().timeIntervalSince(clock)
        let completionPrompts = completionIds.indices.map { prompts[$0 / G] }
        let ends = stopTokenIds.union([padTokenId])
        let truncated = completionIds.map { $0.last.map { !ends.contains($0) } ?? true }
        let texts = completionIds.map { tokenizer.decode($0, skipSpecialTokens: true) }

        // Rewards, every reward at once.
        clock = Date()
        let examples = rows.flatMap { [GRPOExample](repeating: dataset.examples[$0], count: G) }
        let batch = RewardBatch(prompts: examples.map(\.prompt), completions: texts, samples: examples.map(\.rewardSample))
        let scores = try await score(batch, examples: examples)
        timing["timing/rewards"] = Date().timeIntervalSince(clock)
        let advantages = GRPOAdvantages(scores: scores, weights: weights, groupSize: G, scaling: configuration.scaleRewards)

        // The loss mask: every generated token (generation stops at the first end token), none of a truncated
        // completion's when masked.
        let width = Swift.max(1, completionIds.map(\.count).max() ?? 1)
        let mask = completionIds.indices.map { row in
            (0..<width).map { $0 < completionIds[row].count && !(configuration.maskTruncatedCompletions && truncated[row]) }
        }
        clock = Date()
        var old: [[Float]]? = nil, reference: [[Float]]? = nil
        if configuration.numIterations > 1 {
            old = logProbabilities(model, prompts: completionPrompts, completions: completionIds, width: width)
        }
        if configuration.beta != 0 {
            if let referenceModel {
                reference = logProbabilities(referenceModel, prompts: completionPrompts, completions: completionIds, width: width)
            } else {
                reference = LoRA.withAdaptersDisabled(model) {
                    logProbabilities(model, prompts: completionPrompts, completions: completionIds, width: width)
                }
            }
        }
        timing["timing/scoring"] = Date().timeIntervalSince(clock)
        let metrics = Self.batchMetrics(scores: scores, names: rewards.map(\.name), advantages: advantages,
                                        lengths: completionIds.map(\.count), truncated: truncated)
        return GRPORollout(generationIndex: index, rows: rows, promptIds: completionPrompts, completionIds: completionIds,
                           texts: texts, truncated: truncated, scores: scores, advantages: advantages.advantages,
                           mask: mask, oldLogProbabilities: old, referenceLogProbabilities: reference, metrics: metrics,
                           iterationsDone: 0)
    }

    /// Scores `batch` with every reward concurrently; a reward that throws is reported with the sample it failed on.
    private func score(_ batch: RewardBatch, examples: [GRPOExample]) async throws -> [[Double?]] {
        struct Outcome: Sendable {
            var index: Int
            var output: RewardOutput?
            var error: (any Error)?
        }
        let rewards = self.rewards
        var outcomes = await withTaskGroup(of: Outcome.self) { group -> [Outcome] in
            for (index, reward) in rewards.enumerated() {
                group.addTask {
                    do { return Outcome(index: index, output: try await reward.score(batch)) } catch { return Outcome(index: index, error: error) }
                }
            }
            var collected: [Outcome] = []
            for await outcome in group { collected.append(outcome) }
            return collected
        }
        outcomes.sort { $0.index < $1.index }
        var scores = [[Double?]](repeating: [], count: batch.count)
        for outcome in outcomes {
            let reward = rewards[outcome.index]
            guard let output = outcome.output else {
                let error = outcome.error ?? CancellationError()
                throw RewardFailure(reward: reward.name, sample: await failingSample(reward, batch, examples, error),
                                    reason: "\(error)")
            }
            guard output.scores.count == batch.count else {
                throw RewardFailure(reward: reward.name, sample: "the step's batch",
                                    reason: RewardError.wrongScoreCount(reward: reward.name, expected: batch.count,
                                                                        got: output.scores.count).description)
            }
            for (row, score) in output.scores.enumerated() { scores[row].append(score) }
        }
        return scores
    }

    /// The sample a failed reward names, or the first sample that fails on its own.
    private func failingSample(_ reward: any Reward, _ batch: RewardBatch, _ examples: [GRPOExample], _ error: Error) async -> String {
        func describe(_ index: Int) -> String {
            let text = batch.completions[index]
            return "line \(examples[index].line) of \(dataset.file), completion \(index + 1) (\"\(text.prefix(60))\(text.count > 60 ? "…" : "")\")"
        }
        if case .missingField(_, _, let sample)? = error as? RewardError, sample < batch.count { return describe(sample) }
        for index in 0..<batch.count {
            let single = RewardBatch(prompts: [batch.prompts[index]], completions: [batch.completions[index]],
                                     samples: [batch.samples[index]])
            if (try? await reward.score(single)) == nil { return describe(index) }
        }
        return "the step's batch"
    }

    // MARK: - One optimizer step's gradients

    /// Forward and backward of every micro-batch of `rollout`; returns the summed loss and the micro-batch-averaged
    /// metrics (`kl`, `entropy`, `clip_ratio/...`), as TRL logs them.
    ///
    /// A micro-batch goes through the model `forwardBatchSize` completions at a time (the loss is a weighted sum over
    /// completions with weights known beforehand, so each slice's gradient is exact on its own); its loss and metrics
    /// are then evaluated over the whole micro-batch, as TRL does.
    private func trainStep(on rollout: GRPORollout) -> (loss: Float, metrics: [String: Double]) {
        let width = rollout.width
        var loss: Float = 0
        var sums: [String: Double] = [:], counts: [String: Int] = [:]
        for (range, slices) in passes(over: rollout.completionIds.count) {
            let mask = Array(rollout.mask[range])
            let tokens = mask.flatMap { $0 }.filter { $0 }.count
            func inputs(_ rows: Range<Int>, microBatch: (rows: Int, tokens: Int)?) -> GRPOLoss.Inputs {
                var inputs = GRPOLoss.Inputs(oldLogProbabilities: rollout.oldLogProbabilities.map { Array($0[rows]) },
                                             referenceLogProbabilities: rollout.referenceLogProbabilities.map { Array($0[rows]) },
                                             advantages: Array(rollout.advantages[rows]), mask: Array(rollout.mask[rows]),
                                             gradientAccumulationSteps: configuration.gradientAccumulationSteps,
                                             stepTokenCount: rollout.tokenCount)
                inputs.microBatch = microBatch
                return inputs
            }
            var current: [[Float]] = [], entropies: [[Float]] = []
            for rows in slices {
                let scoring = CompletionScoring(model: model, prompts: Array(rollout.promptIds[rows]),
                                                completions: Array(rollout.completionIds[rows]), width: width,
                                                temperature: configuration.temperature, entropyMask: Array(rollout.mask[rows]))
                let values = Self.rows(scoring.logProbabilities, width: width)
                let result = GRPOLoss.evaluate(logProbabilities: values, inputs: inputs(rows, microBatch: (range.count, tokens)),
                                               configuration: configuration)
                scoring.logProbabilities.backward(Tensor(shape: scoring.logProbabilities.shape, storage: result.gradient))
                current += values
                entropies += scoring.entropies ?? []
            }
            let result = GRPOLoss.evaluate(logProbabilities: current, inputs: inputs(range, microBatch: nil),
                                           configuration: configuration)
            loss += result.loss
            var metrics = result.metrics
            let entropySum = zip(entropies, mask).reduce(Float(0)) { total, pair in
                zip(pair.0, pair.1).reduce(total) { $0 + ($1.1 ? $1.0 : 0) }
            }
            metrics["entropy"] = Double(entropySum / Float(Swift.max(tokens, 1)))
            for (name, value) in metrics where !value.isNaN {
                sums[name, default: 0] += value
                counts[name, default: 0] += 1
            }
        }
        return (loss, sums.reduce(into: [:]) { $0[$1.key] = $1.value / Double(counts[$1.key]!) })
    }

    /// The micro-batches of `count` completions (`batchSize` each), each cut into the slices that go through the model
    /// together (`forwardBatchSize`, default one prompt's group). Training and the scoring of old or reference
    /// log-probabilities use the same slices: the same slices give the same sums, so an unchanged policy scores exactly
    /// what the reference (or the old policy) scored, as TRL's ratio of exactly 1 at μ = 1. (Left padding to a longer
    /// prompt moves a prompt's tokens to other columns and changes float32 sums by about 1e-6, which bfloat16 rounding
    /// would turn into 1e-2.)
    private func passes(over count: Int) -> [(microBatch: Range<Int>, slices: [Range<Int>])] {
        let size = configuration.batchSize
        let slice = Swift.min(configuration.forwardBatchSize ?? configuration.numGenerations, size)
        return stride(from: 0, to: count, by: size).map { start in
            let microBatch = start..<Swift.min(start + size, count)
            let slices = stride(from: start, to: microBatch.upperBound, by: slice).map { $0..<Swift.min($0 + slice, microBatch.upperBound) }
            return (microBatch, slices)
        }
    }

    /// Log-probabilities of completions under `policy`, without gradients, in the slices training uses.
    private func logProbabilities(_ policy: TransformerDecoder, prompts: [[Int]], completions: [[Int]], width: Int) -> [[Float]] {
        policy.setTraining(false)
        return withoutGradients {
            passes(over: completions.count).flatMap(\.slices).flatMap { range -> [[Float]] in
                let scoring = CompletionScoring(model: policy, prompts: Array(prompts[range]), completions: Array(completions[range]),
                                                width: width, temperature: configuration.temperature)
                return Self.rows(scoring.logProbabilities, width: width)
            }
        }
    }

    static func rows(_ tensor: Tensor, width: Int) -> [[Float]] {
        let storage = tensor.storage
        return stride(from: 0, to: storage.count, by: width).map { Array(storage[$0..<($0 + width)]) }
    }

    // MARK: - Metrics and logs

    /// TRL's reward and completion statistics of a generation batch.
    static func batchMetrics(scores: [[Double?]], names: [String], advantages: GRPOAdvantages, lengths: [Int],
                             truncated: [Bool]) -> [String: Double] {
        var metrics: [String: Double] = [:]
        for (column, name) in names.enumerated() {
            let values = scores.map { $0[column].map(Float.init) }
            metrics["rewards/\(name)/mean"] = Double(GRPOAdvantages.nanMean(values))
            metrics["rewards/\(name)/std"] = Double(GRPOAdvantages.nanStandardDeviation(values))
        }
        metrics["reward"] = Double(GRPOAdvantages.nanMean(advantages.rewards))
        metrics["reward_std"] = Double(GRPOAdvantages.nanStandardDeviation(advantages.rewards))
        metrics["frac_reward_zero_std"] = Double(advantages.zeroStandardDeviation.filter { $0 }.count) / Double(Swift.max(lengths.count, 1))
        let all = lengths.map(Double.init)
        metrics["completions/mean_length"] = all.reduce(0, +) / Double(Swift.max(all.count, 1))
        metrics["completions/min_length"] = all.min() ?? 0
        metrics["completions/max_length"] = all.max() ?? 0
        metrics["completions/clipped_ratio"] = Double(truncated.filter { $0 }.count) / Double(Swift.max(truncated.count, 1))
        let terminated = zip(all, truncated).filter { !$0.1 }.map(\.0)
        let kept = terminated.isEmpty ? [0.0] : terminated
        metrics["completions/mean_terminated_length"] = kept.reduce(0, +) / Double(kept.count)
        metrics["completions/min_terminated_length"] = kept.min()!
        metrics["completions/max_terminated_length"] = kept.max()!
        return metrics
    }

    /// One line per completion (TRL's `log_completions`): step, prompt, completion, each reward, advantage.
    private func logCompletions(_ rollout: GRPORollout, step: Int, to log: MetricsLog) throws {
        struct Line: Encodable {
            var step: Int
            var prompt: String
            var completion: String
            var rewards: [String: Double?]
            var advantage: Double
        }
        let G = configuration.numGenerations
        for index in rollout.completionIds.indices {
            let prompt: String
            switch dataset.examples[rollout.rows[index / G]].prompt {
            case .text(let text): prompt = text
            case .messages(let messages): prompt = messages.last(where: { $0.role == "user" })?.content ?? ""
            }
            let rewardValues = Dictionary(uniqueKeysWithValues: zip(rewards.map(\.name), rollout.scores[index]))
            try log.append(Line(step: step, prompt: prompt, completion: rollout.texts[index], rewards: rewardValues,
                                advantage: Double(rollout.advantages[index])))
        }
    }

    // MARK: - Setup helpers

    /// A frozen copy of the starting policy (full fine-tuning's KL reference): same configuration, same weights.
    private func frozenCopy(of model: TransformerDecoder) throws -> TransformerDecoder {
        let copy = TransformerDecoder(configuration: model.configuration)
        let values = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor.storage) })
        try copy.loadParameters(file: "(the policy's starting weights)") { key, _ in values[key] }
        copy.freeze()
        return copy
    }

    /// A fingerprint of the prompts' ids and the reward columns, so a resume on other data is refused.
    private var dataFingerprint: String {
        var fingerprint = DataFingerprint()
        for (ids, example) in zip(promptIds, dataset.examples) {
            fingerprint.add(ids.count)
            ids.forEach { fingerprint.add($0) }
            for key in example.columns.keys.sorted() {
                fingerprint.add(key)
                fingerprint.add(example.columns[key]!)
            }
        }
        return fingerprint.value
    }
}
