"""Agents for the HPO envs: the paper's recurrent PPO policy, its trainer and callbacks."""

from agents.callbacks import RealEvalBudgetCallback
from agents.policy import EmbeddingExtractor, HPORecurrentPolicy, default_policy_kwargs
from agents.trainer import TuneResult, tune

__all__ = [
    "EmbeddingExtractor",
    "HPORecurrentPolicy",
    "RealEvalBudgetCallback",
    "TuneResult",
    "default_policy_kwargs",
    "tune",
]
