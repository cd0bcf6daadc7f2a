"""Calls Examples/trl_remote_reward.py exactly as TRL 1.16's GRPOTrainer calls reward functions, against a running
`imprint serve`: GRPOTrainer._calculate_rewards itself runs on a stand-in trainer (the attributes that method reads),
so the keyword arguments (prompts, completions, completion_ids, every dataset column, trainer_state, log_extra,
log_metric) are TRL's own. Checks the scores against Python's difflib and the worked example of
group_generalization, in TRL's standard and conversational formats.

Needs torch, transformers, accelerate and trl==1.16.0 (the reference stack, /work/.venv-ref).
Run by scripts/test-trl-remote-reward.sh: python trl_reward_check.py URL.
"""
import difflib
import os
import sys
from collections import defaultdict
from types import SimpleNamespace

from accelerate import Accelerator
from transformers import TrainerState
import trl
from trl import GRPOTrainer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Examples"))
from trl_remote_reward import imprint_reward  # noqa: E402

assert trl.__version__ == "1.16.0", trl.__version__
url = sys.argv[1]


def calculate_rewards(reward_funcs, inputs, prompts, completions):
    """TRL's GRPOTrainer._calculate_rewards on a stand-in for the trainer."""
    extra = defaultdict(list)
    trainer = SimpleNamespace(
        accelerator=Accelerator(cpu=True), args=SimpleNamespace(report_to=[]), state=TrainerState(),
        reward_funcs=reward_funcs, reward_processing_classes=[None] * len(reward_funcs),
        reward_func_names=[f.__name__ for f in reward_funcs], environments=None,
        _log_completion_extra=lambda column, values: extra[column].extend(values),
        _log_metric=lambda name, value: None)
    completion_ids = [[1, 2, 3] for _ in completions]
    rewards = GRPOTrainer._calculate_rewards(trainer, inputs, prompts, completions, completion_ids)
    return rewards.tolist(), extra


# Standard format: a prompt column, a reference under TRL's `solution` name, an extra column.
inputs = [{"prompt": "Q1", "solution": "The cat sat.", "topic": "a"}, {"prompt": "Q2", "solution": "abd", "topic": "b"}]
prompts = [row["prompt"] for row in inputs]
completions = ["The cat sat on the mat.", "abc"]
rewards, _ = calculate_rewards([imprint_reward("difflib", url), imprint_reward("bleu", url)], inputs, prompts, completions)
expected = [difflib.SequenceMatcher(None, c, row["solution"]).ratio() for c, row in zip(completions, inputs)]
assert all(abs(row[0] - e) < 1e-6 for row, e in zip(rewards, expected)), (rewards, expected)
assert all(0 <= row[1] <= 1 for row in rewards), rewards

# Conversational format, group generalization over exact match (the reward's worked example: 3 of 4 phrasings
# right -> 1 + 0.75 for them, 0 for the wrong one), with its log columns passed to TRL's log_extra.
answers = ["Paris", "paris", "Paris.", "Lyon"]
inputs = [{"prompt": [{"role": "user", "content": f"Capital of France? ({i})"}], "answer": "Paris", "fact_id": "F",
           "phrasing_id": f"q{i}"} for i in range(4)]
prompts = [row["prompt"] for row in inputs]
completions = [[{"role": "assistant", "content": text}] for text in answers]
rewards, extra = calculate_rewards([imprint_reward("group_generalization=exact", url)], inputs, prompts, completions)
assert [row[0] for row in rewards] == [1.75, 1.75, 1.75, 0.0], rewards
assert extra["group_generalization=exact/group_fraction"] == [0.75] * 4, dict(extra)
print("TRL reward-function checks passed")
