/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// The tensors this optimizer updates.
    var parameters: [Tensor] { get }
    /// The learning rate of the next step (schedules set it before each step).
    var learningRate: Float { get set }
    /// Applies one update from the current gradients (parameters without a gradient are skipped).
    func step()
}

extension Optimizer {
    /// Clears every parameter's gradient, like `optimizer.zero_grad(set_to_none=True)`.
    public func zeroGradients() {
        for parameter in parameters { parameter.grad = nil }
    }
}

extension Tensor {
    /// Applies `body(parameter, gradient)` to the raw buffers of a parameter and its gradient.
    func updateInPlace(with gradient: Tensor,
                       _ body: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void) {
        precondition(gradient.shape == shape, "gradient shape \(gradient.shape) differs from parameter shape \(shape)")
        let count = self.count
        gradient.storage.withUnsafeBufferPointer { gradientBuffer in
            storage.withUnsafeMutableBufferPointer { parameterBuffer in
                body(parameterBuffer.baseAddress!, gradientBuffer.baseAddress!, count)
            }
        }
    }
}
