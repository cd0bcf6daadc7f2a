#!/usr/bin/env python3
"""The transformers side of Benchmarks/eval_vs_transformers.sh, and the benchmark's questions.

`prepare QA_PAIRS.json OUT.jsonl [--facts 300]`: draws --facts rows of seed 003's qa_pairs.json with
random.Random(42) and writes two held-out phrasings per fact as evaluation rows (`fact_id`, `phrasing_id`
rephrased_3 / rephrased_6, `question`, `answer`, `fact`, `category`). The seed's rephrasings are not published,
so rephrased_3 is the seed's question (its literal surrounding quotes removed) and rephrased_6 the same question
behind a fixed instruction ("Briefly: ..."): two prompts per fact of realistic length, which is what a throughput
benchmark needs; the accuracy is not the point.

`generate MODEL.gguf|HF_DIR ROWS.jsonl OUT.jsonl [--batch-size 16] [--max-new-tokens 32] [--threads N]`: answers
every row with transformers `generate`: float32 weights (a GGUF is dequantized by transformers), the question as a
chat user message (the tokenizer's chat template, add_generation_prompt=True), batches of --batch-size left-padded
prompts, greedy, at most --max-new-tokens new tokens. Writes one {"question", "answer"} line per row and prints one
JSON line with the generation time (model loading excluded).

Pinned stack: torch==2.15.0 (CPU), transformers==5.23.0, gguf==0.19 (the reference venv, /work/.venv-ref).
"""
import argparse
import json
import os
import random
import time


def unquote(text):
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text.startswith('"') and text.endswith('"') else text


def prepare(args):
    rows = json.load(open(args.qa_pairs))
    drawn = random.Random(42).sample(range(len(rows)), min(args.facts, len(rows)))
    with open(args.out, "w") as out:
        for fact_id in sorted(drawn):
            row = rows[fact_id]
            question = unquote(row["question"])
            base = {"fact_id": str(fact_id), "answer": unquote(row["answer"]), "fact": row["fact"].strip(),
                    "category": row.get("category")}
            out.write(json.dumps({**base, "phrasing_id": "rephrased_3", "question": question}) + "\n")
            out.write(json.dumps({**base, "phrasing_id": "rephrased_6", "question": "Briefly: " + question}) + "\n")


def load(path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    if path.endswith(".gguf"):
        directory, name = os.path.split(path)
        model = AutoModelForCausalLM.from_pretrained(directory or ".", gguf_file=name, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(directory or ".", gguf_file=name)
    else:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(path)
    return model.eval(), tokenizer


def generate(args):
    import torch
    torch.set_num_threads(args.threads)
    model, tokenizer = load(args.model)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    questions = [json.loads(line)["question"] for line in open(args.rows) if line.strip()]
    prompts = [tokenizer.apply_chat_template([{"role": "user", "content": q}], tokenize=False, add_generation_prompt=True)
               for q in questions]
    answers = []
    start = time.perf_counter()
    with torch.no_grad():
        for first in range(0, len(prompts), args.batch_size):
            batch = tokenizer(prompts[first:first + args.batch_size], return_tensors="pt", padding=True, add_special_tokens=False)
            output = model.generate(**batch, do_sample=False, max_new_tokens=args.max_new_tokens,
                                    pad_token_id=tokenizer.pad_token_id)
            width = batch["input_ids"].shape[1]
            answers += tokenizer.batch_decode(output[:, width:], skip_special_tokens=True)
    seconds = time.perf_counter() - start
    with open(args.out, "w") as out:
        for question, answer in zip(questions, answers):
            out.write(json.dumps({"question": question, "answer": answer}) + "\n")
    print(json.dumps({"generator": "transformers", "answers": len(answers), "seconds": seconds,
                      "batch_size": args.batch_size, "threads": args.threads}))


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("prepare")
    p.add_argument("qa_pairs")
    p.add_argument("out")
    p.add_argument("--facts", type=int, default=300)
    g = commands.add_parser("generate")
    g.add_argument("model")
    g.add_argument("rows")
    g.add_argument("out")
    g.add_argument("--batch-size", type=int, default=16)
    g.add_argument("--max-new-tokens", type=int, default=32)
    g.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    prepare(args) if args.command == "prepare" else generate(args)


if __name__ == "__main__":
    main()
