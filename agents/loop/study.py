"""The loop's Optuna study, and the proposer that samples through it.

When a proposer samples with Optuna or the schedule prunes, the loop keeps one study, and
every evaluation is a trial of it: a proposal that is not the sampler's own is enqueued and
asked (``study.enqueue_trial``), so the sampler learns from every configuration, and the
loop tells the study each result (pruned, or the reward). A proposer never tells the study.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, ClassVar

from agents.loop.proposer import Proposal, Proposer
from hpo_env.adapters import optuna_distributions, suggest_config
from hpo_env.env import HPOEnv
from hpo_env.spaces import SearchSpace

__all__ = ["OptunaProposer", "ask_trial", "enqueue", "make_study", "tell_study"]


def make_study(sampler: Any, pruner: Any, name: str | None, seed: int) -> Any:
    """A maximising study with ``sampler`` (Optuna's random one when None) and ``pruner``."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if sampler is None:
        sampler = optuna.samplers.RandomSampler(seed=seed)  # never asked: every trial is enqueued
    return optuna.create_study(study_name=name, direction="maximize", sampler=sampler, pruner=pruner)


def ask_trial(study: Any, space: SearchSpace, dists: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """A new trial of ``study`` and its configuration: with all of ``space``'s distributions
    at once (``dists``), or define-by-run in a conditional space, so an inactive
    hyperparameter is never sampled."""
    if space.conditional:
        trial = study.ask()
        return trial, suggest_config(trial, space)
    trial = study.ask(optuna_distributions(space) if dists is None else dists)
    return trial, trial.params


def enqueue(study: Any, space: SearchSpace, proposal: Proposal) -> None:
    """Make ``proposal`` a trial of ``study``, unless the study's sampler proposed it."""
    if proposal.trial is None:
        study.enqueue_trial(proposal.config)
        proposal.trial, _ = ask_trial(study, space)


def tell_study(study: Any, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:
    """Tell ``study`` how ``proposal``'s trial ended: pruned, or with ``reward``."""
    import optuna

    if info.get("pruned"):
        study.tell(proposal.trial, state=optuna.trial.TrialState.PRUNED)
    else:
        study.tell(proposal.trial, reward)


class OptunaProposer(Proposer):
    """An Optuna sampler proposing through the loop's study: ``tpe`` (``TPESampler``), ``cmaes``
    (``CmaEsSampler``; categoricals are sampled independently), or any other that
    ``make_sampler(seed)`` builds (``rppo-optuna``: our recurrent policy as an Optuna sampler).

    Override :meth:`search_space` to propose in a part of the env's space.
    """

    SAMPLERS: ClassVar[tuple[str, ...]] = ("tpe", "cmaes")

    def __init__(self, sampler: str = "tpe", make_sampler: Callable[[int], Any] | None = None) -> None:
        if make_sampler is None and sampler not in self.SAMPLERS:
            raise ValueError(f"sampler={sampler!r}; expected one of {self.SAMPLERS}, or a make_sampler")
        self.name, self.make_sampler = sampler, make_sampler
        self.requires = ("optuna", "cmaes") if sampler == "cmaes" else ("optuna",)  # type: ignore[misc]

    def sampler(self, seed: int) -> Any:
        import optuna

        if self.make_sampler is not None:
            return self.make_sampler(seed)
        if self.name == "tpe":
            return optuna.samplers.TPESampler(seed=seed)
        warnings.filterwarnings("ignore", category=UserWarning, module="optuna")
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        self._space = self.search_space(env)
        self._study, self._dists = study, optuna_distributions(self._space)

    def search_space(self, env: HPOEnv) -> SearchSpace:
        """The space it proposes in: the env's, or a part of it (every configuration in it
        must also be in the env's)."""
        return env.unwrapped.space

    def ask(self) -> Proposal:
        trial, config = ask_trial(self._study, self._space, self._dists)
        return Proposal(config, trial=trial)
