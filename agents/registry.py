"""Agents by the names the CLI and the benchmark results use.

The baselines are classes of :mod:`agents.baselines`; every variant of our agent is a
preset (:data:`agents.rppo.presets.PRESETS`), and :func:`register_preset` adds one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agents.rppo.presets import PRESETS, RPPOPreset

if TYPE_CHECKING:  # the agents' modules load torch or the env: each factory imports its own
    from agents.base import Agent

__all__ = [
    "AGENTS", "NEEDS_TRAINING", "make_agent", "multi_fidelity_agents", "preset_agent", "prior_agents", "register_agent",
    "register_preset",
]  # fmt: skip


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


def _portfolio(then: str, adaptive: bool = False) -> Callable[..., Agent]:
    def make(prior: str | None = None) -> Agent:
        from agents.baselines import PortfolioAgent

        return PortfolioAgent(then, prior=prior, adaptive=adaptive)

    return make


def _tpe_hyperband() -> Agent:
    from agents.multifidelity import TPEHyperbandAgent

    return TPEHyperbandAgent()


def _smac_mf() -> Agent:
    from agents.multifidelity import SMACMultiFidelityAgent

    return SMACMultiFidelityAgent()


def _prior_hb(prior: str | None = None) -> Agent:
    from agents.multifidelity import PriorHyperbandAgent

    return PriorHyperbandAgent(prior=prior)


def _portfolio_hb(prior: str | None = None) -> Agent:
    from agents.multifidelity import PortfolioHyperbandAgent

    return PortfolioHyperbandAgent(prior=prior)


def _flaml(searcher: str, zeroshot: bool = False) -> Callable[[], Agent]:
    def make() -> Agent:
        from agents.peers import FLAMLAgent

        return FLAMLAgent(searcher, zeroshot=zeroshot)

    return make


def _portfolio_cfo(k: int | None = None) -> Callable[..., Agent]:
    """CFO from FLAML's cheap start, then the portfolio's first ``k`` configurations (None: all)
    in their cost-aware order, then CFO's local search from the best so far: the portfolio's
    same-data knowledge with FLAML's cost-frugal search."""
    name = "portfolio-cfo" if k is None else f"portfolio-cfo-k{k}"

    def make(prior: str | None = None) -> Agent:
        from agents.baselines import PortfolioProposer
        from agents.loop import LoopAgent
        from agents.peers import FLAMLProposer

        portfolio = PortfolioProposer(name, prior, cost_aware=True, k=k, fallback="as flaml-cfo")
        return LoopAgent(name, FLAMLProposer("cfo", portfolio=portfolio))

    return make


def _synetune_bb(prior: str | None = None) -> Agent:
    """Syne Tune's ``BoundingBox`` around its TPE, the box learned from the held-out portfolio's
    pool (the same data as ``portfolio-tpe``); its TPE on the whole space without one."""
    from agents.baselines import PortfolioProposer
    from agents.peers import SyneTuneAgent

    return SyneTuneAgent(PortfolioProposer("synetune-bb", prior, fallback="as Syne Tune's TPE on the whole space"))


def _time_agent(prior: str | None = None) -> Agent:
    """The learned agent for time (:mod:`agents.prior.time_agent`); its weights are not shipped."""
    from agents.prior.time_agent import TimeAgent

    return TimeAgent(prior)


def preset_agent(preset: RPPOPreset, **tune_kwargs: Any) -> Agent:
    """The agent of a preset: a screen-only one (``rppo-prior``, whose policy never updates) is
    a proposer in the one loop (:class:`~agents.prior.screened.ScreenedPriorAgent`); one whose
    PPO updates is a :class:`~agents.rppo.agent.RecurrentPPOAgent` with ``tune_kwargs``."""
    from agents.prior.screened import ScreenedPriorAgent, is_screen_only
    from agents.rppo.agent import RecurrentPPOAgent

    return ScreenedPriorAgent(preset) if is_screen_only(preset) else RecurrentPPOAgent(preset, **tune_kwargs)


def _preset_agent(name: str) -> Callable[..., Agent]:
    def make(**overrides: Any) -> Agent:
        preset = PRESETS[name]
        return preset_agent(preset.replace(**overrides) if overrides else preset)

    return make


