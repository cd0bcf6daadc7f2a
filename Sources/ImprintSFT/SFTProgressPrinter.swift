import Foundation
import ImprintTraining

/// Shows an SFT run's events on a terminal: a progress bar with loss, learning rate, tokens/s and ETA redrawn in place
/// when the stream is a TTY, plain lines otherwise (logs, CI).
///
/// ```swift
/// let printer = SFTProgressPrinter()
/// try await trainer.train { printer.show($0) }
/// ```
public final class SFTProgressPrinter {
    private let display: ProgressDisplay
    private var started = Date()
    private var startStep = 0

    /// Writes to standard error; `plain` forces plain lines even on a terminal.
    public init(plain: Bool = false) {
        display = ProgressDisplay(plain: plain)
    }

    /// Renders one event.
    public func show(_ event: SFTEvent) {
        switch event {
        case .started(let info):
            (started, startStep) = (Date(), info.startStep)
            display.line("sft: \(info.trainingExamples) training examples, \(info.evaluationExamples) held out, "
                         + "\(info.trainableParameterCount) trainable parameters, steps \(info.startStep + 1)...\(info.totalSteps)")
        case .step(let metrics):
            let text = String(format: "loss %.4f  acc %.3f  lr %.2e  grad %.3f  %.0f tok/s  epoch %.2f",
                              metrics.loss, metrics.tokenAccuracy, metrics.learningRate,
                              metrics.gradNorm, metrics.tokensPerSecond, metrics.epoch)
            let secondsPerStep = Date().timeIntervalSince(started) / Double(max(metrics.step - startStep, 1))
            display.step(metrics.step, of: metrics.totalSteps, text, secondsPerStep: secondsPerStep)
        case .evaluation(let metrics):
            display.line(String(format: "eval at step %d: loss %.4f  token accuracy %.3f", metrics.step, metrics.loss, metrics.tokenAccuracy))
        case .periodicEvaluation(let step, let values):
            display.line("evaluation at step \(step): " + StepValues(step: step, values: values).summary)
        case .checkpoint(let step, let directory):
            display.line("checkpoint at step \(step): \(directory.path)")
        case .finished(let summary):
            display.line(String(format: "sft: finished %d steps in %.1f s, final loss %.4f; outputs in %@", summary.steps,
                                summary.seconds, summary.finalLoss, summary.outputDirectory.path))
        }
    }
}
