import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A training run's progress on a terminal: a bar with the trainer's own figures and an ETA, redrawn in place when
/// standard error is a TTY, plain lines otherwise (logs, CI). Every trainer's printer draws through it.
public final class ProgressDisplay {
    private let output: UnsafeMutablePointer<FILE>
    private let isTerminal: Bool
    private let barWidth = 28

    /// Writes to standard error; `plain` forces plain lines even on a terminal.
    public init(plain: Bool = false) {
        output = stderr
        isTerminal = !plain && isatty(fileno(stderr)) == 1
    }

    /// Shows step `step` of `total` with `text`; `secondsPerStep` (when known) gives the ETA.
    public func step(_ step: Int, of total: Int, _ text: String, secondsPerStep: Double? = nil) {
        let eta = secondsPerStep.map { "  eta " + Self.duration(Double(max(total - step, 0)) * $0) } ?? ""
        let body = "step \(step)/\(total)  \(text)\(eta)"
        if isTerminal {
            let filled = Int(Double(barWidth) * Double(step) / Double(max(total, 1)))
            let bar = String(repeating: "█", count: min(filled, barWidth)) + String(repeating: "·", count: max(barWidth - filled, 0))
            write("\r\u{1B}[2K[\(bar)] \(body)")
            if step == total { write("\n") }
        } else {
            line(body)
        }
    }

    /// Prints one line (above the bar on a terminal).
    public func line(_ text: String) {
        write(isTerminal ? "\r\u{1B}[2K" + text + "\n" : text + "\n")
    }

    /// `"42s"`, `"3m05s"`, `"1h02m"`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }

    private func write(_ text: String) {
        fputs(text, output)
        fflush(output)
    }
}
