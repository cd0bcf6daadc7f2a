"""Checks `imprint serve` with the official `openai` Python client, used as any application uses it.

Run by scripts/test-openai-client.sh (which installs openai==3.51.0): python openai_client_check.py URL API_KEY.
The server runs the tiny test model (Tests/ImprintSFTTests/Fixtures/tiny) as "tiny", with --max-tokens-limit 200 and
--max-body-bytes 65536.
"""
import sys

import openai
from openai import OpenAI

url, key = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=url + "/v1", api_key=key, max_retries=0)
messages = [{"role": "user", "content": "Tell me a story"}]

# Models.
assert [model.id for model in client.models.list()] == ["tiny"]
assert client.models.retrieve("tiny").id == "tiny"

# A chat completion, n = 3 with a seed: reproducible, counted once for the prompt and per choice for completions.
reply = client.chat.completions.create(model="tiny", messages=messages, max_tokens=12, temperature=0.8, seed=7, n=3)
assert reply.object == "chat.completion" and len(reply.choices) == 3, reply
assert [choice.index for choice in reply.choices] == [0, 1, 2]
assert all(choice.message.role == "assistant" and choice.finish_reason in ("stop", "length") for choice in reply.choices)
assert reply.usage.prompt_tokens > 0 and reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
again = client.chat.completions.create(model="tiny", messages=messages, max_tokens=12, temperature=0.8, seed=7, n=3)
assert [c.message.content for c in again.choices] == [c.message.content for c in reply.choices]

# Streamed: the deltas put back together are the same text; usage in the last chunk.
texts, reasons, usage = ["", "", ""], [None] * 3, None
for chunk in client.chat.completions.create(model="tiny", messages=messages, max_tokens=12, temperature=0.8, seed=7, n=3,
                                            stream=True, stream_options={"include_usage": True}):
    assert chunk.object == "chat.completion.chunk"
    for choice in chunk.choices:
        texts[choice.index] += choice.delta.content or ""
        reasons[choice.index] = choice.finish_reason or reasons[choice.index]
    usage = chunk.usage or usage
assert texts == [c.message.content for c in reply.choices], (texts, reply)
assert reasons == [c.finish_reason for c in reply.choices]
assert usage.completion_tokens == reply.usage.completion_tokens

# Greedy with log-probabilities; a stop string cuts the text before it.
greedy = client.chat.completions.create(model="tiny", messages=messages, max_tokens=20, temperature=0, logprobs=True)
content = greedy.choices[0].message.content
assert len(greedy.choices[0].logprobs.content) == greedy.usage.completion_tokens
assert all(entry.logprob <= 0 for entry in greedy.choices[0].logprobs.content)
if len(content) > 6:
    stop = content[3:5]
    stopped = client.chat.completions.create(model="tiny", messages=messages, max_tokens=20, temperature=0, stop=[stop])
    assert stopped.choices[0].message.content == content[:content.index(stop)], (stopped, stop)
    assert stopped.choices[0].finish_reason == "stop"

# Completions: several prompts, n each, choice prompt * n + k; token-id prompts; streamed.
completion = client.completions.create(model="tiny", prompt=["abc", "The cat"], max_tokens=6, n=2, seed=3, logprobs=0)
assert completion.object == "text_completion" and [c.index for c in completion.choices] == [0, 1, 2, 3]
assert len(completion.choices[0].logprobs.token_logprobs) == len(completion.choices[0].logprobs.tokens)
by_tokens = client.completions.create(model="tiny", prompt=[10, 20, 30], max_tokens=4, temperature=0)
assert by_tokens.usage.prompt_tokens == 3
streamed = ["", "", "", ""]
for chunk in client.completions.create(model="tiny", prompt=["abc", "The cat"], max_tokens=6, n=2, seed=3, stream=True):
    for choice in chunk.choices:
        streamed[choice.index] += choice.text
assert streamed == [c.text for c in completion.choices], (streamed, completion)


# Errors: the client's own exception classes, with OpenAI's error bodies.
def expect(error_class, status, call, param=None):
    try:
        call()
    except error_class as error:
        assert error.status_code == status, (error, status)
        body = error.body or {}
        assert isinstance(body.get("message"), str) and body.get("type"), body
        assert param is None or body.get("param") == param, body
        return
    raise AssertionError(f"expected {error_class.__name__}")


expect(openai.BadRequestError, 400, lambda: client.chat.completions.create(model="tiny", messages=messages, max_tokens=201),
       param="max_tokens")
expect(openai.BadRequestError, 400, lambda: client.chat.completions.create(model="tiny", messages=messages, temperature=-1),
       param="temperature")
expect(openai.BadRequestError, 400, lambda: client.completions.create(model="tiny", prompt="x" * 300, max_tokens=2),
       param="prompt")
expect(openai.BadRequestError, 400, lambda: client.chat.completions.create(model="tiny", messages=[]), param="messages")
expect(openai.AuthenticationError, 401, lambda: OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0).models.list())
expect(openai.NotFoundError, 404, lambda: client.models.retrieve("gpt-4o"))
expect(openai.APIStatusError, 413, lambda: client.completions.create(model="tiny", prompt="y" * 70000, max_tokens=1))
print("openai client checks passed:", openai.__version__)
