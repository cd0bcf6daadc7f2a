#!/usr/bin/env python3
"""Builds small tokenizer.json directories that exercise every supported component, and records HF ids.

Pinned reference stack: Python 3.11, tokenizers==0.23.3, transformers==5.23.0.

Each `tokenizer-json/<name>/` holds a tokenizer.json trained here on corpus.json (vocabularies of a few hundred
tokens, our own, so they are committed) and a tokenizer_config.json. `expected/tokenizer-json-<name>.json` holds
the ids HF `tokenizers` produces for every corpus text (with and without special tokens), the decoded texts, and
decodes of id prefixes that cut multi-byte characters (invalid/partial UTF-8).

Run from the repository root:
/work/.venv-ref/bin/python Tests/ImprintTokenizerTests/Fixtures/make_tokenizer_json_fixtures.py
"""
import json
import os

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"

with open(os.path.join(HERE, "corpus.json"), encoding="utf-8") as f:
    CORPUS = json.load(f)
EXTRA = [
    "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs!",
    "Beautiful is better than ugly. Explicit is better than implicit. Simple is better than complex.",
    "In the beginning the Universe was created. This has made a lot of people very angry.",
    "def tokenize(text):\n    return [t for t in text.split() if t]\n",
    "Numbers: 2024-11-22 12:30:45, 42, 3.5%, $19.99, #1, 007",
    "Special <|im_start|> and <|im_end|> and <mask> and <|eot_id|> tokens appear here.",
    " <mask>  spaced  <mask> , hello_world hello_worldx xhello_world hello_world.",
]
TRAINING = (CORPUS + EXTRA) * 20


def byte_level_bpe(pre_tokenizer, normalizer=None, ignore_merges=False, vocab_size=600):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(TRAINING, trainer)
    tok.decoder = decoders.ByteLevel()
    return tok


def sentencepiece_bpe(normalizer, pre_tokenizer, decoder, vocab_size=500):
    """A SentencePiece-style BPE: `▁` for spaces, byte fallback, <unk>/<bos>/<eos>."""
    trainer_tok = Tokenizer(models.BPE())
    trainer_tok.normalizer = normalizer
    trainer_tok.pre_tokenizer = pre_tokenizer or pre_tokenizers.Split("▁", "merged_with_next")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False, special_tokens=["<unk>", "<bos>", "<eos>"],
                                  limit_alphabet=120)
    trainer_tok.train_from_iterator(TRAINING, trainer)
    state = json.loads(trainer_tok.to_str())
    vocab = state["model"]["vocab"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in state["model"]["merges"]]
    full = {"<unk>": 0, "<bos>": 1, "<eos>": 2}
    for b in range(256):
        full[f"<0x{b:02X}>"] = len(full)
    for token in sorted(vocab, key=vocab.get):
        full.setdefault(token, len(full))
    tok = Tokenizer(models.BPE(full, merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizer
    if pre_tokenizer:
        tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoder
    tok.add_special_tokens([AddedToken("<unk>", normalized=False), AddedToken("<bos>", normalized=False),
                            AddedToken("<eos>", normalized=False)])
    tok.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 1)])
    return tok


def build():
    built = {}

    tok = byte_level_bpe(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3), "isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)]), ignore_merges=True)
    tok.add_special_tokens([AddedToken("<|begin_of_text|>", normalized=False), AddedToken("<|eot_id|>", normalized=False)])
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                      special_tokens=[("<|begin_of_text|>", tok.token_to_id("<|begin_of_text|>"))])])
    built["llama3"] = (tok, {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
                             "clean_up_tokenization_spaces": True}, "pairs")

    tok = byte_level_bpe(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2), "isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]), normalizer=normalizers.NFC())
    tok.add_special_tokens([AddedToken("<|im_start|>", normalized=False), AddedToken("<|im_end|>", normalized=False)])
    tok.add_tokens([AddedToken("<mask>", lstrip=True, rstrip=True, normalized=False),
                    AddedToken("hello_world", single_word=True, normalized=False),
                    AddedToken("café", normalized=True)])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    built["qwen2"] = (tok, {"eos_token": "<|im_end|>", "pad_token": "<|im_end|>"}, "strings")

    tok = byte_level_bpe(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True))
    tok.add_special_tokens([AddedToken("<|endoftext|>", normalized=False)])
    built["gpt2"] = (tok, {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"}, "strings")

    tok = byte_level_bpe(pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]))
    tok.add_special_tokens([AddedToken("<|im_start|>", normalized=False), AddedToken("<|im_end|>", normalized=False)])
    built["smollm2"] = (tok, {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>"}, "pairs")

    gemma = sentencepiece_bpe(normalizers.Replace(" ", "▁"), pre_tokenizers.Split(" ", "merged_with_previous"),
                              decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]))
    built["gemma"] = (gemma, {"bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>"}, "pairs")

    llama2 = sentencepiece_bpe(normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")]), None,
                               decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                                  decoders.Strip(" ", 1, 0)]))
    built["llama2"] = (llama2, {"bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>"}, "strings")

    metaspace = sentencepiece_bpe(None, pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False),
                                  decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace(replacement="▁", prepend_scheme="first")]))
    built["metaspace"] = (metaspace, {"bos_token": "<bos>", "eos_token": "<eos>"}, "pairs")

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase(), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(),
        pre_tokenizers.Digits(individual_digits=False),
        pre_tokenizers.Split(Regex(r"[aeiou]+"), "merged_with_next"),
        pre_tokenizers.Split(Regex(r"q|z"), "contiguous", invert=True)])
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]"], limit_alphabet=60, show_progress=False)
    tok.train_from_iterator(TRAINING, trainer)
    tok.decoder = decoders.Sequence([decoders.Replace(Regex(r"x+"), "X"), decoders.Fuse()])
    built["components"] = (tok, {"unk_token": "[UNK]"}, "pairs")

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.normalizer = normalizers.NFD()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]"], limit_alphabet=80, show_progress=False)
    tok.train_from_iterator(TRAINING, trainer)
    built["whitespace"] = (tok, {"unk_token": "[UNK]"}, "strings")
    return built


def main():
    texts = CORPUS + EXTRA
    for name, (tok, config, merge_style) in build().items():
        directory = os.path.join(HERE, "tokenizer-json", name)
        os.makedirs(directory, exist_ok=True)
        state = json.loads(tok.to_str())
        if merge_style == "strings":
            state["model"]["merges"] = [" ".join(m) if isinstance(m, list) else m for m in state["model"]["merges"]]
        with open(os.path.join(directory, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(state, f, ensure_ascii=False)
        with open(os.path.join(directory, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, ensure_ascii=False, indent=1)
        tok = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
        ids = [tok.encode(t, add_special_tokens=False).ids for t in texts]
        prefixes = [i[: max(1, len(i) // 2)] for i in ids if i]
        record = {
            "texts": texts,
            "ids": ids,
            "ids_with_special": [tok.encode(t).ids for t in texts],
            "decoded": [tok.decode(i, skip_special_tokens=False) for i in ids],
            "decoded_skipping_special": [tok.decode(i, skip_special_tokens=True) for i in ids],
            "prefixes": prefixes,
            "prefixes_decoded": [tok.decode(p, skip_special_tokens=False) for p in prefixes],
        }
        with open(os.path.join(HERE, "expected", f"tokenizer-json-{name}.json"), "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        print(name, len(state["model"]["vocab"]), "tokens")


if __name__ == "__main__":
    main()
