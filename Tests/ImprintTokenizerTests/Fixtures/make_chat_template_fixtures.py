#!/usr/bin/env python3
"""Records chat-template renders with transformers for ImprintTokenizerTests.

Pinned reference stack: Python 3.11, transformers==5.23.0, jinja2==3.1.6, gguf==0.19.0, trl==1.16.0.

Templates: llama.cpp's real model templates (models/templates/*.jinja, fetched by scripts/fetch-test-vocabularies.sh
into the cache), SmolLM2-135M-Instruct's template from its GGUF (scripts/fetch-default-model.sh), and Gemma 3's,
committed as templates/google-gemma-3-it.jinja (copied from the Apache-2.0 `trl` package's
trl/chat_templates/gemma3.jinja, because llama.cpp's set has no Gemma 3 template).

Each case renders one conversation with transformers' own renderer (`render_jinja_template`, what
`apply_chat_template(..., tokenize=False)` calls) and records {"template", "variables", "rendered"} or
{"template", "variables", "error"} when the template raises. `variables` holds everything the template sees
(`messages`, `add_generation_prompt`, `tools`, `bos_token`, ...), in order.

Run from the repository root: /work/.venv-ref/bin/python Tests/ImprintTokenizerTests/Fixtures/make_chat_template_fixtures.py
"""
import datetime
import json
import os

import gguf
import transformers.utils.chat_template_utils as chat_template_utils
from transformers.utils.chat_template_utils import render_jinja_template

# strftime_now renders this fixed wall-clock time, not the day the script runs (transformers' strftime_now calls
# `datetime.now()` in its module). ChatTemplateRenderTests passes the same time: 2026-11-22 12:00 in UTC.
FIXED_NOW = datetime.datetime(2026, 11, 22, 12, 0, 0)


class _FixedDatetime(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


chat_template_utils.datetime = _FixedDatetime

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get("IMPRINT_CACHE", os.path.expanduser("~/.cache/imprint"))
TEMPLATES = os.path.join(CACHE, "llama-cpp-vocab", "templates")

# name -> (special tokens, supports tools, supports system)
FAMILIES = {
    "smollm2-135m-instruct": ({"bos_token": "<|im_start|>", "eos_token": "<|im_end|>"}, False, True),
    "Qwen-Qwen2.5-7B-Instruct": ({"bos_token": None, "eos_token": "<|im_end|>"}, True, True),
    "meta-llama-Llama-3.1-8B-Instruct": ({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}, True, True),
    "meta-llama-Llama-3.2-3B-Instruct": ({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}, True, True),
    "meta-llama-Llama-3.3-70B-Instruct": ({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}, True, True),
    "google-gemma-2-2b-it": ({"bos_token": "<bos>", "eos_token": "<eos>"}, False, False),
    "google-gemma-3-it": ({"bos_token": "<bos>", "eos_token": "<eos>"}, False, True),
    "mistralai-Mistral-Nemo-Instruct-2407": ({"bos_token": "<s>", "eos_token": "</s>"}, True, True),
    "Mistral-Small-3.2-24B-Instruct-2506": ({"bos_token": "<s>", "eos_token": "</s>"}, False, True),
    "microsoft-Phi-3.5-mini-instruct": ({"bos_token": "<s>", "eos_token": "<|endoftext|>"}, False, True),
    "Qwen-Qwen3-0.6B": ({"bos_token": None, "eos_token": "<|im_end|>"}, True, True),
}

# Every other template llama.cpp ships, on a lighter set of conversations (see `light_conversations`).
OTHER_TEMPLATES = [
    "CohereForAI-c4ai-command-r7b-12-2024-tool_use", "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use", "Qwen-QwQ-32B", "deepseek-ai-DeepSeek-R1-Distill-Llama-8B",
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", "ibm-granite-granite-3.3-2B-Instruct", "llama-cpp-deepseek-r1",
    "llama-cpp-rwkv-world", "meetkai-functionary-medium-v3.1", "meetkai-functionary-medium-v3.2",
    "moonshotai-Kimi-K2", "openai-gpt-oss-120b", "unsloth-mistral-Devstral-Small-2507",
]

TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city — «quoted» and ünïcödé",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7.5},
            },
            "required": ["city"],
        },
    },
}]


