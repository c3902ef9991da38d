"""Held-out portfolios on YAHPO Gym's scenarios (:mod:`hpo_env.yahpo`: ``rbv2_xgboost`` and
``lcbench``), the same way ``hpo-rl pretrain --folds`` builds them from our tables.

The candidates are ``candidates`` configurations drawn once (seeded) from the env's
conditional space, each scored by the surrogate on every task at full fidelity: its
percentile among the candidates on each training task, and its predicted seconds over the
task's median as its cost. Each fold's portfolio (blind and cost-aware orders) is greedy over
the other folds' tasks, and ``folds.json`` says which tasks each fold holds out, so
``hpo-rl bench --env HPO-XGB-YAHPO-v0 --agents portfolio-tpe --prior DIR`` runs every task
on the portfolio that did not see it. :func:`build_yahpo_portfolio` builds the one shipped
for a scenario, over all its tasks.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from agents.transfer.folds import grouped_folds
from agents.transfer.portfolio import YAHPO_PORTFOLIOS, write_portfolio
from hpo_env.history import write_json_atomic
from hpo_env.yahpo.menu import yahpo_menu

__all__ = ["build_yahpo_folds", "build_yahpo_portfolio", "yahpo_menu"]


def _yahpo_tables(candidates: int, seed: int, yahpo_dir: str | os.PathLike[str] | None, scenario: str) -> tuple:
    """``(task specs, space, candidates, percentiles, relative costs)`` of :func:`yahpo_menu`."""
    tasks, space, cands, val, secs = yahpo_menu(candidates, seed, yahpo_dir, scenario)
    pct = np.column_stack([rankdata(v) / len(v) for v in val.T])
    return tasks, space, cands, pct, secs / np.maximum(np.median(secs, axis=0), 1e-9)


def build_yahpo_portfolio(
    out: str | os.PathLike[str] | None = None, k: int = 10, candidates: int = 1000, seed: int = 0,
    yahpo_dir: str | os.PathLike[str] | None = None, scenario: str = "rbv2_xgboost",
) -> Path:  # fmt: skip
    """Write the portfolio over all the tasks of ``scenario`` (by default to the one shipped,
    :data:`~agents.transfer.portfolio.YAHPO_PORTFOLIOS`): the default of ``portfolio-tpe`` and
    the other portfolio agents on that scenario's env. Every task of the scenario is in its
    training set, so a result on one is flagged as not held out."""
    out = YAHPO_PORTFOLIOS[scenario] if out is None else out
    tasks, space, cands, pct, costs = _yahpo_tables(candidates, seed, yahpo_dir, scenario)
    return write_portfolio(out, space, cands, pct, costs.mean(1), tasks, seed=seed, k=k)


def build_yahpo_folds(
    out_dir: str | os.PathLike[str], folds: int = 5, k: int = 10, candidates: int = 1000, seed: int = 0,
    yahpo_dir: str | os.PathLike[str] | None = None, scenario: str = "rbv2_xgboost",
) -> list[Path]:  # fmt: skip
    """Write ``fold<i>.json`` (and its pool) for each of ``folds`` grouped folds of the tasks
    of ``scenario``, and ``folds.json``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tasks, space, cands, pct, costs = _yahpo_tables(candidates, seed, yahpo_dir, scenario)
    held = grouped_folds(tasks, folds, seed=seed)
    paths = []
    for i, fold in enumerate(held):
        train = [j for j, t in enumerate(tasks) if t not in set(fold)]
        names = [tasks[j] for j in train]
        paths.append(write_portfolio(out / f"fold{i}.json", space, cands, pct[:, train], costs[:, train].mean(1),
                                     names, seed=seed, k=k))  # fmt: skip
    write_json_atomic(out / "folds.json", {"k": int(folds), "seed": int(seed), "folds": held})
    return paths
