"""Issue 18 development runs: do the prior's proposals help Hyperband, with the brackets held equal?

    python run.py REF SEEDS [VARIANT ...]   # from this folder, e.g. ``python run.py b50 10``

REF is ``b20`` or ``b50``: the time budgets of ``../REF/ref.jsonl``, results in
``results_REF.jsonl`` (appended to; a run already there is not run again).

Optuna's ``HyperbandPruner`` puts each trial in a bracket by a hash of the study's name, and
the agents name their studies after themselves, so ``rppo-prior-hb`` and ``tpe-hyperband``
also differ in their brackets. Here both run under ``tpe-hyperband``'s study name (the
``brackets`` setting; the runs of ``hb+prior10`` and ``hb+prior10-cheap16`` were made
before it, setting the agent's ``name`` instead, to the same effect). So a seed's runs
differ only in what each variant does with the prior:

- ``hb``: ``TPEHyperbandAgent()``, which is ``tpe-hyperband``;
- ``hb+prior10``: ``PriorHyperbandAgent(prior=..., prior_for=10, brackets="tpe-hyperband")``;
- ``hb+prior10-cheap16``: the same with ``cheap_of=16, min_records=11``: each of the 10
  proposals is the one of the next 16 samples that trains the fewest boosting rounds, and
  the model never ranks (it would from the 11th evaluation on).
- ``hb+box90``: no proposal of the prior; TPE proposes throughout, inside the box that holds
  the middle 90% of the prior's 2048 samples on each numeric hyperparameter (a search
  space learned across tasks, as in Perrone et al., NeurIPS 2019);
- ``hb+box90-rounds``: the same box but for ``n_estimators``, which keeps its whole range
  (the prior likes many rounds, and under a time budget they are dear);
- ``hb+portfolio10``: the fold's greedy portfolio of 10 proposed first, then TPE: the same
  meta-data as the prior's, used as ``portfolio-tpe`` uses it (the same-data baseline; it
  is ``PortfolioHyperbandAgent``, registered as ``portfolio-tpe-hyperband``; its runs were
  made with a copy of it in this script, which played the same configurations). Its order
  blind to cost: ``cost_aware=False``;
- ``hb+costportfolio10``: the same with the portfolio's cost-aware order, each
  configuration's gain over the tables divided by its cost relative to its table's median
  (``agents.transfer.portfolio.relative_costs``). It is ``portfolio-tpe-hyperband`` as
  registered since this comparison. Its runs were made with fold portfolios built by a
  prototype of the same rule, whose configurations are the library's on the dev tasks'
  folds (0, 3 and 4; on fold 2 a tie among the cheapest candidates fell the other way).

Without VARIANT, the first two.

The 4 development tasks, seeds 0 to SEEDS-1, each task's time budget the median wall of
TPE's 20 or 50 full evaluations, held-out fold priors, 2 runs at a time with one XGBoost
thread each.
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
VARIANTS = {
    "hb": None,
    "hb+prior10": {"prior_for": 10},
    "hb+prior10-cheap16": {"prior_for": 10, "cheap_of": 16, "min_records": 11},
    "hb+box90": {"prior_for": 0, "mass": 0.9},
    "hb+box90-rounds": {"prior_for": 0, "mass": 0.9, "free": ("n_estimators",)},
    "hb+portfolio10": {"portfolio": 10, "cost_aware": False},
    "hb+costportfolio10": {"portfolio": 10, "cost_aware": True},
}


def make_agent(variant: str):
    from agents.multifidelity import PortfolioHyperbandAgent, PriorHyperbandAgent, TPEHyperbandAgent

    kw = VARIANTS[variant]
    if kw is None:
        return TPEHyperbandAgent()
    if "portfolio" in kw:  # the registered portfolio-tpe-hyperband, in tpe-hyperband's brackets by default
        return PortfolioHyperbandAgent(prior=str(PRIOR), k=kw["portfolio"], cost_aware=kw["cost_aware"])
    cls = box_agent() if "mass" in kw else PriorHyperbandAgent
    return cls(prior=str(PRIOR), brackets=TPEHyperbandAgent.name, **kw)


def box_agent():
    """``PriorHyperbandAgent`` whose TPE proposes in the box of the prior's samples."""
    import dataclasses

    import numpy as np

    from agents.multifidelity import PriorHyperbandAgent
    from hpo_env.spaces import Float, Int, SearchSpace

    class PriorBoxAgent(PriorHyperbandAgent):
        def __init__(self, mass: float, free: tuple[str, ...] = (), **kw) -> None:
            super().__init__(**kw)
            self.mass, self.free = mass, set(free)

        def search_space(self, env):
            space, q = env.unwrapped.space, (1 - self.mass) / 2
            if not self._configs:
                return space
            return SearchSpace([self._narrow(hp, q) for hp in space])

        def _narrow(self, hp, q):
            if hp.name in self.free or not isinstance(hp, (Float, Int)):
                return hp
            lo, hi = np.quantile([c[hp.name] for c in self._configs], [q, 1 - q])
            if isinstance(hp, Int):
                lo, hi = int(np.floor(lo)), int(np.ceil(hi))
                lo, hi = (lo, lo + 1) if hi <= lo < hp.high else (min(lo, hi - 1), hi)
            cast = int if isinstance(hp, Int) else float
            return dataclasses.replace(hp, low=cast(max(hp.low, lo)), high=cast(min(hp.high, hi)))

    return PriorBoxAgent


def one(variant: str, task: str, seed: int, seconds: float) -> dict:
    import gymnasium as gym
    import torch as th

    import hpo_env  # noqa: F401 - registers the envs
    from agents.base import run_agent
    from benchmarks.speed import speed_probe

    th.set_num_threads(1)
    probe = speed_probe()
    agent = make_agent(variant)
    env = gym.make("HPO-XGB-v0", nthread=1, data_dir=str(DATA), **agent.env_overrides, task=task, seed=seed)
    try:
        res = run_agent(agent, env, 2500, seed, task=task, time_budget=seconds).to_dict()
    finally:
        env.close()
    return {**res, "agent": variant, "env": "HPO-XGB-v0", "speed_probe_s": probe}


def main(ref: str, seeds: int, variants: list[str]) -> None:
    budgets = {t: round(s, 1) for t, s in time_budgets(read_jsonl(HERE.parent / ref / "ref.jsonl")).items()}
    out, tasks = HERE / f"results_{ref}.jsonl", sorted(budgets, key=budgets.get, reverse=True)
    done = finished(out)
    run_parallel(one, [(v, t, s, budgets[t]) for s in range(seeds) for t in tasks for v in variants
                       if (v, t, s) not in done], out)  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:] or ["hb", "hb+prior10"])
