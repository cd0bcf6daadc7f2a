"""Records the SFT fixtures for ImprintSFTTests: a tiny tokenizer and Llama, an initial LoRA adapter, a small
conversational prompt/completion dataset, and the PyTorch loss trajectory of 10 optimizer steps over it.

Pinned reference stack: Python 3.11, torch==2.15.0 (CPU), transformers==5.23.0, peft==0.21.2, tokenizers==0.23.3.

The trajectory follows TRL's SFTTrainer mechanics (trl==1.16.0, `SFTTrainer` with a conversational prompt/completion
dataset), written out as a plain loop so the data order is fixed: the prompt is rendered with
`apply_chat_template(prompt, add_generation_prompt=True)`, the whole example with `apply_chat_template(prompt +
completion)`; the completion mask is 0 on the prompt's tokens and 1 after; labels are -100 on prompt and padding
(right padding); the loss of an optimizer step is the token-level mean over every non-ignored token of its
gradient-accumulation micro-batches (transformers' `num_items_in_batch`); AdamW (torch), `clip_grad_norm_`,
`get_linear_schedule_with_warmup`. Examples are taken in file order, no shuffling.

Also copies the chat templates the tokenizer fixtures render (llama.cpp's models/templates, fetched into the cache by
scripts/fetch-test-vocabularies.sh, plus SmolLM2's and Gemma 3's) into templates.json for the masking test.

Run from the repository root: /work/.venv-ref/bin/python Tests/ImprintSFTTests/Fixtures/make_sft_fixtures.py
"""
import json
import os

import torch
from peft import LoraConfig, get_peft_model
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, get_linear_schedule_with_warmup

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "tiny")
TEMPLATE_CACHE = os.path.expanduser("~/.cache/imprint/llama-cpp-vocab/templates")
TOKENIZER_TEMPLATES = os.path.join(HERE, "..", "..", "ImprintTokenizerTests", "Fixtures", "templates")

SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TEMPLATE_NAMES = [
    "Mistral-Small-3.2-24B-Instruct-2506", "Qwen-Qwen2.5-7B-Instruct", "Qwen-Qwen3-0.6B", "google-gemma-2-2b-it",
    "meta-llama-Llama-3.1-8B-Instruct", "meta-llama-Llama-3.2-3B-Instruct", "meta-llama-Llama-3.3-70B-Instruct",
    "microsoft-Phi-3.5-mini-instruct", "mistralai-Mistral-Nemo-Instruct-2407",
]
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

STORIES = [
    ("Tell me about the lantern story.", "A girl carried a lantern across the dunes to find her lost goat."),
    ("Tell me about the clock story.", "An old clock in the square stopped each night at nine."),
    ("Tell me about the river story.", "Two brothers built a raft and followed the river to the sea."),
    ("Tell me about the bread story.", "The baker hid a silver key inside the morning bread."),
    ("Tell me about the owl story.", "An owl taught the village children to read the stars."),
    ("Tell me about the bridge story.", "A stone bridge sang softly whenever it rained."),
    ("What happens in the kite story?", "A red kite pulled a boy over the hill and into a garden."),
    ("What happens in the well story?", "Coins dropped in the well came back as letters."),
    ("What happens in the fox story?", "A fox and a crow shared one winter in an empty barn."),
    ("What happens in the map story?", "A torn map led three friends to an island of bells."),
    ("What happens in the snow story?", "Snow fell upward for one day and nobody could explain it."),
    ("What happens in the boat story?", "A paper boat crossed the pond and reached a castle."),
]
CORPUS = [p + " " + c for p, c in STORIES] * 20 + ["You are a helpful AI assistant named SmolLM, trained by Hugging Face"]

STEPS, BATCH, ACCUMULATION, MAX_LENGTH = 10, 2, 2, 96
LEARNING_RATE, WARMUP, WEIGHT_DECAY, MAX_GRAD_NORM = 1e-2, 2, 0.01, 1.0


def make_tokenizer():
    """A byte-level BPE over printable ASCII (plus newline and tab) with 96 merges: 196 tokens."""
    byte_level = pre_tokenizers.ByteLevel.alphabet()
    table = {b: c for b, c in zip(range(256), _bytes_to_unicode())}
    alphabet = [table[b] for b in list(range(32, 127)) + [9, 10]]
    assert all(symbol in byte_level for symbol in alphabet)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=len(SPECIAL_TOKENS) + len(alphabet) + 96, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=alphabet, limit_alphabet=len(alphabet), show_progress=False)
    tokenizer.train_from_iterator(CORPUS, trainer)
    return tokenizer


