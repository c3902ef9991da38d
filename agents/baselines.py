"""Baseline optimisers on the same env: random search, Optuna TPE and CMA-ES, SMAC3, plain and one-step PPO.

Each follows :class:`~agents.base.Agent`: it talks to the env only, and a configuration it
picks in its own terms reaches the env through the search space's ``encode``.
"""

from __future__ import annotations

import tempfile
import warnings
from typing import Any, ClassVar

import numpy as np

from agents.base import Agent, play_episode
from agents.callbacks import RealEvalBudgetCallback
from hpo_env.env import HPOEnv
from hpo_env.optional import require
from hpo_env.spaces import Categorical, Float, Int, SearchSpace
from hpo_env.wrappers import OneStepWrapper

__all__ = [
    "OnePassPPOAgent",
    "OptunaAgent",
    "PPOAgent",
    "RandomSearchAgent",
    "SMACAgent",
    "max_episodes",
    "optuna_distributions",
]


def max_episodes(budget: int) -> int:
    """Episodes an agent may play for ``budget`` real evaluations before it is stopped as stalled.

    Repeats are answered from the cache for free, so an agent that keeps proposing known
    configurations would otherwise never spend its budget.
    """
    return 50 * int(budget)


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


def optuna_distributions(space: SearchSpace) -> dict[str, Any]:
    """Optuna distributions of a search space, one per hyperparameter."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out: dict[str, Any] = {}
    for hp in space:
        if isinstance(hp, Float):
            out[hp.name] = FloatDistribution(hp.low, hp.high, log=hp.log)
        elif isinstance(hp, Int):
            out[hp.name] = IntDistribution(hp.low, hp.high, log=hp.log)
        else:
            out[hp.name] = CategoricalDistribution(list(hp.choices))
    return out


class OptunaAgent(_AskTellAgent):
    """An Optuna sampler through ask/tell: ``tpe`` (TPESampler), ``cmaes`` (CmaEsSampler), or
    ``rppo-optuna`` (our :class:`~agents.optuna_sampler.RecurrentPPOSampler`, so the benchmark
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
            from agents.optuna_sampler import RecurrentPPOSampler

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
        import ConfigSpace as CS
        from smac import HyperparameterOptimizationFacade, Scenario
        from smac.runhistory.dataclasses import TrialValue

        cs = CS.ConfigurationSpace(seed=seed)
        for hp in space:
            if isinstance(hp, Float):
                cs.add(CS.Float(hp.name, (hp.low, hp.high), log=hp.log))
            elif isinstance(hp, Int):
                cs.add(CS.Integer(hp.name, (hp.low, hp.high), log=hp.log))
            elif isinstance(hp, Categorical):
                cs.add(CS.Categorical(hp.name, list(hp.choices)))
        self._tmp = tempfile.TemporaryDirectory(prefix="hpo-rl-smac-")
        scenario = Scenario(cs, deterministic=True, n_trials=budget, seed=seed, output_directory=self._tmp.name)
        smac = HyperparameterOptimizationFacade(scenario, lambda config, seed=0: 0.0, overwrite=True, logging_level=40)

        def ask() -> tuple[Any, dict[str, Any]]:
            info = smac.ask()
            return info, {name: info.config[name] for name in space.names}

        # SMAC minimises a cost.
        return ask, lambda info, reward: smac.tell(info, TrialValue(cost=-reward))


class PPOAgent(Agent):
    """Plain SB3 PPO with an MLP policy on the same sequential env (no memory)."""

    name = "ppo"
    one_step = False

    def __init__(self, learning_rate: float = 7e-3, episodes_per_update: int = 8, n_epochs: int = 10) -> None:
        self.learning_rate = learning_rate
        self.episodes_per_update = episodes_per_update
        self.n_epochs = n_epochs

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        import torch as th
        from stable_baselines3 import PPO

        th.set_num_threads(1)
        base = env.unwrapped
        e = OneStepWrapper(env) if self.one_step else env
        n_steps = self.episodes_per_update * (1 if self.one_step else base.n_hyperparameters)
        model = PPO(
            "MlpPolicy", e, n_steps=n_steps, batch_size=n_steps, n_epochs=self.n_epochs,
            learning_rate=self.learning_rate, gamma=1.0, gae_lambda=1.0, seed=seed, device="cpu",
        )  # fmt: skip
        start = base.n_real_evals
        cb = RealEvalBudgetCallback(start + budget, start=start, max_episodes=max_episodes(budget), progress=False)
        model.learn(10**12, callback=cb)
        return {"stalled": cb.stalled}


class OnePassPPOAgent(PPOAgent):
    """The paper's structure ablation: PPO picks all hyperparameters in one step (``Box(-1, 1, (n,))``)."""

    name = "onestep"
    one_step = True
