"""A TRL reward function that scores completions with Imprint's rewards, served by `imprint serve`.

    from trl_remote_reward import imprint_reward
    trainer = GRPOTrainer(..., reward_funcs=[imprint_reward("difflib"), imprint_reward("judge:0.5")])

TRL calls it as `reward_func(prompts=..., completions=..., completion_ids=..., **columns)`; it posts them to
POST /v1/rewards and returns one score per completion, logging the reward's own columns (a judge's raw output...)
through TRL's `log_extra`. Standard library only. See Docs/Serving.md.
"""
import json, os, urllib.request

TRAINER_ARGUMENTS = {"trainer_state", "log_extra", "log_metric", "environments", "completion_ids"}


def imprint_reward(reward, url=os.environ.get("IMPRINT_URL", "http://127.0.0.1:8080"), api_key=os.environ.get("IMPRINT_API_KEY")):
    def reward_func(prompts, completions, log_extra=None, **kwargs):
        body = {"reward": reward, "prompts": prompts, "completions": completions,
                **{name: values for name, values in kwargs.items() if name not in TRAINER_ARGUMENTS}}
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})}
        request = urllib.request.Request(url + "/v1/rewards", data=json.dumps(body).encode(), headers=headers)
        with urllib.request.urlopen(request, timeout=600) as response:
            answer = json.load(response)
        if log_extra is not None:  # TRL's completions table gets the reward's own columns
            for column, values in answer.get("columns", {}).items():
                log_extra(f"{reward}/{column}", values)
        return answer["rewards"]

    reward_func.__name__ = "imprint_" + reward
    return reward_func
