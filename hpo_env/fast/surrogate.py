"""Fast mode: objectives that answer from a table of measured evaluations instead of training.

``HPO-XGB-Surrogate-v0`` fits a per-task regressor on the task's table (see
:mod:`hpo_env.fast.tables`) and answers each configuration with its prediction;
``HPO-XGB-Tabular-v0`` answers with the nearest measured configuration in action space,
so every score it gives was really measured. Both keep the env contract and the search
space of ``HPO-XGB-v0``, and report the seconds the real training took (predicted, or
recorded) so time-based curves stay meaningful. Which regressor ranks configurations
best was measured: ``python -m benchmarks.fast_mode fidelity`` (see docs/results.md, "Fast mode").
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hpo_env.env import HPOEnv
from hpo_env.fast.forest import FORESTS, PackedForest, make_forest
from hpo_env.fast.tables import Table
from hpo_env.objectives.base import Evaluation, Objective
from hpo_env.spaces import SearchSpace

__all__ = [
    "REGRESSORS",
    "SurrogateObjective",
    "TabularObjective",
    "make_surrogate_env",
    "make_tabular_env",
    "table_meta_features",
]


#: Regressors a surrogate env can use. Both are walked by :class:`~hpo_env.fast.forest.PackedForest`,
#: which keeps a prediction at tens of microseconds.
REGRESSORS = FORESTS


def _targets(table: Table, failure_score: float) -> np.ndarray:
    """Validation score, test score and log-seconds per row; a failed row scores ``failure_score``."""
    test = np.where(np.isfinite(table.test), table.test, failure_score)
    return np.column_stack([table.val, test, np.log(np.maximum(table.seconds, 1e-4))])


def _failure_score(table: Table) -> float:
    return float(table.meta.get("objective", {}).get("failure_score", 0.0))


class SurrogateObjective(Objective):
    """Predicts a configuration's validation and test score and its training seconds.

    Args:
        table: the task's measured evaluations.
        regressor: one of :data:`REGRESSORS` (default ``extra_trees``, the best-ranking
            one on our tables).
        noise_std: standard deviation of Gaussian noise added to each validation score,
            for agents that should face the noise of real training.
        time_limit: a configuration predicted to take longer fails as timed out, as
            it would in the real env. None (default): no limit beyond the table's own.
        seed: seeds the regressor and the noise.
    """

    simulated = True

    def __init__(
        self,
        table: Table,
        regressor: str = "extra_trees",
        noise_std: float = 0.0,
        time_limit: float | None = None,
        seed: int = 0,
    ) -> None:
        if regressor not in REGRESSORS:
            raise ValueError(f"regressor={regressor!r}; expected one of {REGRESSORS}")
        if not noise_std >= 0:
            raise ValueError(f"noise_std={noise_std!r}; expected a standard deviation >= 0")
        if time_limit is not None and not time_limit > 0:
            raise ValueError(f"time_limit={time_limit!r}; expected seconds > 0 or None")
        self.table = table
        self.space = table.space
        self.failure_score = _failure_score(table)
        self.regressor = regressor
        self.noise_std = float(noise_std)
        self.time_limit = time_limit
        self.seed = int(seed)
        Y = _targets(table, self.failure_score)
        forest = make_forest(regressor, self.seed).fit(table.X, Y[:, 0])
        self.forest = PackedForest(forest, table.X, Y)
        self._rng = np.random.default_rng(self.seed)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted validation scores of configurations given as actions (n, d)."""
        return self.forest.predict(X)[:, 0]

    def evaluate(self, config: Mapping[str, Any]) -> Evaluation:
        val, test, log_s = self.forest.predict_one(self.space.encode(config))
        seconds = float(np.exp(log_s))
        if self.time_limit is not None and seconds > self.time_limit:
            # A real run is stopped at the limit, so the time-out costs the limit, not the predicted seconds.
            return self.failure(
                f"simulated time {seconds:.2f} s > time_limit={self.time_limit} s", float(self.time_limit), True
            )
        if self.noise_std:
            val += self._rng.normal(0.0, self.noise_std)
        return Evaluation(float(val), float(test), seconds)

    def describe(self) -> dict[str, Any]:
        return {
            "objective": "surrogate", "task": self.table.task, "regressor": self.regressor,
            "noise_std": self.noise_std, "time_limit": self.time_limit, "seed": self.seed,
            "table_rows": len(self.table), "failure_score": self.failure_score,
        }  # fmt: skip


