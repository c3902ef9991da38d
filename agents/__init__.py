"""Agents for the HPO envs: the paper's recurrent PPO agent and its variants (:mod:`agents.rppo`),
the learned prior (:mod:`agents.prior`), the baselines (:mod:`agents.baselines`), the one
loop that runs a proposer under a schedule (:mod:`agents.loop`), and the registry that names
them all (:mod:`agents.registry`).

Names are imported on first use (:mod:`hpo_env.lazy`), so ``import agents.registry`` (what
``hpo-rl --help`` needs) loads no torch.
"""

from typing import Any

from hpo_env.lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("AGENTS", "make_agent", "register_agent", "register_preset"), "agents.registry"),
    "RealEvalBudgetCallback": "agents.rppo.callbacks",
    **dict.fromkeys(("EmbeddingExtractor", "HPORecurrentPolicy", "default_policy_kwargs"), "agents.rppo.policy"),
    **dict.fromkeys(("PRESETS", "ModelSettings", "PPOSettings", "RPPOPreset"), "agents.rppo.presets"),
    **dict.fromkeys(("Tuner",), "agents.rppo.tuner"),
    "RecurrentPPOSampler": "agents.rppo.optuna_sampler",
    "ParallelEvalVecEnv": "agents.rppo.vec_env",
    "RLSearchCV": "agents.search_cv",
    **dict.fromkeys(("Session", "open_session", "tune"), "agents.session"),
}  # fmt: skip
__getattr__: Any = lazy_getattr(__name__, _EXPORTS)

#: Every name of ``_EXPORTS`` (one list, so the two cannot drift apart).
__all__ = sorted(_EXPORTS)
