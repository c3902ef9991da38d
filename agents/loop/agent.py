"""The one loop: ask the proposer, train at the schedule's fidelity, tell the result."""

from __future__ import annotations

from typing import Any

from agents.base import Agent, max_episodes, play_episode
from agents.loop.proposer import Proposer
from agents.loop.schedule import Schedule
from agents.loop.study import enqueue, make_study, tell_study
from hpo_env.env import HPOEnv
from hpo_env.fidelity import full_evals
from hpo_env.optional import require

__all__ = ["LoopAgent"]


class LoopAgent(Agent):
    """An agent made of a proposal source and a schedule, run by one loop.

    The loop asks ``proposer`` for a configuration, trains it with the options of ``schedule``
    (in full, at a fidelity, or with a pruner on its learning curve), and tells the proposer
    the reward, until ``budget`` full-evaluation equivalents are spent
    (:func:`~hpo_env.fidelity.full_evals`; for an agent that makes only full evaluations,
    that is the number of real evaluations). When the proposer samples with Optuna or the
    schedule prunes, every evaluation is also a trial of one Optuna study (:mod:`agents.loop.study`).

    Args:
        name: the agent's name, as results record it.
        proposer: where configurations come from (:class:`~agents.loop.Proposer`).
        schedule: at what fidelity each is trained (default :class:`~agents.loop.Schedule`:
            as proposed, in full unless the proposer names a fidelity).
    """

    def __init__(self, name: str, proposer: Proposer, schedule: Schedule | None = None) -> None:
        self.name = name  # type: ignore[misc]
        self.proposer, self.schedule = proposer, schedule if schedule is not None else Schedule()
        self.requires = tuple(dict.fromkeys((*proposer.requires, *self.schedule.requires)))  # type: ignore[misc]
        self.env_overrides = dict(proposer.env_overrides)  # type: ignore[misc]
        self.multi_fidelity = proposer.multi_fidelity or self.schedule.multi_fidelity  # type: ignore[misc]

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        require(f"agent {self.name!r}", *self.requires)
        base = env.unwrapped
        start = base.n_real_evals
        study = self._study(seed)
        self.proposer.start(env, seed, budget, study)
        env.reset(seed=seed)
        try:
            for _ in range(max_episodes(budget)):
                if full_evals(base.history.records[start:]) >= budget:
                    break
                proposal = self.proposer.ask()
                if proposal is None:
                    break  # nothing left to propose
                if study is not None:
                    enqueue(study, base.space, proposal)
                reward, info = play_episode(env, base.space.encode(proposal.config), self._options(env, proposal))
                if study is not None:
                    tell_study(study, proposal, reward, info)
                self.proposer.tell(proposal, reward, info)
        finally:
            self.proposer.close()
        return self.extra_so_far()

    def _options(self, env: HPOEnv, proposal: Any) -> dict[str, Any] | None:
        """The episode's ``reset`` options: the schedule's, and the proposal's note."""
        options = self.schedule.options(env, proposal)
        return options if proposal.note is None else {**(options or {}), "note": proposal.note}

    def _study(self, seed: int) -> Any:
        """The loop's Optuna study, when the proposer samples with Optuna or the schedule prunes."""
        sampler, pruner = self.proposer.sampler(seed), self.schedule.pruner()
        if sampler is None and pruner is None:
            return None
        return make_study(sampler, pruner, self.schedule.study_name(self.name, seed), seed)

    def extra_so_far(self) -> dict[str, Any]:
        return self.proposer.extra()
