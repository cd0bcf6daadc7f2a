import Foundation
import ImprintModel
import ImprintTensor
import ImprintTokenizer
@_exported import ImprintTraining

/// Supervised fine-tuning (TRL's `SFTTrainer`): LoRA or full fine-tuning of a decoder on prompt/completion,
/// conversational or plain-text data, with AdamW, a warmup schedule, gradient accumulation and clipping,
/// evaluation on a held-out split, atomic checkpoints and exact resume.
///
/// ```swift
/// let model = try ModelLoader.load(path: modelPath)
/// let tokenizer = try PretrainedTokenizer.load(modelPath: modelPath)
/// var configuration = SFTConfiguration()
/// configuration.learningRate = 2e-4
/// let trainer = try SFTTrainer(model: model, tokenizer: tokenizer, dataset: SFTDataset(path: "train.jsonl"),
///                              configuration: configuration, outputDirectory: URL(fileURLWithPath: "out"))
/// let printer = SFTProgressPrinter()
/// try await trainer.train { printer.show($0) }  // out/adapter_model.safetensors, metrics.jsonl, loss.svg, checkpoint-*/
/// ```
///
/// The loop is the composition of small parts: `SFTExampleEncoder` (tokens and completion masks),
/// `SFTDataOrder` (batches), `SFTLoss` (the token-mean loss), and what every trainer shares (ImprintTraining):
/// `TrainingCheckpoint`, `MetricsLog` (and its plot), `OptimizerStep`, `ResumeCheck`.
public final class SFTTrainer {
    public let model: TransformerDecoder
    public let configuration: SFTConfiguration
    /// The run's output folder: final weights, `metrics.jsonl`, `loss.svg`, `checkpoint-<step>/`.
    public let outputDirectory: URL
    /// The training batches.
    public let dataOrder: SFTDataOrder
    /// The held-out examples (from `evaluationFraction` or an explicit evaluation dataset).
    public let evaluationExamples: [SFTExample]
    /// The adapter being trained (nil for full fine-tuning, and before `train` sets the model up).
    public private(set) var adapter: LoRAAdapter?
    private let padTokenId: Int

    /// Encodes the data and checks the configuration; the model is changed only by `train`.
    ///
    /// - Parameters:
    ///   - evaluationDataset: held-out rows; when nil, `configuration.evaluationFraction` of `dataset` is held out.
    /// - Throws: `SFTConfigurationError`, or `SFTDataError` naming the row that cannot be encoded.
    public init(model: TransformerDecoder, tokenizer: PretrainedTokenizer, dataset: SFTDataset,
                evaluationDataset: SFTDataset? = nil, configuration: SFTConfiguration, outputDirectory: URL) throws {
        try configuration.validate()
        self.model = model
        self.configuration = configuration
        self.outputDirectory = outputDirectory
        let encoder = SFTExampleEncoder(tokenizer: tokenizer, completionOnlyLoss: configuration.completionOnlyLoss,
                                        maxLength: configuration.maxLength)
        var (train, evaluation) = SFTDataOrder.split(try encoder.encode(dataset),
                                                     evaluationFraction: configuration.evaluationFraction,
                                                     seed: configuration.seed)
        if let evaluationDataset { evaluation = try encoder.encode(evaluationDataset) }
        if configuration.packing {
            train = SFTDataOrder.pack(train, length: configuration.maxLength)
            evaluation = SFTDataOrder.pack(evaluation, length: configuration.maxLength)
        }
        dataOrder = SFTDataOrder(examples: train, batchSize: configuration.batchSize, shuffle: configuration.shuffle,
                                 seed: configuration.seed)
        evaluationExamples = evaluation
        padTokenId = tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0
    }

    /// Optimizer steps in the whole run: `maxSteps`, or enough micro-batches for `epochs` passes.
    public var totalSteps: Int {
        if configuration.maxSteps > 0 { return configuration.maxSteps }
        let microBatches = configuration.epochs * dataOrder.batchesPerEpoch
        return (microBatches + configuration.gradientAccumulationSteps - 1) / configuration.gradientAccumulationSteps
    }