class TabularObjective(Objective):
    """Answers with the measured row nearest in action space: no surrogate error, no new scores.

    The env records the configuration the agent asked for; the scores and seconds are
    those of the nearest row of the table (``nearest_row`` says which).
    """

    simulated = True

    def __init__(self, table: Table) -> None:
        self.table = table
        self.space = table.space
        self.failure_score = _failure_score(table)
        self._X = np.ascontiguousarray(table.X)
        self._sq = (self._X**2).sum(axis=1)

    def nearest_row(self, config: Mapping[str, Any]) -> int:
        x = self.space.encode(config)
        return int(np.argmin(self._sq - 2.0 * (self._X @ x)))  # ||X - x||^2 up to the constant ||x||^2

    def evaluate(self, config: Mapping[str, Any]) -> Evaluation:
        i = self.nearest_row(config)
        t = self.table
        if t.failed[i]:
            return self.failure(f"the nearest measured configuration (table row {i}) failed", float(t.seconds[i]))
        return Evaluation(float(t.val[i]), None if np.isnan(t.test[i]) else float(t.test[i]), float(t.seconds[i]))

    def describe(self) -> dict[str, Any]:
        return {"objective": "tabular", "task": self.table.task, "table_rows": len(self.table),
                "failure_score": self.failure_score}  # fmt: skip


def _table(task: str, table_dir: str | os.PathLike[str] | None, space: Any) -> Table:
    table = Table.load(task, table_dir)
    if space is not None:
        table.check_space(space if isinstance(space, SearchSpace) else SearchSpace.from_list(space))
    return table


def table_meta_features(table: Table) -> np.ndarray:
    """The task meta-features stored in ``table`` (:data:`~hpo_env.meta_features.META_FEATURES` order).

    They are computed from the data when the table is collected; a table from before that
    gets them from ``hpo-rl collect`` run again on it (which needs the data).
    """
    from hpo_env.meta_features import META_FEATURES

    stored = table.meta.get("meta_features")
    if not stored or set(stored) != set(META_FEATURES):
        raise ValueError(
            f"the table of {table.task!r} has no meta-features (or other ones: {sorted(stored or {})}); "
            f"add them with: hpo-rl collect --tasks {table.task} --out DIR_OF_THE_TABLE --data-dir DATA"
        )
    return np.array([stored[k] for k in META_FEATURES], dtype=np.float32)


def make_surrogate_env(
    task: str = "breast_cancer",
    *,
    regressor: str = "extra_trees",
    noise_std: float = 0.0,
    time_limit: float | None = None,
    table_dir: str | os.PathLike[str] | None = None,
    space: SearchSpace | list[dict[str, Any]] | None = None,
    seed: int = 0,
    nthread: int = 1,
    data_dir: str | os.PathLike[str] | None = None,
    order: str | Sequence[str] = "fixed",
    history_path: str | os.PathLike[str] | None = None,
    cache: bool = True,
    meta_features: bool = False,
) -> HPOEnv:
    """Build ``HPO-XGB-Surrogate-v0``: :class:`HPOEnv` over a :class:`SurrogateObjective`.

    ``task`` must have a table in ``table_dir`` (default: ``$HPO_ENV_TABLE_DIR``, else the
    tables shipped with the package); ``space``, if given, must equal the table's.
    ``nthread`` and ``data_dir`` are accepted so the same command lines serve every
    XGBoost env; nothing trains and no data is read. ``meta_features=True`` appends the
    meta-features stored in the table to every observation, as in ``HPO-XGB-v0``.
    """
    del nthread, data_dir
    table = _table(task, table_dir, space)
    objective = SurrogateObjective(table, regressor, noise_std, time_limit, seed)
    context = table_meta_features(table) if meta_features else None
    return HPOEnv(objective, order=order, history_path=history_path, cache=cache, context=context)


def make_tabular_env(
    task: str = "breast_cancer",
    *,
    table_dir: str | os.PathLike[str] | None = None,
    space: SearchSpace | list[dict[str, Any]] | None = None,
    seed: int = 0,
    nthread: int = 1,
    data_dir: str | os.PathLike[str] | None = None,
    order: str | Sequence[str] = "fixed",
    history_path: str | os.PathLike[str] | None = None,
    cache: bool = True,
) -> HPOEnv:
    """Build ``HPO-XGB-Tabular-v0``: :class:`HPOEnv` over a :class:`TabularObjective`.

    Arguments as in :func:`make_surrogate_env`; ``seed`` only seeds the env (the table is fixed).
    """
    del nthread, seed, data_dir
    return HPOEnv(TabularObjective(_table(task, table_dir, space)), order=order, history_path=history_path, cache=cache)
