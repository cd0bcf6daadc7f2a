import ImprintTensor

/// A layer or model: named parameters and named children, addressed by checkpoint keys.
///
/// Subclasses register their parameters and children in their initializer with the keys
/// checkpoints use (`"q_proj"`, `"weight"`); Swift properties keep Swift names
/// (`queryProjection`). `namedParameters()` yields full dotted keys such as
/// `model.layers.0.self_attn.q_proj.weight`, the same as PyTorch's `state_dict()`.
open class Module {
    private var parameterEntries: [(key: String, tensor: Tensor)] = []
    private var childEntries: [(key: String, module: Module)] = []

    /// Whether this module is in training mode (LoRA dropout active), as `torch.nn.Module.training`.
    /// False until `setTraining(true)`: loaded models start in evaluation mode, as after `from_pretrained`.
    public private(set) var isTraining = false

    public init() {}

    /// Registers `tensor` as a trainable parameter under `key` and returns it.
    @discardableResult
    public func registerParameter(_ key: String, _ tensor: Tensor) -> Tensor {
        precondition(!parameterEntries.contains { $0.key == key }, "parameter key '\(key)' registered twice")
        tensor.requiresGrad = true
        parameterEntries.append((key, tensor))
        return tensor
    }

    /// Removes the parameter registered under `key` (an adapter being unloaded) and returns it.
    @discardableResult
    public func removeParameter(_ key: String) -> Tensor? {
        guard let index = parameterEntries.firstIndex(where: { $0.key == key }) else { return nil }
        return parameterEntries.remove(at: index).tensor
    }

    /// Registers `module` as a child under `key` (dotted keys such as `"model.layers"` are allowed)
    /// and returns it.
    @discardableResult
    public func registerChild<Child: Module>(_ key: String, _ module: Child) -> Child {
        precondition(!childEntries.contains { $0.key == key }, "child key '\(key)' registered twice")
        childEntries.append((key, module))
        return module
    }

    /// The directly owned parameters and their keys, in registration order.
    public var ownParameters: [(key: String, tensor: Tensor)] { parameterEntries }

    /// The direct children and their keys, in registration order.
    public var children: [(key: String, module: Module)] { childEntries }

    /// Every parameter of this module and its descendants, with full dotted keys.
    ///
    /// A tensor shared by two keys (tied embeddings) appears once, under the first key.
    public func namedParameters() -> [(key: String, tensor: Tensor)] {
        var result: [(String, Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        func visit(_ module: Module, prefix: String) {
            for (key, tensor) in module.parameterEntries where seen.insert(ObjectIdentifier(tensor)).inserted {
                result.append((prefix + key, tensor))
            }
            for (key, child) in module.childEntries { visit(child, prefix: prefix + key + ".") }
        }
        visit(self, prefix: "")
        return result
    }

    /// Every module in the tree with its dotted key (the root has key "").
    public func namedModules() -> [(key: String, module: Module)] {
        var result: [(String, Module)] = [("", self)]
        for (key, child) in childEntries {
            result += child.namedModules().map { ($0.key.isEmpty ? key : key + "." + $0.key, $0.module) }
        }
        return result
    }

    /// The parameters that receive gradients.
    public func trainableParameters() -> [Tensor] {
        namedParameters().map(\.tensor).filter(\.requiresGrad)
    }

    /// Stops gradients to every parameter of this subtree (`requires_grad_(False)`).
    public func freeze() {
        for (_, tensor) in namedParameters() { tensor.requiresGrad = false }
    }

    /// Lets gradients reach every parameter of this subtree again.
    public func unfreeze() {
        for (_, tensor) in namedParameters() { tensor.requiresGrad = true }
    }

    /// Puts this module and every descendant in training (`true`) or evaluation mode, as
    /// `module.train(mode)` / `module.eval()`.
    public func setTraining(_ training: Bool) {
        isTraining = training
        for (_, child) in childEntries { child.setTraining(training) }
    }

    /// Fills every parameter from `source(key, shape)`, which returns the values or nil when absent.
    ///
    /// - Throws: `ModelError.missingTensor` for a parameter the source lacks; the source itself
    ///   throws `shapeMismatch` and file errors.
    public func loadParameters(file: String, _ source: (_ key: String, _ shape: [Int]) throws -> [Float]?) throws {
        for (key, tensor) in namedParameters() {
            guard let values = try source(key, tensor.shape) else {
                throw ModelError.missingTensor(file: file, key: key, expectedShape: tensor.shape)
            }
            guard values.count == tensor.count else {
                throw ModelError.shapeMismatch(file: file, key: key, expected: tensor.shape, found: [values.count])
            }
            tensor.assign(values)
        }
    }

    /// Clears the gradient of every parameter.
    public func zeroGradients() {
        for (_, tensor) in namedParameters() { tensor.grad = nil }
    }
}
