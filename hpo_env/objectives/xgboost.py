"""The XGBoost objective: train with ``tree_method="hist"`` on train, score on valid (and test)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import xgboost as xgb

from hpo_env.fidelity import FidelityRun, curve_rounds, nested_rows
from hpo_env.objectives.base import Deadline, SplitObjective, TimedOut
from hpo_env.spaces import Float, Int, SearchSpace
from hpo_env.tasks import Split, Task

__all__ = ["XGBoostObjective", "class_probabilities", "predictions", "xgboost_space"]

# The space's name for the number of boosting rounds, which xgb.train takes outside params.
_ROUNDS_KEY = "n_estimators"
_DEFAULT_ROUNDS = 100


def xgboost_space() -> SearchSpace:
    """The default 9-dimensional XGBoost space (the environment issue's table)."""
    return SearchSpace(
        [
            Float("learning_rate", 1e-3, 1.0, log=True),
            Int("max_depth", 1, 12),
            Float("min_child_weight", 1.0, 128.0, log=True),
            Float("subsample", 0.3, 1.0),
            Float("colsample_bytree", 0.3, 1.0),
            Float("reg_lambda", 1e-3, 1e3, log=True),
            Float("reg_alpha", 1e-3, 1e3, log=True),
            Float("gamma", 1e-3, 10.0, log=True),
            Int("n_estimators", 20, 500, log=True),
        ]
    )


def _objective(n_classes: int) -> str:
    """XGBoost's learning objective: squared error for regression (0 classes), else logistic or softprob."""
    return "reg:squarederror" if n_classes == 0 else "binary:logistic" if n_classes == 2 else "multi:softprob"


def class_probabilities(booster: xgb.Booster, d: xgb.DMatrix, rounds: int = 0) -> np.ndarray:
    """Class probabilities (n, k) of a classifier booster (of its first ``rounds`` rounds, 0 for
    all); a binary one's single column becomes two."""
    p = booster.predict(d, iteration_range=(0, rounds))
    return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p


def predictions(booster: xgb.Booster, d: xgb.DMatrix, regression: bool, rounds: int = 0) -> np.ndarray:
    """What the metric scores: values (n,) of a regressor, class probabilities (n, k) of a
    classifier; of the first ``rounds`` boosting rounds (0 for all)."""
    return booster.predict(d, iteration_range=(0, rounds)) if regression else class_probabilities(booster, d, rounds)


class _StopAtDeadline(xgb.callback.TrainingCallback):
    """Stops boosting once the deadline has passed (checked after each round)."""

    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        return self.deadline.passed()


class _Curve(xgb.callback.TrainingCallback):
    """Scores the validation rows at each learning-curve point, records it in ``run.curve``
    and asks ``run.report`` whether to go on; stops boosting (``run.pruned``) when told to."""

    def __init__(self, run: FidelityRun, score: Callable[[Any, int], float]) -> None:
        assert run.report is not None, "a learning curve is recorded for its reporter"
        super().__init__()
        self.run, self.score = run, score
        self.points = list(enumerate(curve_rounds(run.rounds_full), 1))  # (step, round)

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        done, value = epoch + 1, None
        while self.points and self.points[0][1] <= done:
            step, _ = self.points.pop(0)
            value = self.score(model, done) if value is None else value
            self.run.curve.append([step, value])
            if self.run.report(step, value):
                self.run.pruned = True
                return True
        return False


class XGBoostObjective(SplitObjective):
    """Trains an XGBoost classifier (or, on a regression task, a squared-error regressor)
    per configuration on a :class:`~hpo_env.tasks.Task`.

    Args:
        task: data, split and metric.
        space: the search space; defaults to :func:`~hpo_env.objectives.xgboost.xgboost_space`. Keys
            other than ``n_estimators`` (the number of boosting rounds) go to ``xgb.train``
            as parameters, so a custom space can tune any XGBoost parameter.
        nthread: threads per training. Keep 1 when evaluations run in parallel.
        time_limit: seconds per evaluation (all CV folds together). Boosting stops at the
            first round past it and the evaluation is recorded as timed out. A single round
            is not interrupted.
        seed: XGBoost's random seed.

    It takes partial evaluations (:mod:`hpo_env.fidelity`): a fraction of the boosting
    rounds, a fraction of the training rows, and a learning curve of validation scores that
    a reporter can stop.
    """

    supports_fidelity = True

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
                f"task {task.name!r} holds images of shape {tuple(task.X.shape[1:])}; XGBoost needs a tabular "
                "task (rows x features). Use HPO-CNN-v0 for images."
            )
        if int(nthread) < 1:
            raise ValueError(f"nthread={nthread!r}; expected an integer >= 1")
        super().__init__(task, space if space is not None else xgboost_space(), time_limit, seed)
        self.nthread = int(nthread)
        self._dmatrices: list[tuple[xgb.DMatrix, xgb.DMatrix]] | None = None
        self._dtest: xgb.DMatrix | None = None
        self._subsets: dict[tuple[int, float], xgb.DMatrix] = {}

    def __getstate__(self) -> dict[str, Any]:
        # DMatrix cannot be pickled; a copy sent to a parallel worker rebuilds its own.
        return {**self.__dict__, "_dmatrices": None, "_dtest": None, "_subsets": {}}

    def _dmatrix(self, idx: np.ndarray) -> xgb.DMatrix:
        return xgb.DMatrix(self.task.rows(idx), label=self.task.y[idx], enable_categorical=True, nthread=self.nthread)

    def _data(self) -> tuple[list[tuple[xgb.DMatrix, xgb.DMatrix]], xgb.DMatrix]:
        # Built once: DMatrix construction costs as much as a small fit.
        if self._dmatrices is None:
            self._dmatrices = [(self._dmatrix(s.train), self._dmatrix(s.valid)) for s in self.task.splits]
            self._dtest = self._dmatrix(self.task.test)
        assert self._dtest is not None
        return self._dmatrices, self._dtest

    def _train_rows(self, fold: int, split: Split, fraction: float) -> xgb.DMatrix:
        """The first ``fraction`` of a fixed permutation of ``split.train`` (nested across fractions)."""
        if (fold, fraction) not in self._subsets:
            self._subsets[fold, fraction] = self._dmatrix(nested_rows(split.train, fraction, self.seed * 1000 + fold))
        return self._subsets[fold, fraction]

    def params(self, config: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
        """XGBoost parameters and the number of boosting rounds for ``config``."""
        p = {k: v for k, v in config.items() if k != _ROUNDS_KEY}
        k = self.task.n_classes
        p.update(tree_method="hist", nthread=self.nthread, seed=self.seed, verbosity=0, objective=_objective(k))
        if k > 2:
            p["num_class"] = k
        return p, int(config.get(_ROUNDS_KEY, _DEFAULT_ROUNDS))

    def refit(self, config: Mapping[str, Any]) -> tuple[xgb.Booster, float, int]:
        """Train ``config`` on every non-test row (train and valid, or all CV folds) and score
        it on the test rows: the final model of a tuning run. Returns the booster, its test
        score and the number of rows it was trained on. No time limit applies."""
        rows = np.unique(np.concatenate([np.concatenate([s.train, s.valid]) for s in self.task.splits]))
        params, rounds = self.params(config)
        booster = xgb.train(params, self._dmatrix(rows), rounds)
        _, dtest = self._data()
        pred = predictions(booster, dtest, self.task.kind == "regression")
        test = self.task.metric(self.task.y[self.task.test], pred, self.task.n_classes)
        return booster, test, len(rows)

    def fit_predict(
        self, config: Mapping[str, Any], fold: int, split: Split, deadline: Deadline, run: FidelityRun | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        params, rounds = self.params(config)
        folds, dtest = self._data()
        dtrain, dvalid = folds[fold]
        regression = self.task.kind == "regression"
        callbacks: list[xgb.callback.TrainingCallback] = [_StopAtDeadline(deadline)]
        if run is not None:
            run.rounds_full = rounds
            fid = run.fidelity
            if fid is not None:
                rounds = fid.rounds_of(rounds)
                dtrain = dtrain if fid.data == 1.0 else self._train_rows(fold, split, fid.data)
            if fold == 0 and run.report is not None:
                y, k = self.task.y[split.valid], self.task.n_classes
                score = lambda b, r: self.task.metric(y, predictions(b, dvalid, regression, r), k)  # noqa: E731
                callbacks.append(_Curve(run, score))
        booster = xgb.train(params, dtrain, rounds, callbacks=callbacks)
        if run is not None:
            run.rounds_trained += booster.num_boosted_rounds()
        if deadline.passed():
            raise TimedOut
        if run is not None and run.pruned:
            return np.zeros(0), np.zeros(0)
        return predictions(booster, dvalid, regression), predictions(booster, dtest, regression)

    def describe(self) -> dict[str, Any]:
        return {
            "objective": "xgboost",
            "nthread": self.nthread,
            "time_limit": self.time_limit,
            "seed": self.seed,
            "failure_score": self.failure_score,
            "xgboost_version": xgb.__version__,
        }
