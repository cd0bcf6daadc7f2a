import ImprintTensor

/// Low-rank adaptation (Hu et al. 2021, arXiv:2106.09685) of a model's linear layers, as PEFT's
/// `get_peft_model` / `LoraModel` does it.
///
/// ```swift
/// let adapter = try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 16, alpha: 32,
///                               targetModules: ["q_proj", "k_proj", "v_proj", "o_proj"]))
/// let optimizer = AdamW(parameters: model.trainableParameters())  // only A and B
/// let reference = LoRA.withAdaptersDisabled(model) { model(batch) } // GRPO's reference policy
/// try adapter.save(to: outputDirectory)                             // loads in PEFT
/// ```
///
/// Several named adapters may be attached; one is active. The state lives in each adapted
/// `Linear` (`Linear.lora`); these functions set it across the whole model.
public enum LoRA {
    /// Attaches a freshly initialized adapter to the linear layers `configuration.targetModules`
    /// names, makes it the active one and its `A`/`B` trainable; the first adapter attached freezes
    /// the base model (`model.trainableParameters()` is then only adapter tensors).
    ///
    /// Initialization is PEFT's default: `A ~ U(−1/√in, 1/√in)`, `B = 0`, so the model's output is
    /// unchanged until training moves `B`. `seed` fixes `A` and the dropout masks.
    ///
    /// - Throws: `LoRAError.duplicateAdapterName`, `.noTargetModules`, `.unsupportedTargetModule`,
    ///   `.invalidTargetPattern`.
    @discardableResult
    public static func attach(to model: Module, configuration: LoRAConfiguration, name: String = "default",
                              seed: UInt64 = 0) throws -> LoRAAdapter {
        try checkNameIsFree(name, in: model)
        var generator = RandomGenerator(seed: seed)
        let layers = try targets(configuration.targetModules, in: model).map { key, linear in
            LoRAAdapter.Layer(key: key, linear: linear, update: .initialized(
                inputs: linear.inputCount, outputs: linear.outputCount, rank: configuration.rank,
                scale: configuration.scale, dropout: configuration.dropout, generator: &generator))
        }
        let adapter = LoRAAdapter(name: name, configuration: configuration, layers: layers, baseModelNameOrPath: nil)
        install(adapter, in: model, trainable: true)
        return adapter
    }

    /// The linear layers `targetModules` selects, with their module keys, in model order.
    ///
    /// Matching follows PEFT's `check_target_module_exists`. Adapter tensors are parameters of the
    /// adapted `Linear`, not modules, so an adapter is never a target itself.
    /// - Throws: `LoRAError.noTargetModules` when nothing matches, `.unsupportedTargetModule` when a
    ///   match is not a `Linear`, `.invalidTargetPattern` for a pattern that does not compile.
    public static func targets(_ targetModules: LoRAConfiguration.TargetModules,
                               in model: Module) throws -> [(key: String, linear: Linear)] {
        let matches = try targetModules.matcher()
        let outputHead = (model as? TransformerDecoder)?.outputProjection
        var result: [(key: String, linear: Linear)] = []
        for (key, module) in model.namedModules() where !key.isEmpty {
            let isOutputHead = module === outputHead || key == "lm_head"
            guard matches(key, isOutputHead) else { continue }
            guard let linear = module as? Linear else {
                if case .allLinear = targetModules { continue }
                throw LoRAError.unsupportedTargetModule(key: key, type: String(describing: type(of: module)))
            }
            result.append((key, linear))
        }
        guard !result.isEmpty else { throw LoRAError.noTargetModules(targets: "\(targetModules)") }
        return result
    }

    /// The names of the adapters attached anywhere in `model`, sorted.
    public static func adapterNames(in model: Module) -> [String] {
        Set(loraLayers(in: model).flatMap { $0.lora.updates.keys }).sorted()
    }

    /// The active adapter's name; `nil` when none is attached.
    public static func activeAdapterName(in model: Module) -> String? {
        loraLayers(in: model).first?.lora.activeAdapterName
    }

    /// Makes `name` the active adapter (PEFT `set_adapter`): the forward pass uses its updates,
    /// its tensors are trainable if it was attached or loaded as trainable, and every other
    /// adapter's are frozen. A merged adapter is unmerged first.
    /// - Throws: `LoRAError.unknownAdapter`.
    public static func setActive(_ name: String, in model: Module) throws {
        let layers = loraLayers(in: model)
        guard layers.contains(where: { $0.lora.updates[name] != nil }) else {
            throw LoRAError.unknownAdapter(name: name, attached: adapterNames(in: model))
        }
        activate(name, on: layers)
    }

    private static func activate(_ name: String, on layers: [(linear: Linear, lora: LoRALayer)]) {
        for (linear, lora) in layers {
            lora.unmerge(from: linear.weight)
            lora.activeAdapterName = name
            for (updateName, update) in lora.updates {
                let trainable = updateName == name && update.isTrainable
                update.down.requiresGrad = trainable
                update.up.requiresGrad = trainable
            }
        }
    }

    /// Turns every adapter off (`false`: the base model's output, PEFT `disable_adapter_layers`)
    /// or back on. Disabling unmerges a merged adapter first, as PEFT does.
    public static func setEnabled(_ enabled: Bool, in model: Module) {
        for (linear, lora) in loraLayers(in: model) {
            if !enabled { lora.unmerge(from: linear.weight) }
            lora.isEnabled = enabled
        }
    }

