"""Agents by the names the CLI and the benchmark results use."""

from __future__ import annotations

from collections.abc import Callable

from agents.base import Agent

__all__ = ["AGENTS", "FINETUNE_LR", "PRIOR_AGENTS", "SCREEN", "make_agent"]


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


def _prior(name: str, **kwargs) -> Callable[..., Agent]:
    """A model-based agent started from the shipped prior (``prior=`` overrides it)."""
    return _rppo(name, model_based="kl", prior="default", env_overrides={"meta_features": True}, **kwargs)


#: Candidates the reward model screens per real evaluation (``rppo-prior``, ``rppo-prior-ft``).
SCREEN = 1000
#: PPO learning rate of ``rppo-prior-ft``: the pretraining rate; the paper's 7e-3 moves a
#: sharp prior too far in one update.
FINETUNE_LR = 3e-4

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
    # The meta-trained prior (agents.prior) as a fixed proposal distribution, the
    # per-task reward model picking each real evaluation among its samples
    # (agents.rppo.model_control.screened_proposal): the default tuner.
    "rppo-prior": _prior("rppo-prior", model_kwargs={"screen": SCREEN, "finetune": False}),
    # The same with PPO fine-tuning the prior on the reward model between evaluations.
    "rppo-prior-ft": _prior(
        "rppo-prior-ft", model_kwargs={"screen": SCREEN}, ppo_kwargs={"learning_rate": FINETUNE_LR}
    ),
    # The prior with the paper's loop as it is: real episodes are the policy's own samples.
    "rppo-prior-plain": _prior("rppo-prior-plain"),
}


#: Agents that take a ``prior`` (weights file, or a directory of leave-one-task-out weights).
PRIOR_AGENTS = ("rppo-prior", "rppo-prior-ft", "rppo-prior-plain")


def make_agent(name: str, **kwargs) -> Agent:
    """The agent called ``name``; ``kwargs`` override its settings (e.g. ``prior=`` for ``rppo-prior``)."""
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; expected one of {sorted(AGENTS)}")
    if kwargs and name not in PRIOR_AGENTS:
        raise ValueError(f"agent {name!r} takes no settings; got {sorted(kwargs)}")
    return AGENTS[name](**kwargs)
