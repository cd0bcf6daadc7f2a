#!/usr/bin/env python3
"""Builds small tokenizer.json directories that exercise every supported component, and records HF ids.

Pinned reference stack: Python 3.11, tokenizers==0.23.3, transformers==5.23.0.

Each `tokenizer-json/<name>/` holds a tokenizer.json trained here on corpus.json (vocabularies of a few hundred
tokens, our own, so they are committed) and a tokenizer_config.json. `expected/tokenizer-json-<name>.json` holds
the ids HF `tokenizers` produces for every corpus text (with and without special tokens), the decoded texts, and
decodes of id prefixes that cut multi-byte characters (invalid/partial UTF-8).

`tokenizer-json/unigram/` is a SentencePiece Unigram with a small precompiled charsmap built here (`charsmap`);
`expected/precompiled-charsmap.json` holds that charsmap and HF's `Precompiled` normalization of every text.

Run from the repository root:
/work/.venv-ref/bin/python Tests/ImprintTokenizerTests/Fixtures/make_tokenizer_json_fixtures.py [NAME ...]
"""
import base64
import json
import os
import sys

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


# Rules of the small SentencePiece charsmap built below: fullwidth letters, ligatures, superscripts and odd spaces
# as NFKC folds them, a two-scalar key ("e" + combining acute) and keys that are prefixes of others ("A", "AB").
CHARSMAP_RULES = [(chr(0xFF21 + i), chr(0x41 + i)) for i in range(26)] + [(chr(0xFF41 + i), chr(0x61 + i)) for i in range(26)] + [
    ("\ufb01", "fi"), ("\ufb00", "ff"), ("\u00b2", "2"), ("\u00b3", "3"), ("\t", " "), ("\n", " "), ("\r", " "),
    ("\u3000", " "), ("\u00a0", " "), ("\u200d", " "), ("e\u0301", "\u00e9"), ("A", "A"), ("AB", "ab"),
    ("\uff01", "!"), ("\uff0c", ","), ("\u2019", "'"),
]
CHARSMAP_TEXTS = ["AB AC ABC", "\uff21\u0301 e\u0301 \u00e9", "x\u200dy", "ﬁﬀ²³", "\ufb01\u0301\u0302\u0303"]


def charsmap(rules):
    """A SentencePiece precompiled_charsmap: the size of an XOR double-array trie over the keys' UTF-8 bytes, the
    trie (a unit per node: label, leaf bit, offset to its children's base; a value unit at a leaf's base) and the
    NUL-terminated replacements."""
    pool = bytearray()
    trie = {}
    for key, replacement in rules:
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = len(pool)
        pool += replacement.encode("utf-8") + b"\0"
    units = {}
    used = {0}
    bases = []
    queue = [(trie, 0)]
    while queue:
        node, index = queue.pop(0)
        labels = sorted(k for k in node if k >= 0)
        base = 1
        while base in used or any((base ^ c) in used for c in labels):
            base += 1
        used.add(base)
        used.update(base ^ c for c in labels)
        bases.append(base)
        units[index] = units.get(index, 0) | ((index ^ base) << 10)
        if -1 in node:
            units[base] = node[-1] | (1 << 31)
        for c in labels:
            units[base ^ c] = c | ((1 << 8) if -1 in node[c] else 0)
            queue.append((node[c], base ^ c))
    # HF reads base ^ byte for any byte without bounds checks: every base's 256 slots must exist.
    array = [units.get(i, 0) for i in range(max(max(units), max(b | 0xFF for b in bases)) + 1)]
    trie_bytes = b"".join(u.to_bytes(4, "little") for u in array)
    return len(trie_bytes).to_bytes(4, "little") + trie_bytes + bytes(pool)


def unigram():
    """A SentencePiece Unigram shaped like XLM-R's tokenizer.json (transformers' SpmConverter), with the charsmap
    above, byte fallback and a <mask> that strips on its left."""
    precompiled = normalizers.Precompiled(charsmap(CHARSMAP_RULES))
    normalizer = normalizers.Sequence([precompiled, normalizers.Strip(left=False, right=True),
                                       normalizers.Replace(Regex(" {2,}"), "▁")])
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    trainer = trainers.UnigramTrainer(vocab_size=400, special_tokens=specials, unk_token="<unk>", show_progress=False,
                                      initial_alphabet=[f"<0x{b:02X}>" for b in range(256)], max_piece_length=8)
    tok.train_from_iterator(TRAINING, trainer)
    state = json.loads(tok.to_str())
    vocab = [tuple(entry) for entry in state["model"]["vocab"]]
    # Byte pieces for byte fallback, scored below every learned piece.
    lowest = min(score for _, score in vocab)
    known = {piece for piece, _ in vocab}
    vocab += [(f"<0x{b:02X}>", lowest - 1) for b in range(256) if f"<0x{b:02X}>" not in known]
    tok = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=True))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace(replacement="▁", prepend_scheme="always")])
    tok.add_special_tokens([AddedToken(t, normalized=False) for t in specials])
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    for text in CHARSMAP_TEXTS:
        print("charsmap:", repr(text), "->", repr(precompiled.normalize_str(text)))
    return tok


def build():
    built = {}

    built["unigram"] = (unigram(), {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"},
                        "strings")

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
    only = sys.argv[1:]
    texts = CORPUS + EXTRA + CHARSMAP_TEXTS
    with open(os.path.join(HERE, "expected", "precompiled-charsmap.json"), "w", encoding="utf-8") as f:
        precompiled = normalizers.Precompiled(charsmap(CHARSMAP_RULES))
        json.dump({"charsmap": base64.b64encode(charsmap(CHARSMAP_RULES)).decode(), "texts": texts,
                   "normalized": [precompiled.normalize_str(t) for t in texts]}, f, ensure_ascii=False)
    for name, (tok, config, merge_style) in build().items():
        if only and name not in only:
            continue
        directory = os.path.join(HERE, "tokenizer-json", name)
        os.makedirs(directory, exist_ok=True)
        state = json.loads(tok.to_str())
        if merge_style == "strings" and "merges" in state["model"]:
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
