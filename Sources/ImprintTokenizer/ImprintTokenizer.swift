// ImprintTokenizer: BPE tokenizers from tokenizer.json or GGUF metadata, and chat templates.
//
// Where things are:
//   Tokenizer.swift                      the protocol (encode/decode, vocabulary, special tokens, chat template)
//   PretrainedTokenizer*.swift           the HF `tokenizers` pipeline and its loaders (tokenizer.json, GGUF)
//   Normalizer, PreTokenizer, Decoder, PostProcessor, AddedToken, BytePairModel   the pipeline's components
//   KnownSplitPattern.swift              hand-written GPT-2 / Llama 3 / Qwen2 pre-tokenizer matchers
//   ChatTemplate/                        the Jinja engine that renders chat templates as transformers does
//   PretrainedTokenizer+AssistantMask    completion-only masks; StreamingDecoder for generation
