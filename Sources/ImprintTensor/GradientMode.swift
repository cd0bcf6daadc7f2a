import Foundation

/// Whether operations record the autodiff graph. On by default; `withoutGradients` turns it off.
public enum GradientMode {
    private static let key = "ImprintTensor.GradientMode.disabledDepth"

    /// True when operations record the graph on the current thread.
    public static var isEnabled: Bool { disabledDepth == 0 }

    static var disabledDepth: Int {
        get { Thread.current.threadDictionary[key] as? Int ?? 0 }
        set { Thread.current.threadDictionary[key] = newValue }
    }
}

/// Runs `body` without recording the graph (inference), like `torch.no_grad()`.
public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
    GradientMode.disabledDepth += 1
    defer { GradientMode.disabledDepth -= 1 }
    return try body()
}
