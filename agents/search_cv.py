"""``RLSearchCV``: any of our agents as a scikit-learn hyperparameter search over an XGBoost model.

It follows scikit-learn's ``RandomizedSearchCV`` (and Optuna's ``OptunaSearchCV``,
scikit-optimize's ``BayesSearchCV``): ``fit(X, y)`` scores each configuration the agent
proposes by cross-validation with scikit-learn's own machinery (``cv``, ``scoring``),
then refits the best one on all of ``X, y``. ``cv_results_``, ``best_params_``,
``best_score_``, ``best_index_``, ``best_estimator_``, ``refit_time_`` and
``n_splits_`` mean what they mean there; ``session_`` is the search's result in the shape
of a run directory's ``result.json`` (:class:`~agents.session.Session`); ``predict``,
``predict_proba`` and ``score`` use the refitted estimator. It is an estimator itself, so ``clone``, ``Pipeline`` and
``cross_val_score`` work on it.

    from xgboost import XGBClassifier
    from agents import RLSearchCV

    search = RLSearchCV(XGBClassifier(tree_method="hist", n_jobs=1), n_iter=30, random_state=0)  # or an XGBRegressor
    search.fit(X, y)
    search.best_params_, search.best_score_, search.predict(X_new)

Each proposal is one episode of :class:`~hpo_env.env.HPOEnv` over a
:class:`~hpo_env.objectives.CVObjective` that runs ``cross_validate``, so every agent of
:data:`agents.registry.AGENTS` can drive it. Agents that condition on the task
(``rppo-prior``) get its meta-features, computed from ``X, y`` (classification only).
With ``multi_fidelity=True`` a multi-fidelity agent trains configurations partially first
and stops the poor ones early, as ``hpo-rl tune --multi-fidelity`` does.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted

from hpo_env.env import HPOEnv
from hpo_env.fidelity import is_full, record_cost
from hpo_env.history import config_key
from hpo_env.objectives import CVObjective
from hpo_env.objectives.xgboost import xgboost_space
from hpo_env.spaces import SearchSpace

__all__ = ["RLSearchCV"]


class RLSearchCV(BaseEstimator):
    """Hyperparameter search of an XGBoost classifier or regressor driven by one of our agents.

    Args:
        estimator: an ``xgboost.XGBClassifier`` or ``XGBRegressor``; its own settings
            (``tree_method``, ``n_jobs``...) are kept, the searched ones are set per configuration.
        space: the :class:`~hpo_env.spaces.SearchSpace`; every name must be a parameter
            of ``estimator`` (default: :func:`~hpo_env.objectives.xgboost.xgboost_space`, 9-d).
        agent: an agent of :data:`agents.registry.AGENTS`, or ``"auto"`` (default):
            ``rppo-prior`` for a classifier (the shipped prior, trained on classification
            tasks and the default space, screened by a reward model), ``rppo`` (the
            paper's agent, no prior) for a regressor.
        n_iter: configurations to evaluate (real evaluations; each is a full CV).
        scoring: a scikit-learn scoring name or callable (default: the estimator's ``score``:
            accuracy, or R² for a regressor). Higher is better, as in scikit-learn.
        cv: folds, or a scikit-learn splitter (default 5: stratified 5-fold for a classifier).
        refit: refit the best configuration on all of ``X, y`` (needed for ``predict``).
        random_state: seeds the agent.
        failure_score: the score recorded for a configuration whose CV raised or gave NaN
            (default 0.0, the worst accuracy; set it for scores that can be negative).
        multi_fidelity: train configurations partially first (fewer boosting rounds, the
            first fold's score at Hyperband's rungs) and stop the poor ones early
            (:class:`~hpo_env.objectives.CVObjective`). The agent must be a multi-fidelity
            one; ``"auto"`` is :data:`agents.multifidelity.defaults.DEFAULT_AGENT`
            (``portfolio-tpe-hyperband``) for a classifier, ``tpe-hyperband`` for a
            regressor. ``n_iter`` then counts full-evaluation equivalents (a configuration
            stopped at 1/9 of its rounds costs about 1/9 of its first fold), and
            ``cv_results_`` gains ``cost`` and ``pruned``; a stopped configuration has no
            CV score (NaN) and ranks last, so the best is always a full cross-validation.
        time_budget: also stop the search after this many seconds (the agent's own time
            included); the best configuration so far is the result. With ``agent="auto"`` the
            search is then multi-fidelity (as ``multi_fidelity=True``), with the agent that
            spends seconds best (:func:`~agents.multifidelity.defaults.partial_default`).
        prior: for an agent that learns across tasks (``rppo-prior``, ``rppo-prior-hb``, the
            portfolios: :func:`agents.registry.prior_agents`), its weights or portfolio file
            (default None: the shipped one, trained on the corpus tasks; pass another to
            search a data set that the shipped one saw). Refused for any other agent.
    """

    def __init__(
        self,
        estimator: Any,
        space: SearchSpace | None = None,
        agent: str = "auto",
        n_iter: int = 30,
        scoring: Any = None,
        cv: Any = 5,
        refit: bool = True,
        random_state: int | None = None,
        failure_score: float = 0.0,
        multi_fidelity: bool = False,
        time_budget: float | None = None,
        prior: str | os.PathLike[str] | None = None,
    ) -> None:
        self.estimator = estimator
        self.space = space
        self.agent = agent
        self.n_iter = n_iter
        self.scoring = scoring
        self.cv = cv
        self.refit = refit
        self.random_state = random_state
        self.failure_score = failure_score
        self.multi_fidelity = multi_fidelity
        self.time_budget = time_budget
        self.prior = prior

    @property
    def _regression(self) -> bool:
        return type(self.estimator).__name__ == "XGBRegressor"

    @property
    def _partial(self) -> bool:
        """Whether evaluations may be partial: asked for, or ``auto`` under a time budget."""
        return bool(self.multi_fidelity) or (self.time_budget is not None and self.agent == "auto")

    @property
    def _estimator_type(self) -> str:  # scikit-learn < 1.6 reads this; later ones the tags
        return "regressor" if self._regression else "classifier"

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.estimator_type = self._estimator_type
        return tags

    def _agent_name(self) -> str:
        if self.agent != "auto":
            return self.agent
        if self._partial:
            from agents.multifidelity.defaults import partial_default

            return partial_default("regression" if self._regression else "classification")
        return "rppo" if self._regression else "rppo-prior"

    def _make_agent(self) -> Any:
        from agents.registry import make_agent, multi_fidelity_agents, prior_agents

        name = self._agent_name()
        if self.prior is not None and name not in prior_agents():
            raise ValueError(
                f"RLSearchCV: prior={str(self.prior)!r} with agent {name!r}, which learns nothing across tasks; "
                f"expected one of {list(prior_agents())}, or prior=None"
            )
        agent = make_agent(name, **({} if self.prior is None else {"prior": str(self.prior)}))
        if self._regression and agent.env_overrides.get("meta_features"):
            raise ValueError(
                f"RLSearchCV: agent {self.agent!r} starts from the learned prior, which is for classification; "
                "for an XGBRegressor use agent='rppo' (the default), 'tpe' or 'random'"
            )
        if self._partial != agent.multi_fidelity:
            raise ValueError(
                f"RLSearchCV: multi_fidelity={self.multi_fidelity!r} with agent {agent.name!r}, which "
                + (
                    f"makes only full evaluations; use one of {list(multi_fidelity_agents())}"
                    if self.multi_fidelity
                    else "trains configurations partially; set multi_fidelity=True"
                )
            )
        return agent

    def _check(self, space: SearchSpace) -> None:
        if type(self.estimator).__name__ not in ("XGBClassifier", "XGBRegressor"):
            raise ValueError(
                f"RLSearchCV: estimator must be an xgboost.XGBClassifier or XGBRegressor, got {type(self.estimator)!r}"
            )
        unknown = [n for n in space.names if n not in self.estimator.get_params()]
        if unknown:
            raise ValueError(f"RLSearchCV: space names {unknown} are not parameters of {type(self.estimator).__name__}")
        if int(self.n_iter) < 1:
            raise ValueError(f"RLSearchCV: n_iter={self.n_iter!r}; expected >= 1")
        if self.time_budget is not None and not float(self.time_budget) > 0:
            raise ValueError(f"RLSearchCV: time_budget={self.time_budget!r}; expected seconds > 0, or None")

    def fit(self, X: Any, y: Any, **fit_params: Any) -> RLSearchCV:
        """Search ``n_iter`` configurations by cross-validation on ``X, y``, then refit the best."""
        from agents.session import Session

        space = self.space if self.space is not None else xgboost_space()
        self._check(space)
        if self._regression:
            codes = np.asarray(y, dtype=np.float64)
        else:
            self.label_encoder_ = LabelEncoder().fit(y)
            self.classes_ = self.label_encoder_.classes_
            codes = self.label_encoder_.transform(y)
        cv = check_cv(self.cv, codes, classifier=not self._regression)
        self.n_splits_ = cv.get_n_splits(X, codes)
        agent = self._make_agent()
        seed = 0 if self.random_state is None else int(self.random_state)
        objective = CVObjective(
            self.estimator,
            X,
            codes,
            space=space,
            cv=cv,
            scoring=self.scoring,
            fit_params=fit_params,
            failure_score=self.failure_score,
            seed=seed,
        )
        env = HPOEnv(
            objective,
            order=agent.env_overrides.get("order", "fixed"),
            context=self._context(X, codes) if agent.env_overrides.get("meta_features") else None,
        )
        self.session_ = Session(agent, env, int(self.n_iter), seed, None, task="RLSearchCV",
                                time_budget=self.time_budget).run()  # fmt: skip
        self.cv_results_ = _cv_results(env.history.records, objective.runs, space, self.n_splits_)
        if self._partial:
            self.cv_results_["cost"] = np.array([record_cost(r) for r in env.history.records])
            self.cv_results_["pruned"] = np.array([bool(r.get("pruned")) for r in env.history.records])
        if self.session_["best_val"] is None:
            raise ValueError(f"RLSearchCV: time_budget={self.time_budget!r} s ended before any configuration was "
                             "fully cross-validated; expected a longer time budget")  # fmt: skip
        self.best_index_ = int(np.argmin(self.cv_results_["rank_test_score"]))
        self.best_params_ = self.cv_results_["params"][self.best_index_]
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        if self.refit:
            t0 = time.perf_counter()
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_).fit(X, codes, **fit_params)
            self.refit_time_ = time.perf_counter() - t0
            self.n_features_in_ = self.best_estimator_.n_features_in_
        return self

    def _context(self, X: Any, codes: np.ndarray) -> np.ndarray:
        from hpo_env.meta_features import meta_features
        from hpo_env.tasks import load_task

        return meta_features(load_task("RLSearchCV", X=X, y=codes), seed=0)

    def _fitted(self) -> Any:
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    def predict(self, X: Any) -> np.ndarray:
        pred = np.asarray(self._fitted().predict(X))
        return pred if self._regression else self.label_encoder_.inverse_transform(pred.astype(int))

    def predict_proba(self, X: Any) -> np.ndarray:
        if self._regression:
            raise AttributeError("predict_proba: RLSearchCV over an XGBRegressor predicts values; use predict")
        return self._fitted().predict_proba(X)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The ``scoring`` of the refitted estimator on ``X, y`` (accuracy or R² by default)."""
        from sklearn.metrics import check_scoring

        est = self._fitted()
        target = np.asarray(y, dtype=np.float64) if self._regression else self.label_encoder_.transform(y)
        return float(check_scoring(est, self.scoring)(est, X, target))


def _cv_results(
    records: list[dict[str, Any]], runs: dict[tuple, dict[str, Any]], space: SearchSpace, n_splits: int
) -> dict[str, Any]:
    """``RandomizedSearchCV``'s ``cv_results_`` from the env's real evaluations, in the order they were made.
    A configuration whose CV failed, or that was trained only partially, has NaN scores and
    times, as with ``error_score=np.nan``."""
    nan = np.full(n_splits, np.nan)
    rows = [runs.get(config_key(r["config"]), {}) if is_full(r) else {} for r in records]
    split = np.array([row.get("test_score", nan) for row in rows], dtype=float).reshape(len(rows), n_splits)
    out: dict[str, Any] = {}
    for key in ("fit_time", "score_time"):
        t = np.array([row.get(key, nan) for row in rows], dtype=float).reshape(len(rows), n_splits)
        out[f"mean_{key}"], out[f"std_{key}"] = t.mean(axis=1), t.std(axis=1)
    for name in space.names:
        out[f"param_{name}"] = np.ma.MaskedArray([r["config"][name] for r in records], mask=False, dtype=object)
    out["params"] = [dict(r["config"]) for r in records]
    for i in range(n_splits):
        out[f"split{i}_test_score"] = split[:, i]
    out["mean_test_score"], out["std_test_score"] = split.mean(axis=1), split.std(axis=1)
    # As scikit-learn ranks: 1 is best, ties share the lowest rank, a failed configuration is last.
    score = np.where(np.isnan(out["mean_test_score"]), -np.inf, out["mean_test_score"])
    out["rank_test_score"] = rankdata(-score, method="min").astype(np.int32)
    return out
