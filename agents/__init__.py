"""Agents for the HPO envs: the paper's recurrent PPO agent and its variants (:mod:`agents.rppo`),
the learned prior (:mod:`agents.prior`), the baselines (:mod:`agents.baselines`), and the
registry that names them all (:mod:`agents.registry`)."""

from typing import Any

from agents.registry import AGENTS, make_agent, register_preset
from agents.rppo.callbacks import RealEvalBudgetCallback
from agents.rppo.policy import EmbeddingExtractor, HPORecurrentPolicy, default_policy_kwargs
from agents.rppo.presets import PRESETS, ModelSettings, PPOSettings, RPPOPreset
from agents.rppo.tuner import Tuner, TuneResult, tune

__all__ = [
    "AGENTS",
    "PRESETS",
    "EmbeddingExtractor",
    "HPORecurrentPolicy",
    "ModelSettings",
    "PPOSettings",
    "ParallelEvalVecEnv",
    "RLSearchCV",
    "RPPOPreset",
    "RealEvalBudgetCallback",
    "RecurrentPPOSampler",
    "TuneResult",
    "Tuner",
    "default_policy_kwargs",
    "make_agent",
    "register_preset",
    "tune",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: the sampler needs Optuna (the [bench] extra), RLSearchCV scikit-learn's API.
    if name in ("RecurrentPPOSampler", "ParallelEvalVecEnv"):
        import agents.rppo

        return getattr(agents.rppo, name)
    if name == "RLSearchCV":
        from agents.search_cv import RLSearchCV

        return RLSearchCV
    raise AttributeError(f"module 'agents' has no attribute {name!r}")
