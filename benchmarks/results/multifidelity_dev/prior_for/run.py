"""Issue 18 development runs: ``rppo-prior-hb`` whose prior proposes only the first K proposals.

    python run.py K [K ...]     # from this folder; appends to results.jsonl, resumes

Each variant ``prior-hb:forK`` is ``PriorHyperbandAgent(prior=..., prior_for=K)`` run like
``python -m benchmarks.multifidelity`` runs ``rppo-prior-hb``: the 4 development tasks, 3
seeds, each task's time budget the median wall of TPE's 50 full evaluations (``../b50/ref.jsonl``),
held-out fold priors, 2 runs at a time with one XGBoost thread each.
"""

import sys
from pathlib import Path

from benchmarks.dev_runs import finished, run_parallel
from benchmarks.multifidelity import time_budgets  # the same time budgets as the benchmark's
from hpo_env.history import read_jsonl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
PRIOR = ROOT / "benchmarks/results/corpus_fast_b100/folds"
DATA = ROOT.parent / "shared/datasets"
OUT = HERE / "results.jsonl"


def one(k: int, task: str, seed: int, seconds: float) -> dict:
    import gymnasium as gym
    import torch as th

    import hpo_env  # noqa: F401 - registers the envs
    from agents.base import run_agent
    from agents.multifidelity import PriorHyperbandAgent

    th.set_num_threads(1)
    agent = PriorHyperbandAgent(prior=str(PRIOR), prior_for=k)
    env = gym.make("HPO-XGB-v0", nthread=1, data_dir=str(DATA), **agent.env_overrides, task=task, seed=seed)
    try:
        res = run_agent(agent, env, 2500, seed, task=task, time_budget=seconds).to_dict()
    finally:
        env.close()
    return {**res, "agent": f"prior-hb:for{k}", "env": "HPO-XGB-v0"}


def main() -> None:
    budgets = {t: round(s, 1) for t, s in time_budgets(read_jsonl(HERE.parent / "b50/ref.jsonl")).items()}
    done = finished(OUT)
    jobs = [(int(k), t, s, budgets[t]) for k in sys.argv[1:] for t in sorted(budgets, key=budgets.get, reverse=True)
            for s in range(3) if (f"prior-hb:for{k}", t, s) not in done]  # fmt: skip
    run_parallel(one, jobs, OUT)


if __name__ == "__main__":
    main()
