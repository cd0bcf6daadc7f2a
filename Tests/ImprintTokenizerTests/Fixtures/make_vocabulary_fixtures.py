#!/usr/bin/env python3
"""Records reference token ids for ImprintTokenizerTests from real vocabularies.

Pinned reference stack: Python 3.11, tokenizers==0.23.3, transformers==5.23.0, gguf==0.19.0.

For every GGUF vocabulary (the default model SmolLM2-135M-Instruct and the 15 llama.cpp ggml-vocab-*.gguf with test
vectors, fetched by scripts/fetch-default-model.sh and scripts/fetch-test-vocabularies.sh) this rebuilds, with HF
`tokenizers`, the Hugging Face tokenizer the file was converted from (the family's original tokenizer.json
components as transformers' tokenizer classes build them, vocabulary and merges read from the GGUF), checks it
against llama.cpp's recorded `.inp`/`.out` vectors (which were made with the original HF tokenizers) and stops
unless every vector agrees, then records ids for corpus.json and for the .inp texts:
`expected/<vocabulary>.json` = {"texts": [...], "ids": [...], "ids_with_special": [...], "decoded": [...],
"decoded_skipping_special": [...]}. Third-party vocabularies are never committed, only these ids.

`ids_with_special` carries the special tokens llama.cpp adds (src/llama-vocab.cpp), not transformers' GGUF
conversion (which drops Llama 3's BOS): tokenizer.ggml.add_bos_token/add_eos_token when present, otherwise BOS for
SentencePiece, for the Llama 3 pre-tokenizer and for Gemma 4 (always), and CLS ... SEP for WordPiece.

nomic-bert-moe (tokenizer.ggml.model t5, SentencePiece Unigram, no vectors) is rebuilt as XLM-R's tokenizer.json
(build_unigram) and records the corpus, the llama-spm and bert-bge .inp texts and EXTRA_TEXTS; with LLAMA_TOKENIZE
set to a build of scripts/llama-cpp/llama_tokenize.cpp, llama.cpp's own ids are compared too (86 of the 88 texts agree,
all but the two EXTRA_TEXTS explained there).

Run from the repository root: /work/.venv-ref/bin/python Tests/ImprintTokenizerTests/Fixtures/make_vocabulary_fixtures.py
[NAME ...] (all vocabularies when no name is given)
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
QWEN35 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
CJK = "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+"
# DeepSeek LLM's letter class, with the six code points that NFC changes written as escapes.
DEEPSEEK_LLM_LETTERS = (
    "[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝ"
    "\u1f5f-\u1f7dᾀ-ᾴᾶ-ᾼ\u1fbeῂ-ῄῆ-ῌ\u1fd0-\u1fd3\u1fd6-\u1fdbῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212a-\u212d"
    "ℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+")
LLAMA3_PRE = ("llama-bpe", "llama3", "llama-v3")
# Vocabularies without vectors of their own also record the .inp texts of these.
BORROWED_TEXTS = {"nomic-bert-moe": ["llama-spm", "bert-bge"]}
# Charsmap and Unigram edge cases. llama.cpp differs from HF on the first two only: HF replaces a grapheme cluster by
# its shortest matching key (the accent after a fullwidth A is dropped; llama.cpp and sentencepiece match the longest
# prefix), and HF's Unigram matches control pieces such as <s> that normalization produces (llama.cpp does not).
EXTRA_TEXTS = {"nomic-bert-moe": ["\uff21\u0301 e\u0301", "\uff1cs\uff1e fullwidth", "x\u200dy", "\u3000\u3000lead",
                                  "tab\there", "  many   spaces  ", "a <mask> b", "<mask>x", "\U0001d518\U0001d52b\U0001d526",
                                  "\u01c5 \u01c8 \u01cb", "\u216b \u337f \u3231", "\ufffd"]}


def split(pattern):
    return pre_tokenizers.Split(Regex(pattern), "isolated")


def byte_level_pre(pre):
    """(pre-tokenizer, normalizer) of a byte-level family, as GGUFBytePairFamily.swift maps tokenizer.ggml.pre."""
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    gpt2 = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if pre in ("default", "gpt-2"):
        return gpt2, None
    if pre == "mpt":
        return gpt2, normalizers.NFC()
    if pre in LLAMA3_PRE:
        return pre_tokenizers.Sequence([split(LLAMA3), byte_level]), None
    if pre == "qwen2":
        return pre_tokenizers.Sequence([split(QWEN2), byte_level]), normalizers.NFC()
    if pre == "qwen35":
        return pre_tokenizers.Sequence([split(QWEN35), byte_level]), None
    if pre in ("smollm", "starcoder", "refact", "command-r"):
        digits = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), gpt2])
        return digits, normalizers.NFC() if pre == "command-r" else None
    if pre == "falcon":
        return pre_tokenizers.Sequence([pre_tokenizers.Punctuation("contiguous"), gpt2,
                                        pre_tokenizers.Digits(individual_digits=False), split("[0-9][0-9][0-9]")]), None
    if pre == "deepseek-coder":
        return pre_tokenizers.Sequence([split("[\r\n]"), split(r"\s?\p{L}+"), split(r"\s?\p{P}+"), split(CJK),
                                        pre_tokenizers.Digits(individual_digits=True), byte_level]), None
    if pre == "deepseek-llm":
        return pre_tokenizers.Sequence([split("[\r\n]"), split(r"\s?" + DEEPSEEK_LLM_LETTERS),
                                        split(r"\s?[!-/:-~！-／：-～‘-‟　-。]+"), split(r"\s+$"), split(CJK),
                                        pre_tokenizers.Digits(individual_digits=False), byte_level]), None
    raise SystemExit(f"unsupported pre {pre}")


def word_piece_spelling(token):
    """llama.cpp stores BERT's vocabulary with a phantom space: ▁p for a word start, p for ##p."""
    if token.startswith("[") and token.endswith("]"):
        return token
    return token[1:] if token.startswith("\u2581") else "##" + token


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
    if kind == "t5":
        return build_unigram(reader, tokens, types)
    if kind == "bert":
        pieces = [word_piece_spelling(t) for t in tokens]
        vocab = {}
        for i, t in enumerate(pieces):
            vocab.setdefault(t, i)
        tok = Tokenizer(models.WordPiece(vocab, unk_token=pieces[field(reader, "tokenizer.ggml.unknown_token_id")]))
        tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                                    lowercase=True)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece(prefix="##")
        tok.add_tokens([AddedToken(pieces[i], special=s, normalized=False) for i, _, s in added])
        cls_id = field(reader, "tokenizer.ggml.cls_token_id")
        sep_id = field(reader, "tokenizer.ggml.seperator_token_id")
        tok.post_processor = processors.TemplateProcessing(
            single=f"{pieces[cls_id]} $A {pieces[sep_id]}", special_tokens=[(pieces[cls_id], cls_id), (pieces[sep_id], sep_id)])
        return tok
    if kind == "gpt2":
        merges = [tuple(m.split(" ", 1)) for m in field(reader, "tokenizer.ggml.merges")]
        pre = field(reader, "tokenizer.ggml.pre", "default")
        tok = Tokenizer(models.BPE(vocab, merges, ignore_merges=pre in LLAMA3_PRE))
        tok.pre_tokenizer, normalizer = byte_level_pre(pre)
        if normalizer is not None:
            tok.normalizer = normalizer
        tok.decoder = decoders.ByteLevel()
        add_bos = field(reader, "tokenizer.ggml.add_bos_token", pre in LLAMA3_PRE)
    elif kind == "gemma4":
        merges = [tuple(m.split(" ", 1)) for m in field(reader, "tokenizer.ggml.merges")]
        unk = field(reader, "tokenizer.ggml.unknown_token_id")
        tok = Tokenizer(models.BPE(vocab, merges, fuse_unk=True, unk_token=tokens[unk], byte_fallback=True))
        tok.pre_tokenizer = pre_tokenizers.Split(pattern=" ", behavior="merged_with_previous", invert=False)
        tok.normalizer = normalizers.Replace(" ", "▁")
        tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
        add_bos = True
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


