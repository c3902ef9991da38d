"""``hpo-rl tune --multi-fidelity``: one task tuned by ``rppo-prior-hb``, into a run directory.

The directory holds ``history.jsonl`` (every evaluation, partial ones included, appended as
it happens) and ``result.json`` (written at the end, also on an interrupt). Running the
same command again resumes: the evaluations already made are kept, served from the cache
and counted against the budget, and the search goes on with a new Hyperband study.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

from agents.base import run_agent
from agents.multifidelity.prior_hb import PriorHyperbandAgent
from hpo_env.env import make_xgb_env
from hpo_env.fidelity import full_evals
from hpo_env.history import write_json_atomic

__all__ = ["tune_multi_fidelity"]


def tune_multi_fidelity(
    task: Any,
    budget: int,
    seed: int = 0,
    *,
    out_dir: str | os.PathLike[str],
    prior: str | None = None,
    time_budget: float | None = None,
    env_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Tune ``task`` with ``rppo-prior-hb`` for ``budget`` full-evaluation equivalents (and at
    most ``time_budget`` seconds); returns what ``result.json`` holds.

    Args:
        task: a task spec, as for ``HPO-XGB-v0`` (``breast_cancer``, ``pmlb:NAME``, ``csv:PATH``).
        budget: full-evaluation equivalents over all sessions of the run directory.
        seed: seeds the split, XGBoost and the agent.
        out_dir: the run directory (created; an existing one is resumed).
        prior: the prior's weights (None: the shipped ones).
        time_budget: seconds on the env's clock for this session, or None.
        env_kwargs: more :func:`~hpo_env.env.make_xgb_env` arguments (``data_dir``, ``metric``...).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = make_xgb_env(task, seed=seed, meta_features=True, history_path=out / "history.jsonl", **(env_kwargs or {}))
    spent = full_evals(env.history.records)
    left = math.ceil(budget - spent - 1e-9)
    t0, extra = time.perf_counter(), {}
    try:
        if left >= 1:
            extra = run_agent(PriorHyperbandAgent(prior=prior), env, left, seed, time_budget=time_budget).extra
    finally:
        result = _result(env, budget, seed, extra, time.perf_counter() - t0)
        write_json_atomic(out / "result.json", result)
        env.close()
    return result


def _result(env: Any, budget: int, seed: int, extra: dict[str, Any], session_s: float) -> dict[str, Any]:
    """``result.json``: the incumbent (always a full evaluation) and the accounting over all sessions."""
    records, inc = env.history.records, env.history.incumbent
    eval_s = float(sum(r["seconds"] for r in records))
    return {
        "agent": PriorHyperbandAgent.name,
        "best_config": None if inc is None else inc["config"],
        "best_val": None if inc is None else inc["val_score"],
        "test_of_best": None if inc is None else inc["test_score"],
        "n_real_evals": len(records),
        "n_pruned": sum(bool(r.get("pruned")) for r in records),
        "full_evals": round(full_evals(records), 6),
        "budget": budget,
        "seed": seed,
        "wall_s": env.elapsed(),
        "eval_s": eval_s,
        "session_s": session_s,
        "finished": full_evals(records) >= budget,
        **{k: extra[k] for k in ("prior", "prior_saw_task", "stopped_by") if k in extra},
    }