    /// Trains to `totalSteps`, reporting through `onEvent`, and writes the final adapter (or full weights),
    /// `metrics.jsonl` and `loss.svg` into the output folder.
    ///
    /// - Parameters:
    ///   - resume: continue from the newest `checkpoint-*` in the output folder; the result is bit-identical to an
    ///     uninterrupted run on the same machine.
    ///   - evaluation: run every `interval` steps and after the last (e.g. QA accuracy on held-out phrasings
    ///     through ImprintEval); its values are written to `metrics.jsonl` and reported as
    ///     `.periodicEvaluation`, before the step's checkpoint.
    /// - Throws: `SFTTrainingError.nonFiniteLoss` (the step is not applied; earlier checkpoints are kept),
    ///   `.noCheckpoint`, `.invalidCheckpoint`, file errors naming their path, and what `evaluation` throws (the
    ///   step's checkpoint is then not written; earlier ones are kept).
    @discardableResult
    public func train(resume: Bool = false, evaluation: PeriodicEvaluation? = nil,
                      onEvent: (SFTEvent) -> Void = { _ in }) async throws -> SFTSummary {
        let start = Date()
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let checkpoint: (directory: URL, state: SFTCheckpointState)?
        if resume {
            let (directory, state) = try TrainingCheckpoint.resume(SFTCheckpointState.self, from: outputDirectory,
                                                                   configuration: configuration,
                                                                   mayChange: SFTConfiguration.mayChangeOnResume)
            if let stored = state.dataFingerprint, stored != dataFingerprint {
                throw TrainingError.configurationChanged(checkpoint: directory.path,
                                                         changes: ["training data: not the data the checkpoint was trained on"])
            }
            checkpoint = (directory, state)
        } else {
            checkpoint = nil
        }
        adapter = try TrainableModel.prepare(
            model, lora: configuration.lora,
            initialAdapter: configuration.initialAdapterPath.map { .continueTraining(path: $0) },
            checkpoint: checkpoint?.directory, bfloat16FrozenWeights: configuration.bfloat16FrozenWeights,
            seed: configuration.seed)
        let parameters = model.trainableParameters()
        let optimizerStep = OptimizerStep(parameters: parameters, settings: configuration.optimizerSettings,
                                          schedule: configuration.optimizerSettings.learningRateSchedule(totalSteps: totalSteps))
        let optimizer = optimizerStep.optimizer
        var step = 0, nextMicroBatch = 0, tokenCount = 0
        var lastCheckpoint: URL? = nil
        if let (directory, state) = checkpoint {
            try TrainingCheckpoint.requireCounts([
                ("step", state.step, 0...totalSteps), ("nextMicroBatch", state.nextMicroBatch, 0...Int(Int32.max)),
                ("tokenCount", state.tokenCount, 0...Int.max), ("optimizerStep", state.optimizerStep, 0...Int(Int32.max)),
                ("dropoutGenerators.count", state.dropoutGenerators.count, adapter.map { $0.layers.count...$0.layers.count } ?? 0...Int.max),
            ], in: directory)
            try TrainingCheckpoint.loadOptimizer(from: directory, into: optimizer, step: state.optimizerStep)
            if let adapter { adapter.dropoutGenerators = state.dropoutGenerators }
            (step, nextMicroBatch, tokenCount, lastCheckpoint) = (state.step, state.nextMicroBatch, state.tokenCount, directory)
        }
        let log = try MetricsLog(url: outputDirectory.appendingPathComponent("metrics.jsonl"), keepingThrough: step)
        onEvent(.started(SFTRunInfo(totalSteps: totalSteps, startStep: step, trainingExamples: dataOrder.examples.count,
                                    evaluationExamples: evaluationExamples.count,
                                    trainableParameterCount: parameters.reduce(0) { $0 + $1.count })))
        var lastLoss = Double.nan, lastEvaluation: SFTEvaluationMetrics? = nil
        while step < totalSteps {
            let stepStart = Date()
            let batches = (0..<configuration.gradientAccumulationSteps).map {
                SFTBatch(dataOrder.batch(nextMicroBatch + $0), padTokenId: padTokenId)
            }
            let stepTargets = batches.reduce(0) { $0 + $1.targetCount }
            model.setTraining(true)
            let measurement = batches.map {
                SFTLoss.accumulateGradients(model: model, batch: $0, stepTargetCount: stepTargets)
            }.reduce(SFTLoss.Measurement(), +)
            let loss = measurement.meanLoss
            guard loss.isFinite else {
                throw TrainingError.nonFiniteLoss(step: step + 1, loss: loss, lastCheckpoint: lastCheckpoint?.path)
            }
            let (gradNorm, learningRate) = optimizerStep.apply(step: step)
            step += 1
            nextMicroBatch += configuration.gradientAccumulationSteps
            let stepTokens = batches.reduce(0) { $0 + $1.tokenCount }
            tokenCount += stepTokens
            lastLoss = loss
            if step % configuration.logInterval == 0 || step == totalSteps {
                let metrics = SFTStepMetrics(step: step, totalSteps: totalSteps, loss: loss, tokenAccuracy: measurement.accuracy,
                                             learningRate: Double(learningRate), gradNorm: Double(gradNorm),
                                             tokensPerSecond: Double(stepTokens) / Date().timeIntervalSince(stepStart),
                                             epoch: Double(nextMicroBatch) / Double(dataOrder.batchesPerEpoch),
                                             tokenCount: tokenCount)
                try log.append(metrics)
                onEvent(.step(metrics))
            }
            let evaluationDue = configuration.evaluationInterval > 0 && step % configuration.evaluationInterval == 0
            if !evaluationExamples.isEmpty && (evaluationDue || step == totalSteps) {
                let evaluation = evaluate(step: step)
                try log.append(evaluation)
                onEvent(.evaluation(evaluation))
                lastEvaluation = evaluation
            }
            if let periodic = evaluation, periodic.isDue(step: step, totalSteps: totalSteps) {
                model.setTraining(false)
                let values = try await periodic.evaluate(step)
                try log.append(StepValues(step: step, values: values))
                onEvent(.periodicEvaluation(step: step, values: values))
            }
            let checkpointDue = configuration.checkpointInterval > 0 && step % configuration.checkpointInterval == 0
            if checkpointDue || step == totalSteps {
                let state = SFTCheckpointState(step: step, nextMicroBatch: nextMicroBatch, tokenCount: tokenCount,
                                               optimizerStep: optimizer.state.step,
                                               dropoutGenerators: adapter?.dropoutGenerators ?? [],
                                               configuration: configuration, dataFingerprint: dataFingerprint)
                lastCheckpoint = try TrainingCheckpoint.save(step: step, state: state, model: model, adapter: adapter,
                                                             optimizer: optimizer, in: outputDirectory)
                onEvent(.checkpoint(step: step, directory: lastCheckpoint!))
            }
        }
        model.setTraining(false)
        try TrainingCheckpoint.saveWeights(model: model, adapter: adapter, to: outputDirectory)
        let trainingLosses = log.series("loss")
        try log.writePlot(title: "loss", series: [("training", "loss"), ("evaluation", "eval_loss")], yLabel: "loss",
                          to: outputDirectory.appendingPathComponent("loss.svg"))
        let summary = SFTSummary(steps: step, finalLoss: lastLoss.isNaN ? trainingLosses.last?.value ?? .nan : lastLoss,
                                 evaluation: lastEvaluation, seconds: Date().timeIntervalSince(start),
                                 outputDirectory: outputDirectory)
        onEvent(.finished(summary))
        return summary
    }

    /// Loss and token accuracy on the held-out examples, without gradients, in evaluation mode.
    public func evaluate(step: Int = 0) -> SFTEvaluationMetrics {
        model.setTraining(false)
        var total = SFTLoss.Measurement()
        for start in stride(from: 0, to: evaluationExamples.count, by: configuration.batchSize) {
            let examples = Array(evaluationExamples[start..<min(start + configuration.batchSize, evaluationExamples.count)])
            total = total + SFTLoss.measure(model: model, batch: SFTBatch(examples, padTokenId: padTokenId))
        }
        return SFTEvaluationMetrics(step: step, loss: total.meanLoss, tokenAccuracy: total.accuracy)
    }

    /// A fingerprint of the training examples (their ids and masks, in order).
    private var dataFingerprint: String {
        var fingerprint = DataFingerprint()
        for example in dataOrder.examples {
            fingerprint.add(example.ids.count)
            example.ids.forEach { fingerprint.add($0) }
            example.completionMask.forEach { fingerprint.add($0 ? 1 : 0) }
        }
        return fingerprint.value
    }
}
