// ImprintTokenizer: BPE tokenizers from tokenizer.json or GGUF metadata, and chat templates.
