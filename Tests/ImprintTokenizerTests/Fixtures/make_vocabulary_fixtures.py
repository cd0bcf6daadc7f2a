#!/usr/bin/env python3
"""Records reference token ids for ImprintTokenizerTests from real vocabularies.

Pinned reference stack: Python 3.11, tokenizers==0.23.3, transformers==5.23.0, gguf==0.19.0.

For every GGUF vocabulary (the default model SmolLM2-135M-Instruct and llama.cpp's ggml-vocab-*.gguf, fetched by
scripts/fetch-default-model.sh and scripts/fetch-test-vocabularies.sh) this rebuilds, with HF `tokenizers`, the
Hugging Face tokenizer the file was converted from (the family's original tokenizer.json components, vocabulary
and merges read from the GGUF), checks it against llama.cpp's recorded `.inp`/`.out` vectors (which were made with
the original HF tokenizers), then records ids for corpus.json and for the .inp texts:
`expected/<vocabulary>.json` = {"texts": [...], "ids": [...], "ids_with_special": [...], "decoded": [...],
"decoded_skipping_special": [...]}. Third-party vocabularies are never committed, only these ids.

Run from the repository root: /work/.venv-ref/bin/python Tests/ImprintTokenizerTests/Fixtures/make_vocabulary_fixtures.py
"""
import json
import os
import sys

import gguf
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, Regex
from tokenizers import AddedToken

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get("IMPRINT_CACHE", os.path.expanduser("~/.cache/imprint"))
VOCAB_DIR = os.path.join(CACHE, "llama-cpp-vocab")
SEPARATOR = "\n__ggml_vocab_test__\n"

LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"


def field(reader, key, default=None):
    f = reader.fields.get(key)
    return default if f is None else f.contents()


def sentencepiece_merges(tokens, scores, vocab):
    """Same derivation as PretrainedTokenizer.sentencePieceMerges (transformers' SentencePieceExtractor)."""
    candidates = []
    for i, token in enumerate(tokens):
        for cut in range(1, len(token)):
            left, right = token[:cut], token[cut:]
            if left in vocab and right in vocab:
                candidates.append((-(scores[i]), i, len(left), left, right))
    candidates.sort()
    return [(c[3], c[4]) for c in candidates]


def build(path):
    reader = gguf.GGUFReader(path)
    kind = field(reader, "tokenizer.ggml.model")
    tokens = field(reader, "tokenizer.ggml.tokens")
    types = field(reader, "tokenizer.ggml.token_type") or [1] * len(tokens)
    vocab = {}
    for i, t in enumerate(tokens):
        vocab.setdefault(t, i)
    added = [(i, t, ty == 3) for i, (t, ty) in enumerate(zip(tokens, types)) if ty in (3, 4)]
    bos_id = field(reader, "tokenizer.ggml.bos_token_id")
    eos_id = field(reader, "tokenizer.ggml.eos_token_id")
    if kind == "gpt2":
        merges = [tuple(m.split(" ", 1)) for m in field(reader, "tokenizer.ggml.merges")]
        pre = field(reader, "tokenizer.ggml.pre", "default")
        ignore = pre in ("llama-bpe",)
        tok = Tokenizer(models.BPE(vocab, merges, ignore_merges=ignore))
        byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
        if pre in ("default", "gpt-2"):
            tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        elif pre == "llama-bpe":
            tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3), "isolated"), byte_level])
        elif pre == "qwen2":
            tok.normalizer = normalizers.NFC()
            tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN2), "isolated"), byte_level])
        elif pre in ("smollm", "starcoder", "refact"):
            tok.pre_tokenizer = pre_tokenizers.Sequence([
                pre_tokenizers.Digits(individual_digits=True),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
        else:
            raise SystemExit(f"{path}: unsupported pre {pre}")
        tok.decoder = decoders.ByteLevel()
        add_bos = field(reader, "tokenizer.ggml.add_bos_token", False)
    elif kind == "llama":
        scores = field(reader, "tokenizer.ggml.scores")
        unk = field(reader, "tokenizer.ggml.unknown_token_id")
        tok = Tokenizer(models.BPE(vocab, sentencepiece_merges(tokens, scores, vocab), byte_fallback=True,
                                   fuse_unk=True, unk_token=tokens[unk] if unk is not None else None))
        space_prefix = field(reader, "tokenizer.ggml.add_space_prefix", True)
        steps = [normalizers.Replace(" ", "▁")]
        if space_prefix:
            steps.insert(0, normalizers.Prepend("▁"))
        tok.normalizer = normalizers.Sequence(steps)
        dec = [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]
        if space_prefix:
            dec.append(decoders.Strip(" ", 1, 0))
        tok.decoder = decoders.Sequence(dec)
        add_bos = field(reader, "tokenizer.ggml.add_bos_token", True)
    else:
        raise SystemExit(f"{path}: unsupported model {kind}")
    tok.add_tokens([AddedToken(t, special=s, normalized=False) for _, t, s in added])
    # Special tokens must keep their GGUF ids.
    for i, t, _ in added:
        assert tok.token_to_id(t) == i, (path, t, i, tok.token_to_id(t))
    add_eos = field(reader, "tokenizer.ggml.add_eos_token", False)
    single = []
    special = []
    if add_bos and bos_id is not None:
        single.append(tokens[bos_id])
        special.append((tokens[bos_id], bos_id))
    single.append("$A")
    if add_eos and eos_id is not None:
        single.append(tokens[eos_id])
        special.append((tokens[eos_id], eos_id))
    if special:
        tok.post_processor = processors.TemplateProcessing(single=" ".join(single), special_tokens=special)
    return tok


def read_vectors(path):
    with open(path + ".inp", encoding="utf-8") as f:
        texts = f.read().split(SEPARATOR)
    texts = texts[:-1] if texts and texts[-1] == "" else texts
    with open(path + ".out", encoding="utf-8") as f:
        outs = [[int(x) for x in line.split()] for line in f.read().split("\n")]
    return texts, outs[: len(texts)]


def main():
    with open(os.path.join(HERE, "corpus.json"), encoding="utf-8") as f:
        corpus = json.load(f)
    vocabularies = {"smollm2-135m-instruct": os.path.join(CACHE, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")}
    for name in ["gpt-2", "llama-bpe", "qwen2", "llama-spm", "phi-3", "starcoder", "refact"]:
        vocabularies[name] = os.path.join(VOCAB_DIR, f"ggml-vocab-{name}.gguf")
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    for name, path in vocabularies.items():
        tok = build(path)
        texts = list(corpus)
        if os.path.exists(path + ".inp"):
            vector_texts, outs = read_vectors(path)
            agree = sum(tok.encode(t, add_special_tokens=False).ids == o for t, o in zip(vector_texts, outs))
            print(f"{name}: reference rebuild agrees with llama.cpp vectors on {agree}/{len(outs)}", file=sys.stderr)
            texts += [t for t in vector_texts if t not in texts]
        ids = [tok.encode(t, add_special_tokens=False).ids for t in texts]
        record = {
            "texts": texts,
            "ids": ids,
            "ids_with_special": [tok.encode(t).ids for t in texts],
            "decoded": [tok.decode(i, skip_special_tokens=False) for i in ids],
            "decoded_skipping_special": [tok.decode(i, skip_special_tokens=True) for i in ids],
        }
        with open(os.path.join(HERE, "expected", f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
