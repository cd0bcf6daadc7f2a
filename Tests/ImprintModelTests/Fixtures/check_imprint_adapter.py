"""Checks that PEFT loads an adapter saved by Imprint and gives Imprint's logits. Run by hand:
    IMPRINT_LORA_EXPORT=/tmp/imprint-lora swift test --filter testTrainedAdapterSavesAndReloadsToTheSameLogits
    /work/.venv-ref/bin/python check_imprint_adapter.py /tmp/imprint-lora
Pinned stack: torch 2.15.0 (CPU), transformers 5.23.0, peft 0.21.2, safetensors 0.8.0.
DIR/adapter is the adapter (trained on the tiny Llama fixture, llama/), DIR/imprint-logits.safetensors
holds `input_ids` and the `logits` Imprint computed with it. Passes when PEFT's logits are within
1e-4 of Imprint's relative to max |logit|; prints the max |difference|.
"""
import os
import sys

import torch
from peft import PeftConfig, PeftModel
from safetensors.torch import load_file
from transformers import LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))

directory = sys.argv[1]
adapter_directory = os.path.join(directory, "adapter")
config = PeftConfig.from_pretrained(adapter_directory)
print("PEFT read:", type(config).__name__, "r", config.r, "alpha", config.lora_alpha, "rslora", config.use_rslora,
      "dropout", config.lora_dropout, "targets", sorted(config.target_modules))
base = LlamaForCausalLM.from_pretrained(os.path.join(HERE, "llama"), torch_dtype=torch.float32, attn_implementation="eager")
model = PeftModel.from_pretrained(base, adapter_directory)
model.eval()
reference = load_file(os.path.join(directory, "imprint-logits.safetensors"))
with torch.no_grad():
    logits = model(input_ids=reference["input_ids"]).logits
difference = float((logits - reference["logits"]).abs().max())
scale = float(reference["logits"].abs().max())
print(f"max |PEFT - Imprint| = {difference:.3g} (max |logit| {scale:.3g}, relative {difference / scale:.3g})")
assert difference <= 1e-4 * scale, "PEFT's logits differ from Imprint's"
print("OK: PEFT loads the Imprint adapter and gives the same logits")
