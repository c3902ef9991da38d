"""Syne Tune's transfer-learning baseline ``BoundingBox`` (Perrone et al., NeurIPS 2019), fed
the same held-out data as our portfolios: ``synetune-bb``.

A transfer method learns from other tasks' evaluations. Syne Tune takes them as
``TransferLearningTaskEvaluations`` (configurations and their objective, one table per task);
here they are the portfolio's pool (:class:`~agents.transfer.adaptive.TransferPool`: its
candidates and their percentile on every training task of the fold), so the method sees
exactly what ``portfolio-tpe`` learned from and never the task it tunes. ``BoundingBox`` cuts
the search space to the smallest box that holds each training task's best candidate (and to
the categories those took), and Syne Tune's own TPE searches inside it.

Syne Tune has no conditional spaces, so a conditional hyperparameter is always proposed and
the env ignores it where it is inactive, as with FLAML. Its other transfer methods are not
used: in Syne Tune 0.16 the quantile-based one (``QuantileBasedSurrogateSearcher``, Salinas et
al., ICML 2020) imports the blackbox repository, which needs ``huggingface_hub``, and never
updates on the task's own scores; ``ZeroShotTransfer`` is a greedy portfolio, as ours.
Needs the ``[peers]`` extra.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np

from agents.loop import LoopAgent, Proposal, Proposer
from hpo_env.adapters import synetune_space
from hpo_env.env import HPOEnv
from hpo_env.spaces import SearchSpace

__all__ = ["SyneTuneAgent", "SyneTuneProposer", "synetune_space", "transfer_evaluations"]

METRIC = "reward"


def transfer_evaluations(pool: Any, space: SearchSpace) -> dict[str, Any]:
    """The pool as Syne Tune's offline evaluations: for each training task, every candidate
    (each hyperparameter decoded, active or not) and its percentile there as ``METRIC``."""
    import pandas as pd
    from syne_tune.optimizer.schedulers.transfer_learning.transfer_learning_task_evaluation import (
        TransferLearningTaskEvaluations,
    )

    rows = pd.DataFrame([{hp.name: hp.decode(float(a[i])) for i, hp in enumerate(space)} for a in pool.actions])
    cs = synetune_space(space)
    return {
        task: TransferLearningTaskEvaluations(cs, rows, [METRIC], pool.percentiles[:, [j]].reshape(-1, 1, 1, 1))
        for j, task in enumerate(pool.tasks)
    }


def _tpe(space: dict[str, Any], metric: str, do_minimize: bool, random_seed: int) -> Any:
    """Syne Tune's TPE on ``space`` (how ``BoundingBox`` builds the scheduler inside its box)."""
    from syne_tune.optimizer.baselines import TPE

    return TPE(space, metric=metric, do_minimize=do_minimize, random_seed=random_seed)


class SyneTuneProposer(Proposer):
    """Syne Tune's ``BoundingBox`` around its TPE, through its ask/tell scheduler, learning the
    box from a portfolio's pool.

    Args:
        portfolio: a :class:`~agents.baselines.PortfolioProposer` (anything with ``start``,
            ``pool`` and ``extra``) that finds the held-out portfolio of the task; without
            one, Syne Tune's TPE runs on the whole space.
    """

    requires: ClassVar[tuple[str, ...]] = ("syne_tune",)

    def __init__(self, portfolio: Any = None) -> None:
        self.portfolio = portfolio

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        from syne_tune.optimizer.schedulers.ask_tell_scheduler import AskTellScheduler
        from syne_tune.optimizer.schedulers.transfer_learning.bounding_box import BoundingBox

        space = env.unwrapped.space
        pool = None
        if self.portfolio is not None:
            self.portfolio.start(env, seed, budget, study)
            pool = self.portfolio.pool()
        cs = synetune_space(space)
        self._global = np.random.RandomState(int(seed)).get_state()
        with self._seeded():
            if pool is None:
                scheduler = _tpe(cs, METRIC, False, int(seed))
            else:
                with contextlib.redirect_stdout(io.StringIO()):  # BoundingBox prints the box it computed
                    evaluations = transfer_evaluations(pool, space)
                    scheduler = BoundingBox(_tpe, cs, METRIC, evaluations, do_minimize=False, random_seed=int(seed))
        self._scheduler, self._space = AskTellScheduler(scheduler), space

    @contextlib.contextmanager
    def _seeded(self) -> Iterator[None]:
        """Syne Tune 0.16's TPE draws its random configurations from numpy's global generator,
        not from its seed: inside, that generator is this run's own (seeded in :meth:`start`),
        so a seeded run repeats, and the caller's global state is put back after."""
        outer = np.random.get_state()
        np.random.set_state(self._global)
        try:
            yield
        finally:
            self._global = np.random.get_state()
            np.random.set_state(outer)

    def ask(self) -> Proposal | None:
        with self._seeded():
            trial = self._scheduler.ask()
        config = {name: _plain(trial.config[name]) for name in self._space.names}
        return Proposal(config, handle=trial)

    def tell(self, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:
        with self._seeded():
            self._scheduler.tell(proposal.handle, {METRIC: float(reward)})

    def extra(self) -> dict[str, Any]:
        return {} if self.portfolio is None else self.portfolio.extra()


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (configurations are written as JSON)."""
    return value.item() if isinstance(value, np.generic) else value


class SyneTuneAgent(LoopAgent):
    """``synetune-bb``: :class:`SyneTuneProposer`, each configuration trained in full."""

    def __init__(self, portfolio: Any = None) -> None:
        super().__init__("synetune-bb", SyneTuneProposer(portfolio))
