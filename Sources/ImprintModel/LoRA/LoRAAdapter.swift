import ImprintTensor

/// One named LoRA adapter across a model (PEFT's `adapter_name`): its configuration and the
/// update of every layer it adapts. `LoRA.attach` and `LoRA.load` return it; `save(to:)` writes it
/// in PEFT's layout.
public final class LoRAAdapter {
    /// One adapted linear layer.
    public struct Layer {
        /// The layer's module key in the model, e.g. `model.layers.0.self_attn.q_proj`.
        public let key: String
        public let linear: Linear
        public let update: LoRAUpdate
    }

    /// The adapter's name (`"default"` unless several are attached).
    public let name: String
    public let configuration: LoRAConfiguration
    /// The adapted layers, in model order.
    public let layers: [Layer]
    /// Written to `adapter_config.json` as `base_model_name_or_path`; read from it on load.
    public var baseModelNameOrPath: String?

    init(name: String, configuration: LoRAConfiguration, layers: [Layer], baseModelNameOrPath: String?) {
        self.name = name
        self.configuration = configuration
        self.layers = layers
        self.baseModelNameOrPath = baseModelNameOrPath
    }

    /// Every `A` and `B`, layer by layer (`A` first): what an optimizer of this adapter updates.
    public var parameters: [Tensor] { layers.flatMap { [$0.update.down, $0.update.up] } }

    /// The tensors keyed as PEFT's `adapter_model.safetensors` keys them: the module key prefixed
    /// with `base_model.model.`, then `.lora_A.weight` / `.lora_B.weight` (no adapter name).
    public var peftTensors: [(key: String, tensor: Tensor)] {
        layers.flatMap { layer in
            [(LoRA.peftKey(module: layer.key, matrix: "lora_A"), layer.update.down),
             (LoRA.peftKey(module: layer.key, matrix: "lora_B"), layer.update.up)]
        }
    }

    /// The last component of every adapted module's key, sorted (`["k_proj", "q_proj"]`): the
    /// names PEFT writes as `target_modules` when it was given `"all-linear"`.
    public var adaptedModuleNames: [String] {
        Set(layers.map { String($0.key.split(separator: ".").last ?? "") }).sorted()
    }
}
