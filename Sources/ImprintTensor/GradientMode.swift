import CImprintKernels

/// Whether operations record the autodiff graph. On by default; `withoutGradients` turns it off.
public enum GradientMode {
    /// True when operations record the graph on the current thread.
    public static var isEnabled: Bool { disabledDepth == 0 }

    /// Open `withoutGradients` scopes on the current thread (a C thread-local: read by every operation).
    static var disabledDepth: Int {
        get { imprint_gradient_disabled_depth() }
        set { imprint_set_gradient_disabled_depth(newValue) }
    }
}

/// Runs `body` without recording the graph (inference), like `torch.no_grad()`.
public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
    GradientMode.disabledDepth += 1
    defer { GradientMode.disabledDepth -= 1 }
    return try body()
}
