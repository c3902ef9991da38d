"""``hpo-rl tune --multi-fidelity``: one task tuned by a multi-fidelity agent, into a run directory.

The agent is :data:`DEFAULT_AGENT` unless another multi-fidelity one is named.

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

from agents.base import Agent, run_agent
from hpo_env.env import make_xgb_env
from hpo_env.fidelity import full_evals
from hpo_env.history import write_json_atomic

__all__ = ["DEFAULT_AGENT", "make_multi_fidelity_agent", "tune_multi_fidelity"]

#: What ``hpo-rl tune --multi-fidelity`` and ``RLSearchCV(multi_fidelity=True)`` tune a
#: classifier with: Hyperband with TPE, the portfolio's cost-aware order proposed first. Paired
#: in the same brackets on the development tasks, it beat the prior's proposals
#: (``rppo-prior-hb``'s design) at 25, 50 and 100% of TPE's 20- and 50-evaluation times
#: (``benchmarks/results/multifidelity_dev/README.md``, "The cost-aware portfolio"); on the 8
#: reported tasks: ``benchmarks/results/multifidelity_b100_cost``.
DEFAULT_AGENT = "portfolio-tpe-hyperband"


def make_multi_fidelity_agent(name: str, prior: str | None = None) -> Agent:
    """The registered multi-fidelity agent ``name`` (with ``prior`` if it learns across tasks);
    a one-line ``ValueError`` for any other, or for a prior it cannot take (``make_agent``'s)."""
    from agents.registry import make_agent, multi_fidelity_agents

    agent = make_agent(name, **({} if prior is None else {"prior": prior}))
    if not agent.multi_fidelity:
        multi = list(multi_fidelity_agents())
        raise ValueError(f"agent {name!r} is not a multi-fidelity agent; expected one of {multi}")
    return agent


def tune_multi_fidelity(
    task: Any,
    budget: int,
    seed: int = 0,
    *,
    out_dir: str | os.PathLike[str],
    agent: str = DEFAULT_AGENT,
    prior: str | None = None,
    time_budget: float | None = None,
    env_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Tune ``task`` with ``agent`` for ``budget`` full-evaluation equivalents (and at most
    ``time_budget`` seconds); returns what ``result.json`` holds.

    Args:
        task: a task spec, as for ``HPO-XGB-v0`` (``breast_cancer``, ``pmlb:NAME``, ``csv:PATH``).
        budget: full-evaluation equivalents over all sessions of the run directory.
        seed: seeds the split, XGBoost and the agent.
        out_dir: the run directory (created; an existing one is resumed).
        agent: a registered multi-fidelity agent (:data:`DEFAULT_AGENT`, ``rppo-prior-hb``,
            ``tpe-hyperband``, ``smac-mf``).
        prior: for an agent that learns across tasks, its portfolio or weights (None: the
            shipped ones).
        time_budget: seconds on the env's clock for this session, or None.
        env_kwargs: more :func:`~hpo_env.env.make_xgb_env` arguments (``data_dir``, ``metric``...).
    """
    tuner = make_multi_fidelity_agent(agent, prior)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = make_xgb_env(task, seed=seed, **tuner.env_overrides, history_path=out / "history.jsonl", **(env_kwargs or {}))
    spent = full_evals(env.history.records)
    left = math.ceil(budget - spent - 1e-9)
    t0, extra = time.perf_counter(), {}
    try:
        if left >= 1:
            extra = run_agent(tuner, env, left, seed, time_budget=time_budget).extra
    finally:
        result = _result(env, tuner.name, budget, seed, extra, time.perf_counter() - t0)
        write_json_atomic(out / "result.json", result)
        env.close()
    return result


def _result(env: Any, agent: str, budget: int, seed: int, extra: dict[str, Any], session_s: float) -> dict[str, Any]:
    """``result.json``: the incumbent (always a full evaluation) and the accounting over all sessions."""
    records, inc = env.history.records, env.history.incumbent
    eval_s = float(sum(r["seconds"] for r in records))
    return {
        "agent": agent,
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
        **{k: extra[k] for k in ("prior", "portfolio", "cost_aware", "prior_saw_task", "stopped_by") if k in extra},
    }
