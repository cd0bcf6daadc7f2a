"""More PEFT LoRA adapters with reference outputs, for PEFTAdapterTests (the Llama adapter is made
by make_model_fixtures.py). Run once from this folder, after make_model_fixtures.py; outputs are
committed and the Swift tests never need Python.
    /work/.venv-ref/bin/python make_lora_fixtures.py
Pinned stack (shared/bench/python-reference.txt): torch 2.15.0 (CPU), transformers 5.23.0,
peft 0.21.2, safetensors 0.8.0.

  qwen2/adapter/         r=8, lora_alpha=16, use_rslora (scale 16/sqrt(8)), lora_dropout 0.05 (off in
                         eval mode), target_modules the regex string
                         r"model\.layers\.\d+\.self_attn\.(q_proj|v_proj)" (PEFT re.fullmatch), 4 layers
  gemma3/adapter/        r=2, lora_alpha=4, target_modules "all-linear" (saved as the 7 names), 21 layers
  <name>/adapter-reference.safetensors
    logits F32 [2, 7, V], loss F32 []   with the adapter in eval mode, input_ids of reference.safetensors,
                                         labels = input_ids
    grad.<adapter key>                   d loss / d lora_A / lora_B, keyed as in adapter_model.safetensors
    merged.logits F32 [2, 7, V]          logits after PeftModel.merge_and_unload()
A: PEFT's default init (seeded); B ~ N(0, 0.1²) so that the adapter matters.
"""
import json
import os
import shutil

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261123

ADAPTERS = {
    "qwen2": LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05, use_rslora=True, bias="none", task_type="CAUSAL_LM",
                        target_modules=r"model\.layers\.\d+\.self_attn\.(q_proj|v_proj)"),
    "gemma3": LoraConfig(r=2, lora_alpha=4, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                         target_modules="all-linear"),
}


def load_base(directory):
    return AutoModelForCausalLM.from_pretrained(directory, torch_dtype=torch.float32, attn_implementation="eager")


def record(name, config):
    directory = os.path.join(HERE, name)
    input_ids = load_file(os.path.join(directory, "reference.safetensors"))["input_ids"]
    torch.manual_seed(SEED)
    peft_model = get_peft_model(load_base(directory), config)
    generator = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for parameter_name, parameter in peft_model.named_parameters():
            if "lora_B" in parameter_name:
                parameter.copy_(0.1 * torch.randn(parameter.shape, generator=generator))
    adapter_directory = os.path.join(directory, "adapter")
    shutil.rmtree(adapter_directory, ignore_errors=True)
    peft_model.save_pretrained(adapter_directory)
    config_path = os.path.join(adapter_directory, "adapter_config.json")
    with open(config_path) as f:
        adapter_config = json.load(f)
    adapter_config["base_model_name_or_path"] = f"imprint-tiny-{name}"
    if isinstance(adapter_config["target_modules"], list):
        adapter_config["target_modules"] = sorted(adapter_config["target_modules"])
    with open(config_path, "w") as f:
        json.dump(adapter_config, f, indent=2, sort_keys=True)
    readme = os.path.join(adapter_directory, "README.md")
    if os.path.exists(readme):
        os.remove(readme)

    # Reload the saved adapter onto a fresh base, so the references describe the files.
    loaded = PeftModel.from_pretrained(load_base(directory), adapter_directory, is_trainable=True)
    loaded.eval()
    output = loaded(input_ids=input_ids, labels=input_ids)
    output.loss.backward()
    reference = {"logits": output.logits.detach().clone(), "loss": output.loss.detach().clone()}
    layers = 0
    for parameter_name, parameter in loaded.named_parameters():
        if parameter.requires_grad:
            reference[f"grad.{parameter_name.replace('.default', '')}"] = parameter.grad.detach().clone()
            layers += "lora_A" in parameter_name
    merged = loaded.merge_and_unload()
    with torch.no_grad():
        reference["merged.logits"] = merged(input_ids=input_ids).logits.clone()
    save_file(reference, os.path.join(directory, "adapter-reference.safetensors"), metadata={"format": "pt"})
    print(name, "adapter layers", layers, "loss", float(reference["loss"]),
          "max |merged - unmerged|", float((reference["merged.logits"] - reference["logits"]).abs().max()))


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    for name, config in ADAPTERS.items():
        record(name, config)
