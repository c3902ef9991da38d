"""Where configurations come from: a :class:`Proposer` is asked for one and told its score.

A proposer never touches the env's evaluation: the loop (:class:`~agents.loop.LoopAgent`)
trains what it proposes, at the fidelity its schedule chooses, and tells it the reward.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from hpo_env.env import HPOEnv

__all__ = ["Chain", "Proposal", "Proposer", "QueueProposer", "RandomProposer"]


@dataclass
class Proposal:
    """One configuration to train.

    Attributes:
        config: the configuration, in the env's search space.
        handle: what the proposer needs back with the score (its own trial record), or None.
        trial: the Optuna trial that records it, when the loop keeps a study
            (:mod:`agents.loop.study`): set by an Optuna proposer, else by the loop.
        fidelity: a partial evaluation the proposer asks for itself (``{"rounds": 1/3}``,
            :mod:`hpo_env.fidelity`), or None for whatever the schedule gives.
        source: the proposer that made it (set by :class:`Chain`), told its score.
        note: numbers the proposer attaches (a reward model's prediction, ``model/predicted``),
            kept in the evaluation's record (:meth:`~hpo_env.env.HPOEnv.evaluate_many`).
    """

    config: dict[str, Any]
    handle: Any = None
    trial: Any = None
    fidelity: dict[str, float] | None = None
    source: Proposer | None = None
    note: dict[str, float] | None = None


class Proposer(abc.ABC):
    """A source of configurations: :meth:`start` once, then :meth:`ask` and :meth:`tell` in turn.

    ``requires`` names the optional modules it imports (:mod:`hpo_env.optional`);
    ``env_overrides`` the env arguments it needs (``{"meta_features": True}``);
    ``multi_fidelity`` that it asks for partial evaluations itself.
    """

    requires: ClassVar[tuple[str, ...]] = ()
    env_overrides: ClassVar[dict[str, Any]] = {}
    multi_fidelity: ClassVar[bool] = False

    def sampler(self, seed: int) -> Any:
        """The Optuna sampler it proposes with, or None: one that has one proposes through the
        loop's study (:class:`~agents.loop.OptunaProposer`)."""
        return None

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:  # noqa: B027 - a hook, optional
        """Called once before the first :meth:`ask`; ``study`` is the loop's Optuna study or None."""

    @abc.abstractmethod
    def ask(self) -> Proposal | None:
        """The next configuration, or None when it has none (a :class:`Chain` then asks the next)."""

    def tell(self, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:  # noqa: B027 - a hook, optional
        """The reward its proposal earned and the episode's terminal ``info``."""

    def extra(self) -> dict[str, Any]:
        """Fields for the run's result (which portfolio or prior it used, ...)."""
        return {}

    def close(self) -> None:  # noqa: B027 - a hook, optional
        """Release what :meth:`start` took (temporary files)."""


class RandomProposer(Proposer):
    """Uniform random configurations: uniform on linear ranges, log-uniform on log ones."""

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        self._space, self._rng = env.unwrapped.space, np.random.default_rng(seed)

    def ask(self) -> Proposal:
        return Proposal(self._space.sample(self._rng))


class QueueProposer(Proposer):
    """A fixed list of configurations, in order; then None (chain it with another)."""

    def __init__(self, configs: list[dict[str, Any]] | None = None) -> None:
        self.configs = [dict(c) for c in configs or []]
        self._queue: list[dict[str, Any]] = []

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        self._queue = list(self.configs)

    def ask(self) -> Proposal | None:
        return Proposal(self._queue.pop(0)) if self._queue else None


class Chain(Proposer):
    """Ask each proposer in turn until one proposes: ``Chain(portfolio, tpe)`` proposes the
    portfolio's configurations while it has any, then TPE's. Every one is started, and each
    proposal's score is told to the proposer that made it. At most one may sample with Optuna."""

    def __init__(self, *proposers: Proposer) -> None:
        if not proposers:
            raise ValueError("Chain() needs at least one proposer")
        self.proposers = proposers
        self.requires = tuple(dict.fromkeys(r for p in proposers for r in p.requires))  # type: ignore[misc]
        self.env_overrides = {k: v for p in proposers for k, v in p.env_overrides.items()}  # type: ignore[misc]
        self.multi_fidelity = any(p.multi_fidelity for p in proposers)  # type: ignore[misc]

    def sampler(self, seed: int) -> Any:
        samplers = [s for s in (p.sampler(seed) for p in self.proposers) if s is not None]
        if len(samplers) > 1:
            raise ValueError("a Chain may hold at most one proposer that samples with Optuna")
        return samplers[0] if samplers else None

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        for p in self.proposers:
            p.start(env, seed, budget, study)

    def ask(self) -> Proposal | None:
        for p in self.proposers:
            proposal = p.ask()
            if proposal is not None:
                proposal.source = proposal.source or p
                return proposal
        return None

    def tell(self, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:
        if proposal.source is not None:
            proposal.source.tell(proposal, reward, info)

    def extra(self) -> dict[str, Any]:
        return {k: v for p in self.proposers for k, v in p.extra().items()}

    def close(self) -> None:
        for p in self.proposers:
            p.close()
