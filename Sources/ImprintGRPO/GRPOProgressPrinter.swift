import Foundation
import ImprintTraining

/// Shows a GRPO run's events on a terminal: a progress bar with the mean reward, its spread, the KL, completion
/// length and ETA redrawn in place when the stream is a TTY, plain lines otherwise (logs, CI).
///
/// ```swift
/// let printer = GRPOProgressPrinter()
/// try await trainer.train { printer.show($0) }
/// ```
public final class GRPOProgressPrinter {
    private let display: ProgressDisplay
    private var started = Date()
    private var startStep = 0

    /// Writes to standard error; `plain` forces plain lines even on a terminal.
    public init(plain: Bool = false) {
        display = ProgressDisplay(plain: plain)
    }

    /// Renders one event.
    public func show(_ event: GRPOEvent) {
        switch event {
        case .started(let info):
            (started, startStep) = (Date(), info.startStep)
            display.line("grpo: \(info.prompts) prompts, \(info.promptsPerStep) per step × \(info.completionsPerPrompt) completions, "
                         + "rewards \(info.rewardNames.joined(separator: ", ")), \(info.trainableParameterCount) trainable parameters, "
                         + "steps \(info.startStep + 1)...\(info.totalSteps)")
        case .step(let metrics):
            var text = String(format: "reward %.4f ± %.4f", metrics["reward"] ?? .nan, metrics["reward_std"] ?? .nan)
            if let kl = metrics["kl"] { text += String(format: "  kl %.4f", kl) }
            text += String(format: "  len %.0f  loss %.4f  grad %.3f  %.1f s/step", metrics["completions/mean_length"] ?? .nan,
                           metrics["loss"] ?? .nan, metrics["grad_norm"] ?? .nan, metrics["step_time"] ?? .nan)
            let secondsPerStep = Date().timeIntervalSince(started) / Double(max(metrics.step - startStep, 1))
            display.step(metrics.step, of: metrics.totalSteps, text, secondsPerStep: secondsPerStep)
        case .periodicEvaluation(let step, let values):
            display.line("evaluation at step \(step): " + StepValues(step: step, values: values).summary)
        case .checkpoint(let step, let directory):
            display.line("checkpoint at step \(step): \(directory.path)")
        case .notice(let text):
            display.line("grpo: \(text)")
        case .finished(let summary):
            display.line(String(format: "grpo: %@ %d steps in %.1f s, last mean reward %.4f; outputs in %@",
                                summary.cancelled ? "stopped after" : "finished", summary.steps, summary.seconds,
                                summary.finalReward, summary.outputDirectory.path))
        }
    }
}
