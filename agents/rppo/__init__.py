"""The paper's agent: the recurrent policy, its tuner, the callbacks that tie PPO to real
evaluations, the KL-bounded use of a reward model, batched sampling, parallel episodes,
and the same policy as an Optuna sampler."""

from typing import Any

from agents.rppo.agent import RecurrentPPOAgent
from agents.rppo.callbacks import RealEvalBudgetCallback, TimestepProgressCallback
from agents.rppo.model_control import KLModelControlCallback, policy_kl, screened_proposal
from agents.rppo.policy import EmbeddingExtractor, HPORecurrentPolicy, HPORecurrentPPO, default_policy_kwargs
from agents.rppo.presets import PRESETS, ModelSettings, PPOSettings, RPPOPreset
from agents.rppo.sampling import episode_observations, sample_actions
from agents.rppo.tuner import Tuner, TuneResult, make_preset, tune

__all__ = [
    "PRESETS",
    "EmbeddingExtractor",
    "HPORecurrentPPO",
    "HPORecurrentPolicy",
    "KLModelControlCallback",
    "ModelSettings",
    "PPOSettings",
    "RPPOPreset",
    "ParallelEvalVecEnv",
    "RealEvalBudgetCallback",
    "RecurrentPPOAgent",
    "RecurrentPPOSampler",
    "TimestepProgressCallback",
    "TuneResult",
    "Tuner",
    "default_policy_kwargs",
    "episode_observations",
    "make_preset",
    "policy_kl",
    "sample_actions",
    "screened_proposal",
    "tune",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: the sampler needs Optuna (the [bench] extra).
    if name == "RecurrentPPOSampler":
        from agents.rppo.optuna_sampler import RecurrentPPOSampler

        return RecurrentPPOSampler
    if name == "ParallelEvalVecEnv":
        from agents.rppo.vec_env import ParallelEvalVecEnv

        return ParallelEvalVecEnv
    raise AttributeError(f"module 'agents.rppo' has no attribute {name!r}")
