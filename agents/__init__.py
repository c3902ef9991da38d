"""Agents for the HPO envs: the paper's recurrent PPO policy, its trainer and callbacks, and the
same policy as an Optuna sampler."""

from typing import Any

from agents.rppo.callbacks import RealEvalBudgetCallback
from agents.rppo.policy import EmbeddingExtractor, HPORecurrentPolicy, default_policy_kwargs
from agents.rppo.tuner import TuneResult, tune

__all__ = [
    "EmbeddingExtractor",
    "HPORecurrentPolicy",
    "ParallelEvalVecEnv",
    "RealEvalBudgetCallback",
    "RLSearchCV",
    "RecurrentPPOSampler",
    "TuneResult",
    "default_policy_kwargs",
    "tune",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: the sampler needs Optuna (the [bench] extra), not every user has it.
    if name == "RecurrentPPOSampler":
        from agents.rppo.optuna_sampler import RecurrentPPOSampler

        return RecurrentPPOSampler
    if name == "RLSearchCV":
        from agents.search_cv import RLSearchCV

        return RLSearchCV
    if name == "ParallelEvalVecEnv":
        from agents.rppo.vec_env import ParallelEvalVecEnv

        return ParallelEvalVecEnv
    raise AttributeError(f"module 'agents' has no attribute {name!r}")