def conversations(supports_system, supports_tools):
    user = {"role": "user", "content": "Tell me about story 17."}
    assistant = {"role": "assistant", "content": "  Story 17 is about a lighthouse keeper named Iris.\nShe finds a map.  "}
    follow = {"role": "user", "content": "Who helps her? Ответь коротко 🙂\n\n"}
    system = {"role": "system", "content": "You are a concise assistant.\nAnswer in one sentence."}
    cases = [
        ("single user", [user], {}),
        ("multi-turn", [user, assistant, follow], {}),
        ("ends with assistant", [user, assistant], {}),
        ("unicode and whitespace", [{"role": "user", "content": "\t日本語のテキスト\n  with   spaces  "}], {}),
    ]
    # Reasoning under its older name: transformers aliases it to `reasoning_content` and `thinking`.
    cases.append(("assistant reasoning", [user, {"role": "assistant", "content": "Iris.", "reasoning": "The story says so."}], {}))
    if supports_system:
        cases += [
            ("system", [system, user], {}),
            ("system multi-turn", [system, user, assistant, follow], {}),
        ]
    else:
        cases.append(("system rejected", [system, user], {}))
    if supports_tools:
        call = {"role": "assistant", "content": "", "tool_calls": [{"id": "call12345", "type": "function", "function": {
            "name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]}
        result = {"role": "tool", "name": "get_weather", "tool_call_id": "call12345", "content": "{\"temperature\": 21}"}
        cases += [
            ("tools", [user], {"tools": TOOLS}),
            ("tools with call and result", [user, call, result], {"tools": TOOLS}),
        ]
    return cases


def light_conversations():
    user = {"role": "user", "content": "Hello there"}
    return [
        ("single user", [user], {}),
        ("system multi-turn", [{"role": "system", "content": "You are helpful."}, user,
                               {"role": "assistant", "content": "Hi! How can I help?"}, user], {}),
        ("tools", [user], {"tools": TOOLS}),
    ]


def template_source(name):
    if name == "smollm2-135m-instruct":
        reader = gguf.GGUFReader(os.path.join(CACHE, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
        return reader.fields["tokenizer.chat_template"].contents()
    if name == "google-gemma-3-it":
        path = os.path.join(HERE, "templates", name + ".jinja")
    else:
        path = os.path.join(TEMPLATES, name + ".jinja")
    with open(path, encoding="utf-8") as f:
        return f.read()


# Small templates exercising one construct each, rendered with transformers' compiled environment.
CONSTRUCTS = [
    ("{% if x %}yes{% elif y %}maybe{% else %}no{% endif %}", {"x": False, "y": 1}),
    ("{% for a in items %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}", {"items": ["a", "b", "c"]}),
    ("{% for a in items %}{{ a }}{% else %}empty{% endfor %}", {"items": []}),
    ("{% for a in items if a > 1 %}{{ a }}{{ loop.length }}{% endfor %}", {"items": [1, 2, 3]}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in d | items %}{{ k }}{% endfor %}", {"d": {"z": 1, "a": [1, 2]}}),
    ("{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", {"xs": [1, 2, 3, 4, 5]}),
    ("{% set ns = namespace(count=0, found=false) %}{% for m in ms %}{% set ns.count = ns.count + 1 %}{% endfor %}{{ ns.count }}{{ ns.found }}", {"ms": [1, 2, 3]}),
    ("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}{% if true %}{% set x = 3 %}{% endif %}{{ x }}", {}),
    ("{% for i in [1, 2] %}{% if i == 2 %}{{ y }}{% endif %}{% set y = i %}{% endfor %}", {}),
    ("{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', greeting='Hi') }}", {}),
    ("{%- set x = 'a' -%}\n  {{- x -}}  \n  {%- if true %}\n    b\n  {% endif %}\n  c {# comment #}\n{# own line #}\nd", {}),
    ("  {% if true %}\n  kept\n  {%+ if true %}x{% endif %}\n{% endif %}\n", {}),
    ("{{ '  padded  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ s | length }}|{{ s | lower }}|{{ s | upper }}|{{ s | capitalize }}|{{ 'hello world-x' | title }}", {"s": "hÉllo Wörld"}),
    ("{{ xs | join(', ') }}|{{ xs | first }}|{{ xs | last }}|{{ xs | length }}|{{ missing | default('dflt') }}|{{ '' | default('e', true) }}|{{ xs | reverse | list }}", {"xs": ["a", "b", "c"]}),
    ("{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ [] | tojson }}|{{ {} | tojson(indent=4) }}", {"d": {"b": [1, 2.5, None, True], "a": "é\"\n", "n": {"x": 1e-7, "y": 1e16, "z": 100.0}}}),
    ("{{ 'a,b,,c'.split(',') }}|{{ '  a  b '.split() }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}|{{ 'aXbX'.replace('X', '-') }}|{{ ' x '.strip() }}{{ ' x '.lstrip() }}|{{ ' x '.rstrip() }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}", {}),
    ("{{ x is defined }}{{ y is defined }}{{ none is none }}{{ 's' is string }}{{ {} is mapping }}{{ [] is iterable }}{{ 3 is number }}{{ 's' is number }}{{ x is not none }}", {"x": 1}),
    ("{{ xs[1:] }}|{{ xs[:-1] }}|{{ xs[::-1] }}|{{ xs[-1] }}|{{ s[1:3] }}|{{ s[::2] }}", {"xs": [1, 2, 3, 4], "s": "abcdef"}),
    ("{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 'z' not in 'abc' }}|{{ 1 ~ 'a' ~ none }}|{{ 'yes' if x else 'no' }}|{{ 'only' if false }}|", {"x": 0}),
    ("{{ [1, 'a', none, true, 2.5] }}|{{ {'a': 1, 'b': 'x'} }}|{{ none }}|{{ true }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7 / 2 }}|{{ 2 ** 10 }}|{{ 1 + 2.0 }}|{{ 'ab' * 2 }}", {}),
    ("{{ x or 'fallback' }}|{{ x and 'never' }}|{{ 'a' and 'b' }}|{{ not x }}", {"x": ""}),
    ("{{ ms | selectattr('role', 'equalto', 'user') | list | length }}|{{ ms | map(attribute='role') | join(',') }}|{{ ['a', 'code'] | reject('equalto', 'code') | list }}|{{ ms | rejectattr('role', 'equalto', 'user') | map(attribute='role') | first }}", {"ms": [{"role": "user"}, {"role": "assistant"}, {"role": "user"}]}),
    ("{{ m.get('content') }}|{{ m.get('nothing', 'd') }}|{{ m['role'] }}|{{ m.role }}|{{ m.missing is defined }}|{{ m.keys() | list }}|{{ m.values() | list }}", {"m": {"role": "user", "content": "hi"}}),
    ("{% set parts %}inside {{ 1 + 1 }}{% endset %}[{{ parts }}]|{% for i in range(3) %}{{ i }}{% endfor %}|{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}", {}),
    ("{{ \"it's\" }}|{{ 'say \\\"hi\\\"' }}|{{ 'tab\\there' }}|{{ 'a' 'b' }}|{{ '\\u00e9' }}", {}),
    ("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% if not loop.last %},{% endif %}{% endfor %}|{{ (1, 2) }}|{{ [1, 2] + [3] }}", {}),
    ("{{ xs | sort | list }}|{{ xs | unique | list }}|{{ xs | min }}{{ xs | max }}{{ xs | sum }}|{{ '%d' }}|{{ 'a\\nb' | indent(2, true) }}|{{ d | dictsort }}", {"xs": [3, 1, 2, 3], "d": {"b": 1, "a": 2}}),
    ("{{ xs | map('upper') | list }}|{{ xs | select | list | length }}|{{ (xs | map('upper')) is iterable }}|{{ 'yes' if (xs | reject('defined')) }}|{{ 'a' in (xs | map('lower')) }}|{{ xs | map('upper') | join('-') }}", {"xs": ["a", "b"]}),
    ("{{ \"they're 3rd-rate\".title() }}|{{ \"they're 3rd-rate\" | title }}|{{ 'ǆemal' | capitalize }}|{{ 'ß' | upper }}", {}),
    ("{% for m in messages %}{{ loop.previtem is defined }}{{ loop.nextitem | default('-') }}{{ loop.cycle('x', 'y') }}{% endfor %}", {"messages": [1, 2, 3]}),
]


def main():
    from transformers.utils.chat_template_utils import _compile_jinja_template
    constructs = []
    for source, variables in CONSTRUCTS:
        source = source.replace("\\n", "\n")
        constructs.append({"template": source, "variables": variables,
                           "rendered": _compile_jinja_template(source).render(**variables)})
    with open(os.path.join(HERE, "expected", "jinja-constructs.json"), "w", encoding="utf-8") as f:
        json.dump(constructs, f, ensure_ascii=False, indent=1)
    print(len(constructs), "constructs")
    records = []
    plan = [(name, special, conversations(system_ok, tools_ok)) for name, (special, tools_ok, system_ok) in FAMILIES.items()]
    plan += [(name, {"bos_token": "<s>", "eos_token": "</s>"}, light_conversations()) for name in OTHER_TEMPLATES]
    for name, special, cases in plan:
        source = template_source(name)
        for title, messages, extra in cases:
            for add_generation_prompt in (True, False):
                variables = {"messages": messages, "tools": extra.get("tools"), "documents": None,
                             "add_generation_prompt": add_generation_prompt, **special,
                             "date_string": "22 Nov 2026"}
                record = {"template": name, "case": title, "variables": variables}
                try:
                    rendered, _ = render_jinja_template(
                        conversations=[messages], tools=extra.get("tools"), chat_template=source,
                        add_generation_prompt=add_generation_prompt, **special, date_string="22 Nov 2026")
                    record["rendered"] = rendered[0]
                except Exception as error:  # the template's raise_exception, recorded as an expected failure
                    record["error"] = f"{type(error).__name__}: {error}"
                records.append(record)
    with open(os.path.join(HERE, "expected", "chat-templates.json"), "w", encoding="utf-8") as f:
        json.dump(records, f, ensure_ascii=False, indent=1)
    print(len(records), "renders,", sum("error" in r for r in records), "expected errors")


def record_assistant_masks():
    """transformers' return_assistant_tokens_mask with TRL's {% generation %} Llama 3 template (templates/
    trl-llama3-training.jinja, copied from trl 1.16.0, Apache-2.0) on the llama-bpe vocabulary: an independent
    reference for PretrainedTokenizer.encodeConversation, which finds the same turns by rendering prefixes."""
    import warnings
    warnings.filterwarnings("ignore")
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(os.path.join(CACHE, "llama-cpp-vocab"), gguf_file="ggml-vocab-llama-bpe.gguf")
    with open(os.path.join(HERE, "templates", "trl-llama3-training.jinja"), encoding="utf-8") as f:
        template = f.read()
    conversations = [
        [{"role": "user", "content": "Tell me about story 17."},
         {"role": "assistant", "content": "Story 17 is about Iris, a lighthouse keeper. 🦙"}],
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
         {"role": "assistant", "content": " Hello there! "}, {"role": "user", "content": "Who helps her?"},
         {"role": "assistant", "content": "Her brother Tom, 42 years old."}],
    ]
    records = []
    for messages in conversations:
        kwargs = dict(chat_template=template, bos_token="<|begin_of_text|>")
        out = tok.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True, **kwargs)
        text = tok.apply_chat_template(messages, tokenize=False, **kwargs)
        records.append({"messages": messages, "text": text, "ids": list(out["input_ids"]),
                        "assistant_masks": list(out["assistant_masks"])})
    with open(os.path.join(HERE, "expected", "assistant-masks-llama3.json"), "w", encoding="utf-8") as f:
        json.dump(records, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
    record_assistant_masks()
