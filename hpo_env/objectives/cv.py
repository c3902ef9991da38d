"""An XGBoost estimator's cross-validated score as the objective: what ``RLSearchCV`` tunes.

A full evaluation is scikit-learn's ``cross_validate`` with the search's ``cv``, ``scoring``
and fit parameters, exactly as ``RandomizedSearchCV`` scores a configuration.

A partial one (:mod:`hpo_env.fidelity`, asked for by a multi-fidelity agent) trains the
folds itself, one after another:

- ``fidelity.rounds`` trains that fraction of the configuration's ``n_estimators``, and
  ``fidelity.data`` that fraction of each fold's training rows (the first of a fixed
  permutation, so a larger fraction holds every row of a smaller one);
- a reporter gets the first fold's validation score (``scoring``) at the Hyperband rungs,
  :data:`~hpo_env.fidelity.RUNG_STEPS`: its model is trained in warm-started pieces up
  to each rung, and scored there. A stop prunes the configuration; otherwise the other
  folds train in one piece each. A piece restarts XGBoost's row and column sampling, so
  a first fold trained in pieces can score slightly differently from one trained at once.

Only a full evaluation has per-fold scores in :attr:`CVObjective.runs` (what
``cv_results_`` reads); a partial one is known by its record alone.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import cross_validate
from sklearn.utils import _safe_indexing

from hpo_env.fidelity import RUNG_STEPS, FidelityRun, curve_rounds, nested_rows
from hpo_env.history import config_key
from hpo_env.objectives.base import Evaluation, Objective
from hpo_env.objectives.xgboost import _DEFAULT_ROUNDS, _ROUNDS_KEY
from hpo_env.spaces import SearchSpace

__all__ = ["CVObjective"]


class CVObjective(Objective):
    """Scores a configuration of ``estimator`` by cross-validation on ``X, y``.

    Args:
        estimator: an ``xgboost.XGBClassifier`` or ``XGBRegressor``; each configuration
            is set on a clone of it.
        X: the features, as scikit-learn takes them.
        y: the targets (class codes for a classifier).
        space: the search space; its names are parameters of ``estimator``.
        cv: a scikit-learn splitter (``check_cv``'s output).
        scoring: a scikit-learn scoring name or callable; None is the estimator's ``score``.
        fit_params: passed to every fit; arrays of one value per row are split with the rows.
        failure_score: the score of a configuration whose fit raised or gave NaN.
        seed: seeds the row permutation of partial-data fidelities.
    """

    supports_fidelity = True

    def __init__(
        self,
        estimator: Any,
        X: Any,
        y: np.ndarray,
        *,
        space: SearchSpace,
        cv: Any,
        scoring: Any = None,
        fit_params: Mapping[str, Any] | None = None,
        failure_score: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.estimator, self.X, self.y, self.space, self.cv = estimator, X, y, space, cv
        self.scoring, self.fit_params = scoring, dict(fit_params or {})
        self.failure_score, self.seed = float(failure_score), int(seed)
        #: config key -> ``cross_validate``'s result (``test_score``, ``fit_time``,
        #: ``score_time`` per fold), for every full evaluation.
        self.runs: dict[tuple, dict[str, Any]] = {}

    def params(self, config: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
        """The configuration's other settings and its boosting rounds (as
        :meth:`~hpo_env.objectives.XGBoostObjective.params` gives them)."""
        rounds = config.get(_ROUNDS_KEY, self.estimator.get_params()[_ROUNDS_KEY])
        return {k: v for k, v in config.items() if k != _ROUNDS_KEY}, int(rounds or _DEFAULT_ROUNDS)

    def evaluate(self, config: Mapping[str, Any], run: FidelityRun | None = None) -> Evaluation:
        t0 = time.perf_counter()
        if run is None:
            est = clone(self.estimator).set_params(**config)
            res = cross_validate(
                est, self.X, self.y, cv=self.cv, scoring=self.scoring, params=self.fit_params, error_score="raise"
            )
            self.runs[config_key(dict(config))] = res
            return Evaluation(float(np.mean(res["test_score"])), None, time.perf_counter() - t0)
        return self._partial(dict(config), run, t0)

    def describe(self) -> dict[str, Any]:
        return {"objective": "cross-validation", "estimator": type(self.estimator).__name__}

    def _partial(self, config: dict[str, Any], run: FidelityRun, t0: float) -> Evaluation:
        """Train the folds by hand, at ``run``'s fidelity, the first with ``run``'s reporter."""
        est = clone(self.estimator).set_params(**config)
        run.rounds_full = self.params(config)[1]
        rounds = run.rounds_full if run.fidelity is None else run.fidelity.rounds_of(run.rounds_full)
        data = 1.0 if run.fidelity is None else run.fidelity.data
        scorer = check_scoring(est, self.scoring)
        folds = list(self.cv.split(self.X, self.y))
        scores, fit_s, score_s = [], [], []
        for fold, (train, valid) in enumerate(folds):
            t_fit = time.perf_counter()
            if fold == 0 and run.report is not None:
                model = self._with_curve(est, self._rows(fold, train, data), valid, rounds, run, scorer)
                if run.pruned:
                    return Evaluation(run.curve[-1][1], None, time.perf_counter() - t0, **run.fields(len(folds)))
            else:
                model = self._fit(est, self._rows(fold, train, data), rounds)
                run.rounds_trained += rounds
            t_score = time.perf_counter()
            scores.append(float(scorer(model, *self._xy(valid))))
            fit_s.append(t_score - t_fit)
            score_s.append(time.perf_counter() - t_score)
        if run.fidelity is None:
            res = {"test_score": np.array(scores), "fit_time": np.array(fit_s), "score_time": np.array(score_s)}
            self.runs[config_key(config)] = res
        return Evaluation(float(np.mean(scores)), None, time.perf_counter() - t0, **run.fields(len(folds)))

    def _with_curve(
        self, est: Any, train: np.ndarray, valid: np.ndarray, rounds: int, run: FidelityRun, scorer: Any
    ) -> Any:
        """The first fold's model, trained in pieces up to each rung below ``rounds``, scored
        and reported there; ``run.pruned`` if the reporter stopped it."""
        at = curve_rounds(run.rounds_full)
        model, done = None, 0
        for step, r in ((s, at[s - 1]) for s in RUNG_STEPS if at[s - 1] <= rounds):
            if r > done:
                model, done = self._fit(est, train, r - done, model), r
            value = float(scorer(model, *self._xy(valid)))
            run.curve.append([step, value])
            if run.report(step, value):
                run.pruned = True
                break
        if not run.pruned and done < rounds:
            model, done = self._fit(est, train, rounds - done, model), rounds
        run.rounds_trained += done
        return model

    def _fit(self, est: Any, rows: np.ndarray, rounds: int, model: Any = None) -> Any:
        """``est`` trained on ``rows`` for ``rounds`` more boosting rounds (after ``model``'s)."""
        fresh = clone(est).set_params(**{_ROUNDS_KEY: rounds})
        more = {} if model is None else {"xgb_model": model.get_booster()}
        return fresh.fit(*self._xy(rows), **self._fit_params(rows), **more)

    def _rows(self, fold: int, train: np.ndarray, fraction: float) -> np.ndarray:
        """A fold's training rows at the data fraction (nested across fractions, as XGBoostObjective's)."""
        return train if fraction == 1.0 else nested_rows(train, fraction, self.seed * 1000 + fold)

    def _xy(self, rows: np.ndarray) -> tuple[Any, np.ndarray]:
        return _safe_indexing(self.X, rows), self.y[rows]

    def _fit_params(self, rows: np.ndarray) -> dict[str, Any]:
        """Fit parameters of one value per row, split with the rows; the others as they are."""
        n = len(self.y)
        per_row = {k for k, v in self.fit_params.items() if hasattr(v, "__len__") and len(v) == n}
        return {k: _safe_indexing(v, rows) if k in per_row else v for k, v in self.fit_params.items()}