#: name -> factory. Presets take their fields as settings (``make_agent("rppo-prior", prior=DIR)``).
AGENTS: dict[str, Callable[..., Agent]] = {
    "random": _random,
    "tpe": _optuna("tpe"),
    "cmaes": _optuna("cmaes"),
    "rppo-optuna": _optuna("rppo-optuna"),
    "smac": _smac,
    "ppo": _ppo,
    "onestep": _onestep,
    # The simplest use of the tables the prior learns from (agents.transfer.portfolio).
    "portfolio": _portfolio("random"),
    "portfolio-tpe": _portfolio("tpe"),
    # The same tables, the portfolio re-weighted by what the task measured (agents.transfer.adaptive).
    "adaptive-portfolio-tpe": _portfolio("tpe", adaptive=True),
    # Multi-fidelity (agents.multifidelity): partial evaluations first; real XGBoost env only.
    "tpe-hyperband": _tpe_hyperband,
    "smac-mf": _smac_mf,
    "rppo-prior-hb": _prior_hb,
    # rppo-prior-hb's same-data baseline, as portfolio-tpe is rppo-prior's.
    "portfolio-tpe-hyperband": _portfolio_hb,
    # The peers practitioners pick for seconds (agents.peers; the [peers] extra).
    "flaml-cfo": _flaml("cfo"),
    "flaml-bs": _flaml("bs"),
    "flaml-zeroshot": _flaml("cfo", zeroshot=True),
    # The portfolio's same-data knowledge, then FLAML's cost-frugal local search; -k1: its
    # first cost-aware pick only (benchmarks/results/yahpo_time_k1).
    "portfolio-cfo": _portfolio_cfo(),
    "portfolio-cfo-k1": _portfolio_cfo(1),
    # Syne Tune's transfer baseline, fed the portfolio's pool (the same held-out data).
    "synetune-bb": _synetune_bb,
    # The learned agent for time: configurations and fidelities from a policy meta-trained on
    # YAHPO's simulated clock (needs --prior; benchmarks/results/yahpo_time_rl2_dev).
    "rl2-time": _time_agent,
    **{name: _preset_agent(name) for name in PRESETS},
}


#: Agents that learn across tasks but are not presets: they take ``prior=`` too (a portfolio).
_ACROSS_TASKS = [
    "portfolio", "portfolio-tpe", "adaptive-portfolio-tpe", "rppo-prior-hb", "portfolio-tpe-hyperband", "portfolio-cfo",
    "portfolio-cfo-k1", "synetune-bb", "rl2-time",
]  # fmt: skip

#: Agents that run only on weights the user trains (none are shipped): ``--agents all`` and the
#: contract suite's runs on real XGBoost leave them out.
NEEDS_TRAINING = ("rl2-time",)


def multi_fidelity_agents() -> tuple[str, ...]:
    """Agents that train configurations partially first (their ``Agent.multi_fidelity``): the
    ones ``hpo-rl tune --multi-fidelity`` and ``RLSearchCV(multi_fidelity=True)`` take,
    leaving out those that need weights the user trains (:data:`NEEDS_TRAINING`)."""
    return tuple(name for name in AGENTS if name not in NEEDS_TRAINING and make_agent(name).multi_fidelity)


def prior_agents() -> tuple[str, ...]:
    """Agents that learn across tasks, so take ``prior=``: a weights (or portfolio) file, or a
    directory of held-out ones."""
    return (*_ACROSS_TASKS, *(name for name, p in PRESETS.items() if p.prior is not None))


def register_preset(preset: RPPOPreset) -> None:
    """Add a variant of our agent under ``preset.name``: ``make_agent``, ``hpo-rl bench --agents``
    and ``hpo-rl tune --agent`` then know it (in this process). A taken name is refused."""
    if preset.name in AGENTS:
        raise ValueError(f"agent {preset.name!r} exists already; give the preset another name")
    PRESETS[preset.name] = preset
    AGENTS[preset.name] = _preset_agent(preset.name)


def register_agent(name: str, factory: Callable[..., Agent], across_tasks: bool = False) -> None:
    """Add an agent under ``name`` (in this process): ``make_agent``, ``hpo-rl bench`` and
    ``benchmarks.multifidelity`` then run it beside the others. ``factory()`` makes it; with
    ``across_tasks``, ``factory(prior=...)`` takes learned files (a file or a directory of
    held-out ones), as ``--prior`` passes them. A taken name is refused."""
    if name in AGENTS:
        raise ValueError(f"agent {name!r} exists already; give it another name")
    AGENTS[name] = factory
    if across_tasks:
        _ACROSS_TASKS.append(name)


def make_agent(name: str, **kwargs: Any) -> Agent:
    """The agent called ``name``; ``kwargs`` replace fields of a preset (e.g. ``prior=`` for ``rppo-prior``)."""
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; expected one of {sorted(AGENTS)}")
    if kwargs and name not in PRESETS and (name not in _ACROSS_TASKS or set(kwargs) != {"prior"}):
        raise ValueError(f"agent {name!r} takes no settings; got {sorted(kwargs)}")
    return AGENTS[name](**kwargs)
