import Foundation

/// The hyperparameters of a LoRA adapter, as PEFT's `LoraConfig` (`peft/tuners/lora/config.py`).
///
/// An adapted linear layer computes `y = x Wᵀ + b + s · dropout(x) Aᵀ Bᵀ` with `A` `[r, in]`,
/// `B` `[out, r]` and the scale `s = α / r`, or `α / √r` with rsLoRA (Kalajdzievski 2023).
public struct LoRAConfiguration: Equatable, Sendable {
    /// Which linear layers get an adapter, chosen by their checkpoint key (PEFT's `target_modules`).
    public enum TargetModules: Equatable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
        /// Names matched as PEFT matches a list: a module key equal to the name or ending in
        /// `"." + name` (`"q_proj"` matches `model.layers.0.self_attn.q_proj`).
        case names([String])
        /// A regular expression that must match the whole module key (PEFT's single-string form,
        /// `re.fullmatch`), e.g. `#"model\.layers\.0\..*_proj"#`.
        case pattern(String)
        /// Every linear layer except the output head (`lm_head`), as PEFT's `"all-linear"`.
        case allLinear

        public init(arrayLiteral names: String...) { self = .names(names) }

        /// As `adapter_config.json` would spell it: `["q_proj", "v_proj"]`, `"model\\..*"`, `"all-linear"`.
        public var description: String {
            switch self {
            case .names(let names): return "[" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
            case .pattern(let pattern): return "\"\(pattern)\""
            case .allLinear: return "\"all-linear\""
            }
        }

        /// A predicate that is true for the keys of targeted modules; `isOutputHead` marks
        /// `lm_head`, which `allLinear` leaves out.
        /// - Throws: `LoRAError.invalidTargetPattern` when `pattern` is not a valid regular expression.
        func matcher() throws -> (_ key: String, _ isOutputHead: Bool) -> Bool {
            switch self {
            case .names(let names):
                return { key, _ in names.contains { key == $0 || key.hasSuffix("." + $0) } }
            case .pattern(let pattern):
                let expression: NSRegularExpression
                do { expression = try NSRegularExpression(pattern: "^(?:\(pattern))$") } catch {
                    throw LoRAError.invalidTargetPattern(pattern: pattern)
                }
                return { key, _ in expression.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)) != nil }
            case .allLinear:
                return { _, isOutputHead in !isOutputHead }
            }
        }
    }

    /// The rank `r` of the update (PEFT `r`).
    public var rank: Int
    /// The scaling numerator `α` (PEFT `lora_alpha`).
    public var alpha: Float
    /// The dropout probability on the adapter's input, in training mode only (PEFT `lora_dropout`).
    public var dropout: Float
    /// The layers to adapt (PEFT `target_modules`).
    public var targetModules: TargetModules
    /// Scale by `α / √r` instead of `α / r` (PEFT `use_rslora`).
    public var usesRankStabilizedScaling: Bool

    /// The defaults are `LoraConfig`'s (`r=8`, `lora_alpha=8`, no dropout, and `q_proj`/`v_proj`, PEFT's
    /// default targets for Llama, Qwen2 and Gemma 3).
    /// - Precondition: `rank > 0`, `0 ≤ dropout < 1`.
    public init(rank: Int = 8, alpha: Float = 8, dropout: Float = 0, targetModules: TargetModules = ["q_proj", "v_proj"],
                usesRankStabilizedScaling: Bool = false) {
        precondition(rank > 0, "LoRA rank must be positive, got \(rank)")
        precondition(dropout >= 0 && dropout < 1, "LoRA dropout must be in [0, 1), got \(dropout)")
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
        self.usesRankStabilizedScaling = usesRankStabilizedScaling
    }

    /// The scale `s` of the update: `α / r`, or `α / √r` with rsLoRA (PEFT `LoraLayer.update_layer`).
    public var scale: Float {
        usesRankStabilizedScaling ? alpha / Float(rank).squareRoot() : alpha / Float(rank)
    }
}
