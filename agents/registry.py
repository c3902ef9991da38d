"""Agents by the names the CLI and the benchmark results use."""

from __future__ import annotations

from collections.abc import Callable

from agents.base import Agent

__all__ = ["AGENTS", "PRIOR_AGENTS", "make_agent"]


def _random() -> Agent:
    from agents.baselines import RandomSearchAgent

    return RandomSearchAgent()


def _optuna(sampler: str) -> Callable[[], Agent]:
    def make() -> Agent:
        from agents.baselines import OptunaAgent

        return OptunaAgent(sampler)

    return make


def _smac() -> Agent:
    from agents.baselines import SMACAgent

    return SMACAgent()


def _ppo() -> Agent:
    from agents.baselines import PPOAgent

    return PPOAgent()


def _onestep() -> Agent:
    from agents.baselines import OnePassPPOAgent

    return OnePassPPOAgent()


def _rppo(name: str, **kwargs) -> Callable[..., Agent]:
    def make(**overrides) -> Agent:
        from agents.rppo import RecurrentPPOAgent

        return RecurrentPPOAgent(name, **{**kwargs, **overrides})

    return make


#: name -> factory. Variants that need other env settings say so through ``env_overrides``.
AGENTS: dict[str, Callable[[], Agent]] = {
    "random": _random,
    "tpe": _optuna("tpe"),
    "cmaes": _optuna("cmaes"),
    "rppo-optuna": _optuna("rppo-optuna"),
    "smac": _smac,
    "ppo": _ppo,
    "onestep": _onestep,
    "rppo": _rppo("rppo"),
    "rppo-shuffle": _rppo("rppo-shuffle", env_overrides={"order": "shuffle"}),
    "rppo-mb": _rppo("rppo-mb", model_based="kl"),
    "rppo-mb-fixed": _rppo("rppo-mb-fixed", model_based="fixed"),
    # The paper's model-based agent started from the meta-trained prior (agents.prior).
    "rppo-prior": _rppo("rppo-prior", model_based="kl", prior="default", env_overrides={"meta_features": True}),
}


#: Agents that take a ``prior`` (weights file, or a directory of leave-one-task-out weights).
PRIOR_AGENTS = ("rppo-prior",)


def make_agent(name: str, **kwargs) -> Agent:
    """The agent called ``name``; ``kwargs`` override its settings (e.g. ``prior=`` for ``rppo-prior``)."""
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; expected one of {sorted(AGENTS)}")
    if kwargs and name not in PRIOR_AGENTS:
        raise ValueError(f"agent {name!r} takes no settings; got {sorted(kwargs)}")
    return AGENTS[name](**kwargs)
