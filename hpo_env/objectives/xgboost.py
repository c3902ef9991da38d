"""The XGBoost objective: train with ``tree_method="hist"`` on train, score on valid (and test)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import xgboost as xgb

from hpo_env.objectives.base import Evaluation, Objective
from hpo_env.spaces import SearchSpace, xgboost_space
from hpo_env.tasks import Task

__all__ = ["XGBoostObjective"]

# Names the search space uses that xgb.train spells differently or takes outside params.
_ROUNDS_KEY = "n_estimators"
_DEFAULT_ROUNDS = 100


class _Deadline(xgb.callback.TrainingCallback):
    """Stops boosting once the wall-clock deadline has passed (checked after each round)."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline
        self.hit = False

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        if time.perf_counter() > self.deadline:
            self.hit = True
            return True
        return False


class XGBoostObjective(Objective):
    """Trains an XGBoost classifier per configuration on a :class:`~hpo_env.tasks.Task`.

    Args:
        task: data, split and metric.
        space: the search space; defaults to :func:`~hpo_env.spaces.xgboost_space`. Keys
            other than ``n_estimators`` (the number of boosting rounds) go to ``xgb.train``
            as parameters, so a custom space can tune any XGBoost parameter.
        nthread: threads per training. Keep 1 when evaluations run in parallel.
        time_limit: seconds per evaluation (all CV folds together). Boosting stops at the
            first round past it and the evaluation is recorded as timed out. A single round
            is not interrupted.
        seed: XGBoost's random seed.
    """

    def __init__(
        self,
        task: Task,
        space: SearchSpace | None = None,
        nthread: int = 1,
        time_limit: float | None = 60.0,
        seed: int = 0,
    ) -> None:
        if getattr(task.X, "ndim", 2) != 2:
            raise ValueError(
                f"task {task.name!r} holds images of shape {task.X.shape[1:]}; XGBoost needs a tabular "
                "task (rows x features). Use HPO-CNN-v0 for images."
            )
        if int(nthread) < 1:
            raise ValueError(f"nthread={nthread!r}; expected an integer >= 1")
        if time_limit is not None and not time_limit > 0:
            raise ValueError(f"time_limit={time_limit!r}; expected seconds > 0 or None")
        self.task = task
        self.space = space if space is not None else xgboost_space()
        self.nthread = int(nthread)
        self.time_limit = time_limit
        self.seed = int(seed)
        self.failure_score = task.metric.failure_score(task.n_classes)
        self._dmatrices: list[tuple[xgb.DMatrix, xgb.DMatrix]] | None = None
        self._dtest: xgb.DMatrix | None = None

    def _dmatrix(self, idx: np.ndarray) -> xgb.DMatrix:
        return xgb.DMatrix(self.task.rows(idx), label=self.task.y[idx], enable_categorical=True, nthread=self.nthread)

    def _data(self) -> tuple[list[tuple[xgb.DMatrix, xgb.DMatrix]], xgb.DMatrix]:
        # Built once: DMatrix construction costs as much as a small fit.
        if self._dmatrices is None:
            self._dmatrices = [(self._dmatrix(s.train), self._dmatrix(s.valid)) for s in self.task.splits]
            self._dtest = self._dmatrix(self.task.test)
        assert self._dtest is not None
        return self._dmatrices, self._dtest

    def params(self, config: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
        """XGBoost parameters and the number of boosting rounds for ``config``."""
        p = {k: v for k, v in config.items() if k != _ROUNDS_KEY}
        k = self.task.n_classes
        p.update(
            tree_method="hist",
            nthread=self.nthread,
            seed=self.seed,
            verbosity=0,
            objective="binary:logistic" if k == 2 else "multi:softprob",
        )
        if k > 2:
            p["num_class"] = k
        return p, int(config.get(_ROUNDS_KEY, _DEFAULT_ROUNDS))

    def _proba(self, booster: xgb.Booster, d: xgb.DMatrix) -> np.ndarray:
        p = booster.predict(d)
        return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p

    def evaluate(self, config: Mapping[str, Any]) -> Evaluation:
        t0 = time.perf_counter()
        params, rounds = self.params(config)
        folds, dtest = self._data()
        deadline = _Deadline(t0 + self.time_limit) if self.time_limit is not None else None
        task, k = self.task, self.task.n_classes
        val_scores, test_proba = [], np.zeros((len(task.test), k))
        for split, (dtrain, dvalid) in zip(task.splits, folds, strict=True):
            booster = xgb.train(params, dtrain, rounds, callbacks=[deadline] if deadline else None)
            if deadline is not None and deadline.hit:
                return self.failure(
                    f"timed out after {time.perf_counter() - t0:.2f} s (time_limit={self.time_limit} s)",
                    time.perf_counter() - t0,
                    timed_out=True,
                )
            val_scores.append(task.metric(task.y[split.valid], self._proba(booster, dvalid), k))
            test_proba += self._proba(booster, dtest)
        test_score = task.metric(task.y[task.test], test_proba / len(folds), k)
        return Evaluation(float(np.mean(val_scores)), test_score, time.perf_counter() - t0)

    def describe(self) -> dict[str, Any]:
        return {
            "objective": "xgboost",
            "nthread": self.nthread,
            "time_limit": self.time_limit,
            "seed": self.seed,
            "failure_score": self.failure_score,
            "xgboost_version": xgb.__version__,
        }
