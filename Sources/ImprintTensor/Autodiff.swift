/// The backward rule of one operation: its inputs and how to turn the output's gradient into theirs.
///
/// Every differentiable operation creates one through `Tensor.record`; the rules themselves live
/// beside the forward code of each operation (`Ops/`), so a forward and its derivative read together.
@usableFromInline final class GradientFunction {
    /// The operation's name, for error messages and graph dumps.
    let name: String
    /// The tensors the operation read.
    let inputs: [Tensor]
    /// Maps the output gradient to one gradient per input (`nil` for inputs that need none).
    let backward: (Tensor) -> [Tensor?]

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Attaches a backward rule to `output` when gradients are on and some input needs one.
    ///
    /// The rule runs without gradients, so backward passes never build graphs of their own.
    @discardableResult
    @usableFromInline func record(_ name: String, _ output: Tensor, inputs: [Tensor],
                backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        Tensor.record(name, output, inputs: inputs, backward: backward)
    }

    @discardableResult
    @usableFromInline static func record(_ name: String, _ output: Tensor, inputs: [Tensor],
                       backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradientMode.isEnabled, inputs.contains(where: { $0.needsGradient }) else { return output }
        output.gradientFunction = GradientFunction(name: name, inputs: inputs, backward: backward)
        return output
    }

    /// True when a gradient must flow into this tensor: a trainable leaf or a recorded result.
    var needsGradient: Bool { requiresGrad || gradientFunction != nil }

    /// Back-propagates from this tensor, accumulating into the `grad` of every leaf that requires it.
    ///
    /// - Parameter gradient: the gradient of the final objective with respect to this tensor;
    ///   defaults to 1 for a one-element tensor (a loss).
    ///
    /// Gradients add up across calls until `zeroGradients` (or `grad = nil`), as in PyTorch.
    /// The graph behind this tensor is freed afterwards: a second `backward` through it is a
    /// programmer error.
    public func backward(_ gradient: Tensor? = nil) {
        let seed = gradient ?? {
            precondition(count == 1, "backward() without a gradient needs a one-element tensor, shape is \(shape)")
            return Tensor.full(shape, 1)
        }()
        precondition(seed.shape == shape, "backward gradient shape \(seed.shape) differs from tensor shape \(shape)")
        precondition(needsGradient, "backward() on a tensor that does not require gradients (shape \(shape))")

        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        withoutGradients {
            for node in order.reversed() {
                guard let outputGradient = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                guard let function = node.gradientFunction else {
                    node.accumulate(outputGradient)
                    continue
                }
                let inputGradients = function.backward(outputGradient)
                for (input, inputGradient) in zip(function.inputs, inputGradients) {
                    guard let inputGradient, input.needsGradient else { continue }
                    precondition(inputGradient.shape == input.shape,
                                 "\(function.name) backward gave shape \(inputGradient.shape) for input \(input.shape)")
                    let key = ObjectIdentifier(input)
                    if let existing = pending[key] {
                        pending[key] = existing.adding(inputGradient)
                    } else {
                        pending[key] = inputGradient
                    }
                }
                node.gradientFunction = nil  // free the graph as we go
            }
        }
    }

    /// Nodes reachable from this tensor, each after all of its inputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.gradientFunction?.inputs ?? [] where input.needsGradient {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }

    /// Adds `gradient` into this leaf's `grad`.
    private func accumulate(_ gradient: Tensor) {
        guard requiresGrad else { return }
        if let existing = grad {
            existing.addInPlace(gradient)
        } else {
            grad = Tensor(shape: shape, storage: gradient.storage)
        }
    }

    /// Element-wise `self += other` for tensors of equal shape, outside the graph.
    public func addInPlace(_ other: Tensor, scale: Float = 1) {
        precondition(other.shape == shape, "addInPlace shapes differ: \(shape) and \(other.shape)")
        let count = self.count
        other.storage.withUnsafeBufferPointer { source in
            storage.withUnsafeMutableBufferPointer { target in
                let sourceBase = source.baseAddress!, targetBase = target.baseAddress!
                parallelFor(count, grain: 1 << 16) { range in
                    for index in range { targetBase[index] += scale * sourceBase[index] }
                }
            }
        }
    }

    /// Sum of two same-shape tensors, without recording (used to merge gradients).
    func adding(_ other: Tensor) -> Tensor {
        let result = Tensor(shape: shape, storage: storage)
        result.addInPlace(other)
        return result
    }
}
