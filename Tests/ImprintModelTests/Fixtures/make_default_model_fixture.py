"""Reference outputs of the real default model, SmolLM2-135M-Instruct (Q4_1 GGUF), from transformers.

Fetch the model first (scripts/fetch-default-model.sh prints its path), then run from this folder:
    /work/.venv-ref/bin/python make_default_model_fixture.py "$(../../../scripts/fetch-default-model.sh)"
Pinned stack (shared/bench/python-reference.txt): torch 2.15.0 (CPU), transformers 5.23.0, gguf 0.19.0.

transformers loads the GGUF by dequantizing every tensor to float32 (via gguf-py) and undoing
llama.cpp's q/k row permutation; the tokenizer and chat template come from the GGUF metadata.

Outputs (default-model/):
  reference.safetensors
    input_ids          I64 [T]        apply_chat_template([{"role": "user", "content": QUESTION}],
                                      add_generation_prompt=True) tokenized with the GGUF's tokenizer
    last_logits        F32 [3, 49152] logits at the last 3 positions (T-3, T-2, T-1), float32
    generated_ids      I64 [20]       the greedy 20-token continuation (no EOS stop)
  reference.json       the prompt text, input ids, generated ids and decoded text, top-5 next tokens
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
QUESTION = "What is the capital of France?"
NEW_TOKENS = 20


def main(gguf_path):
    directory, filename = os.path.split(os.path.abspath(gguf_path))
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=filename)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=filename, torch_dtype=torch.float32,
                                                 attn_implementation="eager")
    model.eval()
    messages = [{"role": "user", "content": QUESTION}]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    input_ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt").input_ids
    templated = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                              return_dict=True, return_tensors="pt")["input_ids"]
    assert torch.equal(input_ids, templated), (input_ids, templated)
    with torch.no_grad():
        logits = model(input_ids=input_ids).logits[0]
        output = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=NEW_TOKENS,
                                min_new_tokens=NEW_TOKENS, do_sample=False, eos_token_id=None,
                                pad_token_id=tokenizer.pad_token_id)
    generated = output[0, input_ids.shape[1]:]
    assert generated.shape[0] == NEW_TOKENS
    out = os.path.join(HERE, "default-model")
    os.makedirs(out, exist_ok=True)
    save_file({"input_ids": input_ids[0].contiguous(), "last_logits": logits[-3:].contiguous(),
               "generated_ids": generated.contiguous()},
              os.path.join(out, "reference.safetensors"), metadata={"format": "pt"})
    top = torch.topk(logits[-1], 5)
    summary = {
        "model": filename,
        "question": QUESTION,
        "prompt": prompt,
        "input_ids": input_ids[0].tolist(),
        "generated_ids": generated.tolist(),
        "generated_text": tokenizer.decode(generated, skip_special_tokens=False),
        "next_token_top5": [{"id": int(i), "token": tokenizer.decode([int(i)]), "logit": float(v)}
                            for v, i in zip(top.values, top.indices)],
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(summary, f, indent=1, ensure_ascii=False)
    print(json.dumps(summary, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.expanduser("~/.cache/imprint/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
