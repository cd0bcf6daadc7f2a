import ImprintTensor

/// The LoRA state of one linear layer: its updates by adapter name, which one is active, whether
/// adapters are enabled, and which one is merged into the weight (PEFT's `LoraLayer`:
/// `lora_A`/`lora_B` module dicts, `active_adapter`, `disable_adapters`, `merged_adapters`).
public final class LoRALayer {
    /// The updates by adapter name.
    public private(set) var updates: [String: LoRAUpdate] = [:]
    /// The adapter the forward pass uses; it may have no update on this layer (then none applies).
    public internal(set) var activeAdapterName: String?
    /// False while adapters are disabled (the base model's output).
    public internal(set) var isEnabled = true
    /// The adapter whose update is folded into the weight, if any.
    public private(set) var mergedAdapterName: String?

    init(activeAdapterName: String?, isEnabled: Bool) {
        self.activeAdapterName = activeAdapterName
        self.isEnabled = isEnabled
    }

    func add(_ update: LoRAUpdate, name: String) {
        precondition(updates[name] == nil, "LoRA adapter '\(name)' is already attached to this layer")
        updates[name] = update
    }

    /// Removes the update of adapter `name`, unmerging it from `weight` first if it is merged.
    func remove(_ name: String, from weight: @autoclosure () -> Tensor) {
        if mergedAdapterName == name { unmerge(from: weight()) }
        updates[name] = nil
    }

    /// The update the forward pass adds: the active one, unless disabled or already merged.
    var updateToApply: LoRAUpdate? {
        guard isEnabled, mergedAdapterName == nil, let name = activeAdapterName else { return nil }
        return updates[name]
    }

    /// Folds the active update into `weight` (`W += s B A`); nothing when none applies.
    func merge(into weight: @autoclosure () -> Tensor) {
        guard let name = activeAdapterName, mergedAdapterName == nil, let update = updates[name] else { return }
        update.addDelta(to: weight(), sign: 1)
        mergedAdapterName = name
    }

    /// Takes the merged update back out of `weight` (`W −= s B A`); nothing when none is merged.
    func unmerge(from weight: @autoclosure () -> Tensor) {
        guard let name = mergedAdapterName, let update = updates[name] else { return }
        update.addDelta(to: weight(), sign: -1)
        mergedAdapterName = nil
    }
}
