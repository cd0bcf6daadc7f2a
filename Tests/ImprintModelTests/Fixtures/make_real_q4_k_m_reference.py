"""Reference logits of a real llama.cpp Q4_K_M file, Gemma 3 270M (scripts/fetch-q4_k_m-model.sh),
from `transformers` loading that GGUF, for the opt-in RealQ4KMTests.

Run once from this folder after fetching the model; the output is committed, the file is not.
    /work/.venv-ref/bin/python make_real_q4_k_m_reference.py [PATH.gguf]
Pinned stack (shared/bench/python-reference.txt): torch 2.15.0 (CPU), transformers 5.23.0, gguf 0.19.

Writes real-q4_k_m/reference.safetensors:
  input_ids     I64 [8]      "The capital of France is" with BOS (6 ids), then " Paris." (2 ids),
                             tokenized by transformers from the GGUF vocabulary
  logits_head   F32 [8, 4096] the logits of vocabulary ids 0..<4096 at every position
                             (AutoModelForCausalLM.from_pretrained(dir, gguf_file=..., dtype=float32),
                             eager attention); the full rows (262144 wide) would be 8 MB
  logit_range   F32 [2]      min and max over every position's full row
  argmax        I64 [8]      the full row's argmax at every position
  generated_ids I64 [8]      greedy continuation of the first 6 ids (the prompt), 8 tokens
"""
import os
import sys
import tempfile

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.expanduser(os.environ.get("IMPRINT_CACHE", "~/.cache/imprint")) + "/models/gemma-3-270m-Q4_K_M.gguf"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    with tempfile.TemporaryDirectory() as directory:
        os.symlink(os.path.abspath(path), os.path.join(directory, "model.gguf"))
        tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file="model.gguf")
        model = AutoModelForCausalLM.from_pretrained(directory, gguf_file="model.gguf", dtype=torch.float32,
                                                     attn_implementation="eager")
    model.eval()
    prompt = tokenizer("The capital of France is", add_special_tokens=True)["input_ids"]
    suffix = tokenizer(" Paris.", add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt + suffix])
    assert ids.shape[1] == 8, ids
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0]
        generated = model.generate(torch.tensor([prompt]), max_new_tokens=8, do_sample=False)[0, len(prompt):]
    print("ids", ids.tolist(), "argmax", logits.argmax(-1).tolist(), "generated", tokenizer.decode(generated))
    os.makedirs(os.path.join(HERE, "real-q4_k_m"), exist_ok=True)
    save_file({"input_ids": ids[0].clone(), "logits_head": logits[:, :4096].contiguous(),
               "logit_range": torch.stack([logits.min(), logits.max()]), "argmax": logits.argmax(-1),
               "generated_ids": generated.clone()},
              os.path.join(HERE, "real-q4_k_m", "reference.safetensors"), metadata={"format": "pt"})


if __name__ == "__main__":
    main()
