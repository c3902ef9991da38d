"""The paper's agent: the recurrent policy, its tuner, the callbacks that tie PPO to real
evaluations, the KL-bounded use of a reward model, batched sampling, parallel episodes,
and the same policy as an Optuna sampler.

Names are imported on first use (:mod:`hpo_env.lazy`): the presets need no torch, and the
sampler needs Optuna (the [bench] extra).
"""

from typing import Any

from hpo_env.lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    "RecurrentPPOAgent": "agents.rppo.agent",
    **dict.fromkeys(("RealEvalBudgetCallback", "TimestepProgressCallback"), "agents.rppo.callbacks"),
    **dict.fromkeys(("KLModelControlCallback", "policy_kl", "screened_proposal"), "agents.rppo.model_control"),
    **dict.fromkeys(("EmbeddingExtractor", "HPORecurrentPolicy", "HPORecurrentPPO", "default_policy_kwargs"),
                    "agents.rppo.policy"),
    **dict.fromkeys(("PRESETS", "ModelSettings", "PPOSettings", "RPPOPreset"), "agents.rppo.presets"),
    **dict.fromkeys(("episode_observations", "sample_actions"), "agents.rppo.sampling"),
    **dict.fromkeys(("Tuner", "make_preset"), "agents.rppo.tuner"),
    "RecurrentPPOSampler": "agents.rppo.optuna_sampler",
    "ParallelEvalVecEnv": "agents.rppo.vec_env",
}  # fmt: skip
__getattr__: Any = lazy_getattr(__name__, _EXPORTS)

#: Every name of ``_EXPORTS`` (one list, so the two cannot drift apart).
__all__ = sorted(_EXPORTS)
