"""The menu of a YAHPO scenario: configurations drawn once from its space, each predicted at
full fidelity on every task. Held-out portfolios are chosen from it
(:mod:`agents.prior.yahpo`), and the time-session env scores a run's configurations against
it (:mod:`hpo_env.yahpo.time_session`)."""

from __future__ import annotations

import os

import numpy as np

from hpo_env.yahpo.objective import YahpoObjective
from hpo_env.yahpo.surrogate import YahpoSurrogate

__all__ = ["yahpo_menu"]


def yahpo_menu(
    candidates: int = 1000, seed: int = 0, yahpo_dir: str | os.PathLike[str] | None = None,
    scenario: str = "rbv2_xgboost",
) -> tuple:  # fmt: skip
    """``(task specs, space, candidate actions, scores, seconds)``: the candidates' ``val_score``
    (the scenario's default metric) and predicted seconds on every task of ``scenario``
    (candidates x tasks)."""
    surrogate = YahpoSurrogate(scenario, yahpo_dir)
    objectives = [YahpoObjective(t, surrogate) for t in surrogate.instances]
    space, rng = objectives[0].space, np.random.default_rng(seed)
    configs = [space.sample(rng) for _ in range(int(candidates))]
    evals = [[obj.evaluate(c) for obj in objectives] for c in configs]
    val = np.array([[e.val_score for e in row] for row in evals])
    secs = np.array([[e.seconds for e in row] for row in evals])
    return [o.task.name for o in objectives], space, np.stack([space.encode(c) for c in configs]), val, secs