def build_unigram(reader, tokens, types):
    """SentencePiece Unigram (tokenizer.ggml.model t5) as transformers' SpmConverter builds XLM-R's tokenizer.json.

    The converter's trailing [PAD<id>] tokens (type 5, unused) were not in the original vocabulary: they are left out
    (they would lower the unknown token's score, the lowest score minus 10). Control and unknown tokens are special
    added tokens; <mask> strips on its left (XLM-R's tokenizer.json; llama.cpp for nomic-bert-moe).
    """
    scores = field(reader, "tokenizer.ggml.scores")
    count = len(tokens)
    while count > 0 and types[count - 1] == 5:
        count -= 1
    assert 5 not in types[:count], "unused tokens inside the vocabulary"
    vocab = [(tokens[i], 0.0 if types[i] == 4 else float(scores[i])) for i in range(count)]
    unk = field(reader, "tokenizer.ggml.unknown_token_id", 2)
    tok = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    steps = []
    charsmap = field(reader, "tokenizer.ggml.precompiled_charsmap")
    if charsmap:
        steps.append(normalizers.Precompiled(bytes(int(b) & 0xFF for b in charsmap)))
    if field(reader, "tokenizer.ggml.remove_extra_whitespaces", False):
        steps += [normalizers.Strip(left=False, right=True), normalizers.Replace(Regex(" {2,}"), "\u2581")]
    if steps:
        tok.normalizer = normalizers.Sequence(steps)
    scheme = "always" if field(reader, "tokenizer.ggml.add_space_prefix", True) else "never"
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme=scheme)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme=scheme)
    arch = field(reader, "general.architecture", "")
    tok.add_tokens([AddedToken(tokens[i], special=types[i] != 4, normalized=False,
                               lstrip=tokens[i] == "<mask>" and arch in ("nomic-bert-moe", "jina-bert-v3"))
                    for i in range(count) if types[i] in (2, 3, 4)])
    for i in range(count):
        if types[i] in (2, 3, 4):
            assert tok.token_to_id(tokens[i]) == i, (tokens[i], i)
    bos_id = field(reader, "tokenizer.ggml.bos_token_id")
    eos_id = field(reader, "tokenizer.ggml.eos_token_id", 1)
    single, special = [], []
    if field(reader, "tokenizer.ggml.add_bos_token", False) and bos_id is not None:
        single.append(tokens[bos_id])
        special.append((tokens[bos_id], bos_id))
    single.append("$A")
    if field(reader, "tokenizer.ggml.add_eos_token", True) and eos_id is not None:
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


