import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows an SFT run's events on a terminal: a progress bar with loss, learning rate and tokens/s redrawn in place
/// when the stream is a TTY, plain lines otherwise (logs, CI).
///
/// ```swift
/// let printer = SFTProgressPrinter()
/// try trainer.train { printer.show($0) }
/// ```
public final class SFTProgressPrinter {
    private let output: UnsafeMutablePointer<FILE>
    private let isTerminal: Bool
    private let barWidth = 28

    /// Writes to standard error; `plain` forces plain lines even on a terminal.
    public init(plain: Bool = false) {
        output = stderr
        isTerminal = !plain && isatty(fileno(stderr)) == 1
    }

    /// Renders one event.
    public func show(_ event: SFTEvent) {
        switch event {
        case .started(let info):
            line("sft: \(info.trainingExamples) training examples, \(info.evaluationExamples) held out, "
                 + "\(info.trainableParameterCount) trainable parameters, steps \(info.startStep + 1)...\(info.totalSteps)")
        case .step(let metrics):
            let text = String(format: "step %d/%d  loss %.4f  acc %.3f  lr %.2e  grad %.3f  %.0f tok/s  epoch %.2f",
                              metrics.step, metrics.totalSteps, metrics.loss, metrics.tokenAccuracy, metrics.learningRate,
                              metrics.gradNorm, metrics.tokensPerSecond, metrics.epoch)
            if isTerminal {
                let filled = Int(Double(barWidth) * Double(metrics.step) / Double(max(metrics.totalSteps, 1)))
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: barWidth - filled)
                write("\r\u{1B}[2K[\(bar)] \(text)")
                if metrics.step == metrics.totalSteps { write("\n") }
            } else {
                line(text)
            }
        case .evaluation(let metrics):
            line(String(format: "eval at step %d: loss %.4f  token accuracy %.3f", metrics.step, metrics.loss, metrics.tokenAccuracy))
        case .checkpoint(let step, let directory):
            line("checkpoint at step \(step): \(directory.path)")
        case .finished(let summary):
            line(String(format: "sft: finished %d steps in %.1f s, final loss %.4f; outputs in %@", summary.steps,
                        summary.seconds, summary.finalLoss, summary.outputDirectory.path))
        }
    }

    private func line(_ text: String) {
        write(isTerminal ? "\r\u{1B}[2K" + text + "\n" : text + "\n")
    }

    private func write(_ text: String) {
        fputs(text, output)
        fflush(output)
    }
}
