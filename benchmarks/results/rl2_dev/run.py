"""The RL² (session policy) development runs of issue 15, part 5, on the 13 fold-0 tasks whose
other agents' runs are in ``results.jsonl`` (copied from ``../corpus_fast_b100``).

Usage, from this folder: ``python run.py WEIGHTS NAME [TRIALS]``. Runs
:class:`agents.prior.RL2Agent` with the session weights ``WEIGHTS`` (trained on the other
folds' 63 tables, ``train_tasks.txt``) as ``NAME-tpe`` (sampled proposals) and ``NAME-det``
(the policy's mode): ``TRIALS`` proposals of the policy (default: its training session),
then TPE; fast mode, budget 100, 3 seeds; into ``results_NAME.jsonl``.
"""

import json
import sys
import warnings

import gymnasium as gym

import hpo_env  # noqa: F401
from agents.base import run_agent
from agents.prior.rl2 import RL2Agent

warnings.filterwarnings("ignore")
weights, name = sys.argv[1], sys.argv[2]
trials = int(sys.argv[3]) if len(sys.argv) > 3 else None
with open("dev_tasks.txt") as f:
    TASKS = f.read().strip().split(",")
with open(f"results_{name}.jsonl", "w") as out:
    for suffix, deterministic in (("tpe", False), ("det", True)):
        for task in TASKS:
            for seed in range(3):
                agent = RL2Agent(prior=weights, trials=trials, deterministic=deterministic)
                agent.name = f"{name}-{suffix}"
                env = gym.make("HPO-XGB-Surrogate-v0", task=task, seed=seed, **agent.env_overrides)
                out.write(json.dumps(run_agent(agent, env, 100, seed, task=task).to_dict()) + "\n")
