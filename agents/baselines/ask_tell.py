"""Optimisers that propose whole configurations, through one ask/tell loop: random search,
Optuna (TPE, CMA-ES, our sampler) and SMAC3.

Each follows :class:`~agents.base.Agent`: it talks to the env only, and a configuration it
picks in its own terms reaches the env through the search space's ``encode``.
"""

from __future__ import annotations

import tempfile
import warnings
from typing import Any, ClassVar

import numpy as np

from agents.base import Agent, max_episodes, play_episode
from hpo_env.adapters import configspace, optuna_distributions
from hpo_env.env import HPOEnv
from hpo_env.optional import require
from hpo_env.spaces import SearchSpace

__all__ = ["OptunaAgent", "RandomSearchAgent", "SMACAgent"]


class _AskTellAgent(Agent):
    """Shared loop of optimisers that propose whole configurations: ask, play one episode, tell."""

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        base = env.unwrapped
        target = base.n_real_evals + budget
        ask, tell = self._start(base.space, seed, budget)
        env.reset(seed=seed)
        for _ in range(max_episodes(budget)):
            if base.n_real_evals >= target:
                break
            handle, config = ask()
            reward, _ = play_episode(env, base.space.encode(config))
            tell(handle, reward)
        return None

    def _start(self, space: SearchSpace, seed: int, budget: int) -> tuple[Any, Any]:
        raise NotImplementedError


class RandomSearchAgent(_AskTellAgent):
    """Uniform random actions: uniform on linear ranges, log-uniform on log ones."""

    name = "random"

    def _start(self, space: SearchSpace, seed: int, budget: int) -> tuple[Any, Any]:
        rng = np.random.default_rng(seed)
        return (lambda: (None, space.sample(rng))), (lambda h, r: None)


class OptunaAgent(_AskTellAgent):
    """An Optuna sampler through ask/tell: ``tpe`` (TPESampler), ``cmaes`` (CmaEsSampler), or
    ``rppo-optuna`` (our :class:`~agents.rppo.optuna_sampler.RecurrentPPOSampler`, so the benchmark
    measures the agent the way an Optuna user runs it)."""

    SAMPLERS: ClassVar[tuple[str, ...]] = ("tpe", "cmaes", "rppo-optuna")

    def __init__(self, sampler: str = "tpe") -> None:
        if sampler not in self.SAMPLERS:
            raise ValueError(f"sampler={sampler!r}; expected one of {self.SAMPLERS}")
        self.sampler = sampler
        self.name = sampler  # type: ignore[misc]
        self.requires = ("optuna", "cmaes") if sampler == "cmaes" else ("optuna",)  # type: ignore[misc]

    def _start(self, space: SearchSpace, seed: int, budget: int) -> tuple[Any, Any]:
        require(f"agent {self.name!r}", *self.requires)
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        if self.sampler == "tpe":
            sampler = optuna.samplers.TPESampler(seed=seed)
        elif self.sampler == "rppo-optuna":
            from agents.rppo.optuna_sampler import RecurrentPPOSampler

            sampler = RecurrentPPOSampler(seed=seed)
        else:
            # CMA-ES has no categorical support; Optuna samples those independently.
            warnings.filterwarnings("ignore", category=UserWarning, module="optuna")
            sampler = optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        dists = optuna_distributions(space)

        def ask() -> tuple[Any, dict[str, Any]]:
            trial = study.ask(dists)
            return trial, trial.params

        return ask, lambda trial, reward: study.tell(trial, reward)


class SMACAgent(_AskTellAgent):
    """SMAC3's HyperparameterOptimizationFacade (random forest + EI) through ask/tell.

    Needs the optional extra: ``pip install -e ".[smac]"``.
    """

    name = "smac"
    requires = ("smac", "ConfigSpace")

    def _start(self, space: SearchSpace, seed: int, budget: int) -> tuple[Any, Any]:
        require("agent 'smac'", *self.requires)
        from smac import HyperparameterOptimizationFacade, Scenario
        from smac.runhistory.dataclasses import TrialValue

        cs = configspace(space, seed)
        self._tmp = tempfile.TemporaryDirectory(prefix="hpo-rl-smac-")
        scenario = Scenario(cs, deterministic=True, n_trials=budget, seed=seed, output_directory=self._tmp.name)
        smac = HyperparameterOptimizationFacade(scenario, lambda config, seed=0: 0.0, overwrite=True, logging_level=40)

        def ask() -> tuple[Any, dict[str, Any]]:
            info = smac.ask()
            return info, {name: info.config[name] for name in space.names}

        # SMAC minimises a cost.
        return ask, lambda info, reward: smac.tell(info, TrialValue(cost=-reward))