def compare_with_llama_cpp(name, path, tok, texts):
    """Prints how many texts llama.cpp's own tokenizer (LLAMA_TOKENIZE: scripts/llama-cpp/llama_tokenize.cpp) encodes
    like the rebuild, without and with special tokens, and every text where they differ."""
    import subprocess
    stdin = "".join(t + SEPARATOR for t in texts).encode("utf-8")
    lines = subprocess.run([os.environ["LLAMA_TOKENIZE"], path], input=stdin, capture_output=True, check=True).stdout
    lines = lines.decode().split("\n")
    plain = [[int(x) for x in lines[2 * i].split()] for i in range(len(texts))]
    special = [[int(x) for x in lines[2 * i + 1].split()] for i in range(len(texts))]
    same = same_special = 0
    for text, a, b in zip(texts, plain, special):
        ours, ours_special = tok.encode(text, add_special_tokens=False).ids, tok.encode(text).ids
        same += a == ours
        same_special += b == ours_special
        if a != ours or b != ours_special:
            print(f"{name}: llama.cpp differs on {text!r}: {a} / {b} vs {ours} / {ours_special}", file=sys.stderr)
    print(f"{name}: llama.cpp agrees with the rebuild on {same}/{len(texts)} texts ({same_special} with special tokens)",
          file=sys.stderr)


def main():
    with open(os.path.join(HERE, "corpus.json"), encoding="utf-8") as f:
        corpus = json.load(f)
    vocabularies = {"smollm2-135m-instruct": os.path.join(CACHE, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")}
    for name in ["bert-bge", "command-r", "deepseek-coder", "deepseek-llm", "falcon", "gemma-4", "gpt-2", "llama-bpe",
                 "llama-spm", "mpt", "nomic-bert-moe", "phi-3", "qwen2", "qwen35", "refact", "starcoder"]:
        vocabularies[name] = os.path.join(VOCAB_DIR, f"ggml-vocab-{name}.gguf")
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    only = sys.argv[1:]
    for name, path in vocabularies.items():
        if only and name not in only:
            continue
        tok = build(path)
        texts = list(corpus)
        for other in BORROWED_TEXTS.get(name, []):
            texts += [t for t in read_vectors(os.path.join(VOCAB_DIR, f"ggml-vocab-{other}.gguf"))[0] if t not in texts]
        texts += [t for t in EXTRA_TEXTS.get(name, []) if t not in texts]
        if os.path.exists(path + ".inp"):
            vector_texts, outs = read_vectors(path)
            agree = sum(tok.encode(t, add_special_tokens=False).ids == o for t, o in zip(vector_texts, outs))
            print(f"{name}: reference rebuild agrees with llama.cpp vectors on {agree}/{len(outs)}", file=sys.stderr)
            if agree != len(outs):
                raise SystemExit(f"{name}: the reference rebuild does not reproduce llama.cpp's vectors")
            texts += [t for t in vector_texts if t not in texts]
        ids = [tok.encode(t, add_special_tokens=False).ids for t in texts]
        if os.environ.get("LLAMA_TOKENIZE") and not os.path.exists(path + ".inp"):
            compare_with_llama_cpp(name, path, tok, texts)
        record = {
            "texts": texts,
            "ids": ids,
            "ids_with_special": [tok.encode(t).ids for t in texts],
            "decoded": [tok.decode(i, skip_special_tokens=False) for i in ids],
            "decoded_skipping_special": [tok.decode(i, skip_special_tokens=True) for i in ids],
        }
        if field(gguf.GGUFReader(path), "tokenizer.ggml.model") == "t5":
            record["normalized"] = [tok.normalizer.normalize_str(t) for t in texts]
        with open(os.path.join(HERE, "expected", f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