    /// True unless adapters are disabled (also true for a model without adapters).
    public static func isEnabled(in model: Module) -> Bool {
        loraLayers(in: model).first?.lora.isEnabled ?? true
    }

    /// Runs `body` with adapters disabled, then restores the previous state (PEFT's
    /// `with model.disable_adapter():`); GRPO's reference policy is the model inside it. A merged
    /// adapter is unmerged on entry and stays unmerged afterwards.
    public static func withAdaptersDisabled<Result>(_ model: Module, _ body: () throws -> Result) rethrows -> Result {
        let wasEnabled = isEnabled(in: model)
        setEnabled(false, in: model)
        defer { setEnabled(wasEnabled, in: model) }
        return try body()
    }

    /// Folds the active adapter into the base weights in place, `W ← W + s B A` (PEFT `merge`), so
    /// the forward pass costs what the base model costs. Outside the graph; the adapter's `A`/`B`
    /// get no gradients while merged. Layers already merged are left as they are.
    /// - Precondition: adapters are enabled.
    public static func merge(_ model: Module) {
        precondition(isEnabled(in: model), "LoRA.merge: adapters are disabled; enable them before merging")
        for (linear, lora) in loraLayers(in: model) { lora.merge(into: linear.weight) }
    }

    /// Takes merged updates back out of the base weights, `W ← W − s B A` (PEFT `unmerge`). The
    /// weights come back up to float32 rounding of the subtraction.
    public static func unmerge(_ model: Module) {
        for (linear, lora) in loraLayers(in: model) { lora.unmerge(from: linear.weight) }
    }

    /// Detaches adapter `name` (PEFT `delete_adapter`): unmerges it if merged and removes its
    /// tensors from the model. When it was active, the first remaining adapter (by name) becomes
    /// active; layers left without adapters return to the plain path. The base stays frozen.
    /// - Throws: `LoRAError.unknownAdapter`.
    public static func remove(_ name: String, from model: Module) throws {
        let layers = loraLayers(in: model)
        guard layers.contains(where: { $0.lora.updates[name] != nil }) else {
            throw LoRAError.unknownAdapter(name: name, attached: adapterNames(in: model))
        }
        let wasActive = activeAdapterName(in: model) == name
        for (linear, lora) in layers {
            lora.remove(name, from: linear.weight)
            removeParameters(of: name, from: linear)
            if lora.updates.isEmpty { linear.lora = nil }
        }
        if wasActive, let next = adapterNames(in: model).first { activate(next, on: loraLayers(in: model)) }
    }

    /// Merges the active adapter into the base weights and removes every adapter (PEFT
    /// `merge_and_unload`): the model is then a plain model whose `namedParameters()` are the base
    /// keys only, ready to be written as a Hugging Face checkpoint.
    /// - Precondition: adapters are enabled.
    public static func mergeAndUnload(_ model: Module) {
        merge(model)
        for (linear, lora) in loraLayers(in: model) {
            for name in lora.updates.keys { removeParameters(of: name, from: linear) }
            linear.lora = nil
        }
    }

    /// True when some layer holds a merged update.
    public static func isMerged(_ model: Module) -> Bool {
        loraLayers(in: model).contains { $0.lora.mergedAdapterName != nil }
    }

    // MARK: - Shared with loading

    /// `base_model.model.<module key>.<matrix>.weight`, PEFT's saved key.
    static func peftKey(module: String, matrix: String) -> String {
        "base_model.model.\(module).\(matrix).weight"
    }

    static func checkNameIsFree(_ name: String, in model: Module) throws {
        guard !adapterNames(in: model).contains(name) else { throw LoRAError.duplicateAdapterName(name: name) }
    }

    /// Registers the adapter's tensors on their layers (`lora_A.<name>.weight`,
    /// `lora_B.<name>.weight`) and activates it; the first adapter freezes the base model.
    static func install(_ adapter: LoRAAdapter, in model: Module, trainable: Bool) {
        let existing = loraLayers(in: model)
        if existing.isEmpty { model.freeze() }
        let activeName = existing.first?.lora.activeAdapterName, enabled = existing.first?.lora.isEnabled ?? true
        for layer in adapter.layers {
            let lora = layer.linear.lora ?? LoRALayer(activeAdapterName: activeName, isEnabled: enabled)
            layer.linear.lora = lora
            layer.update.isTrainable = trainable
            lora.add(layer.update, name: adapter.name)
            let keys = parameterKeys(adapter.name)
            layer.linear.registerParameter(keys.down, layer.update.down)
            layer.linear.registerParameter(keys.up, layer.update.up)
        }
        activate(adapter.name, on: loraLayers(in: model))
    }

    /// The keys of an adapter's tensors within its `Linear`, as PEFT names them in memory.
    static func parameterKeys(_ name: String) -> (down: String, up: String) {
        ("lora_A.\(name).weight", "lora_B.\(name).weight")
    }

    private static func removeParameters(of name: String, from linear: Linear) {
        let keys = parameterKeys(name)
        linear.removeParameter(keys.down)
        linear.removeParameter(keys.up)
    }

    /// Every linear layer with LoRA state, in model order.
    static func loraLayers(in model: Module) -> [(linear: Linear, lora: LoRALayer)] {
        model.namedModules().compactMap { _, module in
            guard let linear = module as? Linear, let lora = linear.lora else { return nil }
            return (linear, lora)
        }
    }
}
