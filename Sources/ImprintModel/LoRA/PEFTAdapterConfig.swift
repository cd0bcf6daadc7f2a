import Foundation
import ImprintCore

/// PEFT's `adapter_config.json` for LoRA: the serialized `LoraConfig` (`peft/tuners/lora/config.py`,
/// PEFT 0.21.2).
///
/// Reading takes `r`, `lora_alpha`, `lora_dropout`, `target_modules` (a list of names, a regex
/// string, or `"all-linear"`), `use_rslora` and `base_model_name_or_path`, and rejects the options
/// that change the math or the tensors Imprint loads: another `peft_type`, `use_dora`,
/// `fan_in_fan_out`, `bias` other than `"none"`, `lora_bias`, `modules_to_save`,
/// `rank_pattern`/`alpha_pattern`, `layers_to_transform`, `exclude_modules`, `target_parameters`,
/// `trainable_token_indices`, `layer_replication`. Missing `r`, `lora_alpha`, `lora_dropout` and
/// `use_rslora` take `LoraConfig`'s defaults (8, 8, 0, false). Writing emits every key PEFT 0.21.2
/// writes except `peft_version`, which PEFT fills in when it loads the file.
enum PEFTAdapterConfig {
    static let fileName = "adapter_config.json"

    /// The LoRA configuration and base model name in `url`.
    /// - Throws: `ModelError.invalidConfiguration` for a missing, unreadable or mistyped key,
    ///   `LoRAError.unsupportedOption` for an option Imprint does not implement.
    static func read(_ url: URL) throws -> (configuration: LoRAConfiguration, baseModelNameOrPath: String?) {
        let file = url.path
        let parsed: Any
        do { parsed = try ExactUTF8.jsonObject(with: Data(contentsOf: url)) } catch {
            throw ModelError.invalidConfiguration(file: file, key: "(file)",
                                                  expected: "a readable JSON object: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw ModelError.invalidConfiguration(file: file, key: "(file)", expected: "a JSON object")
        }
        func isAbsent(_ key: String) -> Bool { object[key] == nil || object[key] is NSNull }
        func number(_ key: String, default value: Double) throws -> Double {
            guard !isAbsent(key) else { return value }
            guard let number = object[key] as? NSNumber, !isBoolean(number) else {
                throw ModelError.invalidConfiguration(file: file, key: key, expected: "a number")
            }
            return number.doubleValue
        }
        func flag(_ key: String) throws -> Bool {
            guard !isAbsent(key) else { return false }
            guard let number = object[key] as? NSNumber, isBoolean(number) else {
                throw ModelError.invalidConfiguration(file: file, key: key, expected: "true or false")
            }
            return number.boolValue
        }
        func unsupported(_ key: String, supported: String) -> LoRAError {
            LoRAError.unsupportedOption(file: file, key: key, found: describe(object[key]), supported: supported)
        }

        guard let peftType = object["peft_type"] as? String else {
            throw ModelError.invalidConfiguration(file: file, key: "peft_type", expected: "the string \"LORA\"")
        }
        guard peftType == "LORA" else { throw unsupported("peft_type", supported: "\"LORA\"") }
        if try flag("use_dora") { throw unsupported("use_dora", supported: "false (plain LoRA)") }
        if try flag("fan_in_fan_out") { throw unsupported("fan_in_fan_out", supported: "false (nn.Linear weights [out, in])") }
        if try flag("lora_bias") { throw unsupported("lora_bias", supported: "false") }
        if !isAbsent("bias"), object["bias"] as? String != "none" { throw unsupported("bias", supported: "\"none\"") }
        for key in ["modules_to_save", "rank_pattern", "alpha_pattern", "layers_to_transform", "exclude_modules",
                    "target_parameters", "trainable_token_indices", "layer_replication"] where !isEmpty(object[key]) {
            throw unsupported(key, supported: "null or empty")
        }

        let rankValue = try number("r", default: 8)
        guard rankValue >= 1, rankValue == rankValue.rounded(), rankValue < 2_147_483_648 else {
            throw ModelError.invalidConfiguration(file: file, key: "r", expected: "a positive integer rank")
        }
        let alpha = try number("lora_alpha", default: 8)
        let dropout = try number("lora_dropout", default: 0)
        guard dropout >= 0, dropout < 1 else {
            throw ModelError.invalidConfiguration(file: file, key: "lora_dropout", expected: "a probability in [0, 1)")
        }
        let targetModules: LoRAConfiguration.TargetModules
        switch object["target_modules"] {
        case let names as [String]: targetModules = .names(names)
        case let string as String: targetModules = string == "all-linear" ? .allLinear : .pattern(string)
        default:
            throw ModelError.invalidConfiguration(file: file, key: "target_modules",
                                                  expected: "a list of module names or a regular expression string")
        }
        var baseModelNameOrPath: String?
        if !isAbsent("base_model_name_or_path") {
            guard let name = object["base_model_name_or_path"] as? String else {
                throw ModelError.invalidConfiguration(file: file, key: "base_model_name_or_path", expected: "a string or null")
            }
            baseModelNameOrPath = name
        }
        let configuration = LoRAConfiguration(rank: Int(rankValue), alpha: Float(alpha), dropout: Float(dropout),
                                              targetModules: targetModules,
                                              usesRankStabilizedScaling: try flag("use_rslora"))
        return (configuration, baseModelNameOrPath)
    }

    /// The file PEFT's `save_pretrained` writes for `adapter`, formatted as Python's
    /// `json.dumps(config, indent=2, sort_keys=True)` formats it.
    static func encode(_ adapter: LoRAAdapter) -> Data {
        let c = adapter.configuration
        let targetModules: JSONValue
        switch c.targetModules {
        case .names(let names): targetModules = .strings(Array(Set(names)).sorted())
        case .pattern(let pattern): targetModules = .string(pattern)
        case .allLinear: targetModules = .strings(adapter.adaptedModuleNames)
        }
        let alpha: JSONValue = c.alpha == c.alpha.rounded() && Swift.abs(c.alpha) < 16_777_216 ? .integer(Int(c.alpha)) : .float(c.alpha)
        let entries: [String: JSONValue] = [
            "alora_invocation_tokens": .null, "alpha_pattern": .emptyObject, "arrow_config": .null,
            "auto_mapping": .null, "base_model_name_or_path": adapter.baseModelNameOrPath.map(JSONValue.string) ?? .null,
            "bias": .string("none"), "corda_config": .null, "ensure_weight_tying": .boolean(false), "eva_config": .null,
            "exclude_modules": .null, "fan_in_fan_out": .boolean(false), "inference_mode": .boolean(true),
            "init_lora_weights": .boolean(true), "kasa_config": .null, "layer_replication": .null, "layers_pattern": .null,
            "layers_to_transform": .null, "loftq_config": .emptyObject, "lora_alpha": alpha, "lora_bias": .boolean(false),
            "lora_dropout": .float(c.dropout), "lora_ga_config": .null, "megatron_config": .null,
            "megatron_core": .string("megatron.core"), "modules_to_save": .null, "monteclora_config": .null,
            "peft_type": .string("LORA"), "qalora_group_size": .integer(16), "r": .integer(c.rank), "rank_pattern": .emptyObject,
            "revision": .null, "target_modules": targetModules, "target_parameters": .null, "task_type": .string("CAUSAL_LM"),
            "trainable_token_indices": .null, "use_bdlora": .null, "use_dora": .boolean(false), "use_qalora": .boolean(false),
            "use_rslora": .boolean(c.usesRankStabilizedScaling), "velora_config": .null,
        ]
        let lines = entries.keys.sorted().map { "  \(JSONValue.string($0).text): \(entries[$0]!.text)" }
        return Data("{\n\(lines.joined(separator: ",\n"))\n}".utf8)
    }

    /// The JSON values an adapter configuration holds, written as Python's `json.dumps(indent=2)`
    /// writes them at the second level (`ensure_ascii`: non-ASCII as `\uXXXX`).
    private enum JSONValue {
        case null, boolean(Bool), integer(Int), float(Float), string(String), strings([String]), emptyObject

        var text: String {
            switch self {
            case .null: return "null"
            case .boolean(let value): return value ? "true" : "false"
            case .integer(let value): return String(value)
            case .float(let value):
                // Python's repr of the float the user meant: 0.05, 0.0, 1e-05.
                let double = Double(String(value)) ?? Double(value)
                return double == double.rounded() && Swift.abs(double) < 1e16 ? String(format: "%.1f", double) : String(double)
            case .string(let value):
                var result = "\""
                for unit in value.utf16 {
                    switch unit {
                    case 0x22: result += "\\\""
                    case 0x5C: result += "\\\\"
                    case 0x0A: result += "\\n"
                    case 0x0D: result += "\\r"
                    case 0x09: result += "\\t"
                    case 0x08: result += "\\b"
                    case 0x0C: result += "\\f"
                    case 0x20..<0x7F: result.unicodeScalars.append(Unicode.Scalar(unit)!)
                    default: result += String(format: "\\u%04x", unit)
                    }
                }
                return result + "\""
            case .strings(let values):
                guard !values.isEmpty else { return "[]" }
                return "[\n" + values.map { "    " + JSONValue.string($0).text }.joined(separator: ",\n") + "\n  ]"
            case .emptyObject: return "{}"
            }
        }
    }

    /// True for JSON `true`/`false`, which `JSONSerialization` returns as NSNumbers of type `c`.
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private static func isEmpty(_ value: Any?) -> Bool {
        switch value {
        case nil, is NSNull: return true
        case let array as [Any]: return array.isEmpty
        case let dictionary as [String: Any]: return dictionary.isEmpty
        default: return false
        }
    }

    private static func describe(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        if let string = value as? String { return "\"\(string)\"" }
        if let number = value as? NSNumber, isBoolean(number) { return number.boolValue ? "true" : "false" }
        return "\(value)"
    }
}
