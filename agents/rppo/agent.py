"""Our recurrent PPO agent behind the benchmark's :class:`~agents.base.Agent` protocol."""

from __future__ import annotations

import warnings
from typing import Any

from agents.base import Agent, task_spec
from agents.rppo.presets import RPPOPreset
from agents.rppo.tuner import Tuner
from hpo_env.env import HPOEnv

__all__ = ["RecurrentPPOAgent"]


class RecurrentPPOAgent(Agent):
    """The paper's agent, one :class:`~agents.rppo.presets.RPPOPreset` of it, tuned by
    :class:`~agents.rppo.tuner.Tuner` on the env it is given.

    Args:
        preset: the variant; its name is the name the benchmark records, and its
            ``env_overrides`` the env arguments it needs.
        **tune_kwargs: more :class:`~agents.rppo.tuner.Tuner` arguments (``policy_kwargs``...).
    """

    def __init__(self, preset: RPPOPreset, **tune_kwargs: Any) -> None:
        self.preset = preset
        self.name = preset.name  # type: ignore[misc]
        self.env_overrides = preset.env_overrides  # type: ignore[misc]
        self.tune_kwargs = tune_kwargs
        self._tuner: Tuner | None = None

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        base = env.unwrapped
        start = base.n_real_evals
        preset = self.preset
        if preset.prior is not None:
            # Weights that cannot be used: a random initial policy, the same settings otherwise.
            preset = preset.replace(prior=_usable_prior(preset.prior, base))
        self._tuner = Tuner(preset, base, start + budget, seed, **{"progress": False, **self.tune_kwargs})
        return self._tuner.run()

    def extra_so_far(self) -> dict[str, Any]:
        """What the run has counted so far (on an interrupt or a spent time budget)."""
        return {} if self._tuner is None else self._tuner.extra()


def _usable_prior(prior: Any, env: HPOEnv) -> str | None:
    """The weights file for this env's task, or None with a warning when they cannot be used
    (missing, unreadable, or trained for another space or observation): the agent then
    trains from a random policy, as ``rppo-mb`` does."""
    from agents.transfer.files import PriorError, fitting_prior

    try:
        return fitting_prior(prior, env, task_spec(env))["path"]
    except PriorError as e:
        warnings.warn(f"rppo-prior falls back to a random initial policy: {e}", stacklevel=3)
        return None