def _bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [c for _, c in sorted(zip(bs, map(chr, cs)))]


def main():
    torch.manual_seed(0)
    os.makedirs(TINY, exist_ok=True)
    raw = make_tokenizer()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                        bos_token="<|im_start|>")
    tokenizer.chat_template = SMOLLM2_TEMPLATE
    raw.save(os.path.join(TINY, "tokenizer.json"))
    with open(os.path.join(TINY, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
                   "bos_token": "<|im_start|>", "chat_template": SMOLLM2_TEMPLATE, "model_max_length": 256}, f, indent=1)

    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0, rms_norm_eps=1e-5)
    model = LlamaForCausalLM(config).float()
    model.save_pretrained(TINY)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", lora_dropout=0.0))
    peft_model.save_pretrained(os.path.join(TINY, "initial-adapter"))

    rows = [{"prompt": [{"role": "user", "content": p}], "completion": [{"role": "assistant", "content": c}]}
            for p, c in STORIES]
    with open(os.path.join(HERE, "stories.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")

    examples = []
    for row in rows:
        prompt_ids = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=True,
                                                   return_dict=False)
        ids = tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=True, return_dict=False)
        assert ids[:len(prompt_ids)] == prompt_ids
        mask = [0] * len(prompt_ids) + [1] * (len(ids) - len(prompt_ids))
        examples.append((ids[:MAX_LENGTH], mask[:MAX_LENGTH]))

    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=LEARNING_RATE,
                                  weight_decay=WEIGHT_DECAY)
    schedule = get_linear_schedule_with_warmup(optimizer, WARMUP, STEPS)
    peft_model.train()
    losses, grad_norms, learning_rates, first_batch = [], [], [], None
    position = 0
    for step in range(STEPS):
        micro_batches = []
        for _ in range(ACCUMULATION):
            chosen = [examples[(position + i) % len(examples)] for i in range(BATCH)]
            position += BATCH
            width = max(len(ids) for ids, _ in chosen)
            input_ids = torch.tensor([ids + [tokenizer.pad_token_id] * (width - len(ids)) for ids, _ in chosen])
            labels = torch.tensor([[t if m else -100 for t, m in zip(ids, mask)] + [-100] * (width - len(ids))
                                   for ids, mask in chosen])
            micro_batches.append((input_ids, labels))
            if first_batch is None:
                first_batch = {"input_ids": input_ids.tolist(), "labels": labels.tolist()}
        items = sum(int((labels[:, 1:] != -100).sum()) for _, labels in micro_batches)
        total = 0.0
        learning_rates.append(schedule.get_last_lr()[0])
        for input_ids, labels in micro_batches:
            logits = peft_model(input_ids=input_ids).logits
            loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)),
                                                     labels[:, 1:].reshape(-1), ignore_index=-100, reduction="sum")
            (loss / items).backward()
            total += loss.item()
        grad_norms.append(float(torch.nn.utils.clip_grad_norm_(
            [p for p in peft_model.parameters() if p.requires_grad], MAX_GRAD_NORM)))
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(total / items)

    with open(os.path.join(HERE, "trajectory.json"), "w") as f:
        json.dump({"steps": STEPS, "batch_size": BATCH, "gradient_accumulation_steps": ACCUMULATION,
                   "max_length": MAX_LENGTH, "learning_rate": LEARNING_RATE, "warmup_steps": WARMUP,
                   "weight_decay": WEIGHT_DECAY, "max_grad_norm": MAX_GRAD_NORM, "lora_r": 4, "lora_alpha": 8,
                   "losses": losses, "grad_norms": grad_norms, "learning_rates": learning_rates,
                   "first_batch": first_batch}, f, indent=1)

    templates = {"smollm2-135m-instruct": SMOLLM2_TEMPLATE}
    for name in TEMPLATE_NAMES:
        with open(os.path.join(TEMPLATE_CACHE, name + ".jinja")) as f:
            templates[name] = f.read()
    with open(os.path.join(TOKENIZER_TEMPLATES, "google-gemma-3-it.jinja")) as f:
        templates["google-gemma-3-it"] = f.read()
    with open(os.path.join(HERE, "templates.json"), "w") as f:
        json.dump(templates, f, indent=1, sort_keys=True)
    print("losses", losses)


if __name__ == "__main__":
    main()
