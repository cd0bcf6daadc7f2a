import Foundation

/// `config.json` of `Qwen2ForCausalLM` (Qwen2.5): Llama's layout with biases on q/k/v.
///
/// `transformers.Qwen2Config` has no `attention_bias` key; its attention always has q/k/v biases
/// and no o_proj bias, which is `LlamaConfiguration` with `attentionBias` defaulting to true.
/// Qwen2.5's `use_sliding_window` is false in every released checkpoint; a true value is rejected.
public struct Qwen2Configuration: Codable, Sendable {
    public var base: LlamaConfiguration
    public var useSlidingWindow: Bool?

    enum CodingKeys: String, CodingKey { case useSlidingWindow = "use_sliding_window" }

    public init(from decoder: Decoder) throws {
        base = try LlamaConfiguration(from: decoder)
        useSlidingWindow = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Bool.self, forKey: .useSlidingWindow)
    }

    public func encode(to encoder: Encoder) throws {
        try base.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(useSlidingWindow, forKey: .useSlidingWindow)
    }

    public func modelConfiguration(file: String) throws -> ModelConfiguration {
        if useSlidingWindow == true {
            throw ModelError.invalidConfiguration(file: file, key: "use_sliding_window", expected: "false (Qwen2 sliding windows are not supported)")
        }
        return try base.modelConfiguration(architecture: .qwen2, defaultAttentionBias: true, file: file)
    }
}
