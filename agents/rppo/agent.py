"""Our recurrent PPO agent behind the benchmark's :class:`~agents.base.Agent` protocol."""

from __future__ import annotations

import warnings
from typing import Any

from agents.base import Agent
from agents.rppo.tuner import tune
from hpo_env.env import HPOEnv

__all__ = ["RecurrentPPOAgent", "task_spec"]


class RecurrentPPOAgent(Agent):
    """The paper's agent trained by :func:`agents.rppo.tuner.tune` on the env it is given.

    Args:
        name: the name the benchmark records.
        env_overrides: env arguments this variant needs (e.g. ``{"order": "shuffle"}``).
        **tune_kwargs: passed to :func:`~agents.rppo.tuner.tune` (``policy_kwargs``, ``ppo_kwargs``...).
    """

    def __init__(self, name: str = "rppo", env_overrides: dict[str, Any] | None = None, **tune_kwargs: Any) -> None:
        self.name = name  # type: ignore[misc]
        self.env_overrides = dict(env_overrides or {})  # type: ignore[misc]
        self.tune_kwargs = tune_kwargs

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        base = env.unwrapped
        start = base.n_real_evals
        kw = dict(self.tune_kwargs)
        if kw.get("prior") is not None:
            kw["prior"] = _usable_prior(kw["prior"], base)
        r = tune(env=base, budget=start + budget, seed=seed, progress=False, **kw)
        return {
            "stalled": r.stalled,
            "agent_overhead_s_per_eval": r.agent_overhead_s_per_eval,
            "n_model_episodes": r.n_model_episodes,
            "model_stretches": r.model_stretches,
            "prior": r.settings.get("prior"),
        }


def task_spec(env: HPOEnv) -> str | None:
    """The task spec an env was built for (a fast-mode table's task, or the real task's name)."""
    obj = env.objective
    table = getattr(obj, "table", None)
    if table is not None:
        return table.task
    task = getattr(obj, "task", None)
    return getattr(task, "name", None)


def _usable_prior(prior: Any, env: HPOEnv) -> str | None:
    """The weights file for this env's task, or None with a warning when they cannot be used
    (missing, unreadable, or trained for another space or observation): the agent then
    trains from a random policy, as ``rppo-mb`` does."""
    from agents.prior import PriorError, check_prior, load_prior, resolve_prior

    try:
        path = resolve_prior(prior, task_spec(env))
        check_prior(load_prior(path), env)
        return str(path)
    except PriorError as e:
        warnings.warn(f"rppo-prior falls back to a random initial policy: {e}", stacklevel=3)
        return None
