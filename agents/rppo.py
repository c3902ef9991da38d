"""Our recurrent PPO agent behind the benchmark's :class:`~agents.base.Agent` protocol."""

from __future__ import annotations

from typing import Any

from agents.base import Agent
from agents.trainer import tune
from hpo_env.env import HPOEnv

__all__ = ["RecurrentPPOAgent"]


class RecurrentPPOAgent(Agent):
    """The paper's agent trained by :func:`agents.trainer.tune` on the env it is given.

    Args:
        name: the name the benchmark records.
        env_overrides: env arguments this variant needs (e.g. ``{"order": "shuffle"}``).
        **tune_kwargs: passed to :func:`~agents.trainer.tune` (``policy_kwargs``, ``ppo_kwargs``...).
    """

    def __init__(self, name: str = "rppo", env_overrides: dict[str, Any] | None = None, **tune_kwargs: Any) -> None:
        self.name = name  # type: ignore[misc]
        self.env_overrides = dict(env_overrides or {})  # type: ignore[misc]
        self.tune_kwargs = tune_kwargs

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        start = env.unwrapped.n_real_evals
        r = tune(env=env.unwrapped, budget=start + budget, seed=seed, progress=False, **self.tune_kwargs)
        return {
            "stalled": r.stalled,
            "agent_overhead_s_per_eval": r.agent_overhead_s_per_eval,
            "n_model_episodes": r.n_model_episodes,
            "model_stretches": r.model_stretches,
        }
