// ImprintModel: modules and parameters, Llama / Qwen2 / Gemma 3 decoders, LoRA, loaders, generation.
// It is filled by the model issues; the target exists so that the module graph of DESIGN.md is in place.
