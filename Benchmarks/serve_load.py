"""Load generator for Benchmarks/serve_vs_llama_server.sh: N concurrent clients against an OpenAI-compatible server.

Each request is POST /v1/completions with its own prompt, greedy, `max_tokens` new tokens and `ignore_eos` (vLLM's
and llama.cpp's extension), so every server generates exactly the same number of tokens. Prints one JSON line:
aggregate completion tokens per second (all tokens / wall time of the round), and per-request latency percentiles.
Standard library only.

    python serve_load.py URL --clients 16 --requests 16 --max-tokens 64 [--rounds 3] [--label NAME]
"""
import argparse
import json
import statistics
import threading
import time
import urllib.request

TOPICS = ["a lighthouse keeper", "a lost key", "the first snow", "a clockmaker", "a river town", "an old map",
          "a night train", "a garden robot", "a quiet library", "a mountain pass", "a paper boat", "a bakery at dawn",
          "a comet", "a chess match", "a violin", "a desert well"]


def post(url, body):
    request = urllib.request.Request(url + "/v1/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=3600) as response:
        answer = json.load(response)
    return time.perf_counter() - start, answer["usage"]["completion_tokens"]


def round_of(url, clients, requests, max_tokens, offset):
    """`requests` requests spread over `clients` threads; returns wall seconds, latencies, tokens."""
    prompts = [f"Once upon a time, there was {TOPICS[(offset + i) % len(TOPICS)]} that" for i in range(requests)]
    results, lock, queue = [], threading.Lock(), list(range(requests))

    def client():
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop(0)
            body = {"model": "served", "prompt": prompts[index], "max_tokens": max_tokens, "temperature": 0,
                    "ignore_eos": True}
            result = post(url, body)
            with lock:
                results.append(result)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, [r[0] for r in results], sum(r[1] for r in results)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--label", default="server")
    arguments = parser.parse_args()
    round_of(arguments.url, arguments.clients, min(arguments.requests, 4), 8, 0)  # warm-up
    throughputs, latencies = [], []
    for index in range(arguments.rounds):
        seconds, round_latencies, tokens = round_of(arguments.url, arguments.clients, arguments.requests,
                                                    arguments.max_tokens, index * arguments.requests)
        assert tokens == arguments.requests * arguments.max_tokens, (tokens, "a server stopped early")
        throughputs.append(tokens / seconds)
        latencies += round_latencies
    print(json.dumps({"label": arguments.label, "clients": arguments.clients, "requests": arguments.requests,
                      "max_tokens": arguments.max_tokens, "rounds": arguments.rounds,
                      "tokens_per_s_median": statistics.median(throughputs), "tokens_per_s": throughputs,
                      "latency_p50_s": percentile(latencies, 0.5), "latency_p99_s": percentile(latencies, 0.99)}),
          flush=True)


if __name__ == "__main__":
    main()
