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

from agents.base import Agent, max_episodes, play_episode, task_spec
from hpo_env.adapters import configspace, optuna_distributions
from hpo_env.env import HPOEnv
from hpo_env.optional import require
from hpo_env.spaces import SearchSpace

__all__ = ["OptunaAgent", "PortfolioAgent", "RandomSearchAgent", "SMACAgent", "optuna_ask_tell"]


def optuna_ask_tell(study: Any, space: SearchSpace) -> tuple[Any, Any]:
    """``ask() -> (trial, config)`` and ``tell(trial, reward)`` over an Optuna ``study`` in ``space``."""
    dists = optuna_distributions(space)

    def ask() -> tuple[Any, dict[str, Any]]:
        trial = study.ask(dists)
        return trial, trial.params

    return ask, lambda trial, reward: study.tell(trial, reward)


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
        return optuna_ask_tell(optuna.create_study(direction="maximize", sampler=sampler), space)


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


class PortfolioAgent(_AskTellAgent):
    """A greedy portfolio from the same tables as the learned prior, then random search or TPE.

    The portfolio's configurations (:mod:`agents.prior.portfolio`) are evaluated first, in
    order; then ``then="random"`` (``portfolio``) samples uniformly, and ``then="tpe"``
    (``portfolio-tpe``) is Optuna's TPE with the portfolio enqueued (``study.enqueue_trial``),
    so TPE learns from it. The result's ``extra`` says which portfolio was used and whether
    it saw the task (``prior_saw_task``, near-duplicates included: :mod:`agents.prior.folds`).

    ``adaptive=True`` (``adaptive-portfolio-tpe``, with ``then="tpe"``): the first ``k``
    configurations are not the fixed portfolio's but the adaptive one's
    (:class:`~agents.prior.transfer.AdaptivePortfolio`): each is the pool member that most
    raises the best percentile reached so far on the training tables, weighted by how well
    each table ranks what this task has measured (RGPE's weights). TPE proposes once ``k``
    were made, or earlier if no pool member would gain.

    Args:
        then: ``"random"`` or ``"tpe"``.
        prior: the portfolio: None or ``"default"`` (the shipped one, built from the tables
            the shipped prior was trained on), a file, or a directory of held-out ones
            (``<task slug>.json``, as ``hpo-rl pretrain --leave-one-out`` writes beside the
            weights). One made for another search space is not used (a warning says so).
        adaptive: propose from the portfolio's pool (``<portfolio>.pool.npz``) adaptively.
        k: with ``adaptive``, how many configurations the adaptive portfolio proposes at most
            (default :data:`~agents.prior.transfer.ADAPTIVE_K`).
    """

    THEN: ClassVar[tuple[str, ...]] = ("random", "tpe")

    def __init__(self, then: str = "random", prior: str | None = None, adaptive: bool = False,
                 k: int | None = None) -> None:  # fmt: skip
        if then not in self.THEN:
            raise ValueError(f"then={then!r}; expected one of {self.THEN}")
        if adaptive and then != "tpe":
            raise ValueError(f"adaptive=True with then={then!r}; the adaptive portfolio hands over to TPE only")
        if k is not None and int(k) < 1:
            raise ValueError(f"k={k!r}; expected a number of configurations >= 1")
        self.then, self.prior, self.adaptive, self.k = then, prior, adaptive, k
        name = "portfolio" if then == "random" else "portfolio-tpe"
        self.name = f"adaptive-{name}" if adaptive else name  # type: ignore[misc]
        self.requires = ("optuna",) if then == "tpe" else ()  # type: ignore[misc]
        self._configs: list[dict[str, Any]] = []
        self._pool: Any = None

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        from agents.prior.folds import flag_saw_task
        from agents.prior.portfolio import load_portfolio
        from agents.prior.weights import PriorError

        base, task = env.unwrapped, task_spec(env.unwrapped)
        try:
            doc = load_portfolio(self.prior, task, base.space)
            self._pool = self._load_pool(doc) if self.adaptive else None
        except PriorError as e:
            warnings.warn(f"{self.name} goes on without a portfolio: {e}", stacklevel=2)
            self._configs, self._pool = [], None
            super().optimize(env, budget, seed)
            return {"portfolio": None, "prior_saw_task": False}
        self._configs = [dict(c) for c in doc["configs"]]
        saw = flag_saw_task(doc, task, f"{self.name}: the portfolio")
        super().optimize(env, budget, seed)
        return {"portfolio": doc["path"], "prior_saw_task": saw}

    @staticmethod
    def _load_pool(doc: dict[str, Any]) -> Any:
        from agents.prior.transfer import TransferPool, pool_path
        from agents.prior.weights import PriorError

        path = pool_path(doc["path"])
        if not path.exists():
            raise PriorError(f"no pool beside the portfolio {doc['path']}; rebuild it with hpo-rl pretrain --portfolio")
        return TransferPool.load(path)

    def _start(self, space: SearchSpace, seed: int, budget: int) -> tuple[Any, Any]:
        if self._pool is not None:
            return self._adaptive_start(space, seed)
        queue = list(self._configs)
        if self.then == "random":
            rng = np.random.default_rng(seed)
            return (lambda: (None, queue.pop(0) if queue else space.sample(rng))), (lambda h, r: None)
        study = self._tpe_study(seed)
        for c in queue:
            study.enqueue_trial(c)
        return optuna_ask_tell(study, space)

    def _tpe_study(self, seed: int) -> Any:
        require(f"agent {self.name!r}", *self.requires)
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        return optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))

    def _adaptive_start(self, space: SearchSpace, seed: int) -> tuple[Any, Any]:
        """ask/tell of TPE whose first trials are the adaptive portfolio's, enqueued so TPE learns from them."""
        from agents.prior.transfer import ADAPTIVE_K, AdaptivePortfolio

        study = self._tpe_study(seed)
        ask_tpe, tell_tpe = optuna_ask_tell(study, space)
        ap, k = AdaptivePortfolio(self._pool, seed), ADAPTIVE_K if self.k is None else int(self.k)

        def ask() -> tuple[Any, dict[str, Any]]:
            row = ap.ask() if len(ap.rows) < k else None
            if row is not None:
                study.enqueue_trial(space.decode(self._pool.actions[row]))
            trial, config = ask_tpe()
            return (trial, row), config

        def tell(handle: tuple[Any, int | None], reward: float) -> None:
            trial, row = handle
            tell_tpe(trial, reward)
            if row is not None:
                ap.tell(row, reward)

        return ask, tell
