"""The RL² (session policy) development run of issue 15, part 5: ``rl2-tpe`` on the 13 fold-0
tasks whose other agents' runs are in ``results.jsonl`` (copied from ``../corpus_fast_b100``).

The session prior ``folds/fold0.rl2.pt`` is trained on the other folds' 63 tables:

    hpo-rl pretrain --rl2 --tasks "$(cat train_tasks.txt)" --out folds/fold0.rl2.pt \
        --set timesteps=800000 --set episodes_per_env=25

Then ``python run.py`` (fast mode, 3 seeds, budget 100; ``rl2-det`` proposes the policy's mode)
and ``hpo-rl report results_cmp.jsonl --out report --reference portfolio-tpe --budgets 1,5,10,25,100``.
"""

import json
import warnings

import gymnasium as gym

import hpo_env  # noqa: F401
from agents.base import run_agent
from agents.prior.rl2 import RL2Agent

warnings.filterwarnings("ignore")
with open("dev_tasks.txt") as f:
    TASKS = f.read().strip().split(",")
with open("results_rl2.jsonl", "w") as out:
    for name, deterministic in (("rl2-tpe", False), ("rl2-det", True)):
        for task in TASKS:
            for seed in range(3):
                agent = RL2Agent(prior="folds", deterministic=deterministic)
                agent.name = name
                env = gym.make("HPO-XGB-Surrogate-v0", task=task, seed=seed, **agent.env_overrides)
                out.write(json.dumps(run_agent(agent, env, 100, seed, task=task).to_dict()) + "\n")
