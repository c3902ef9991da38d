"""FLAML's zero-shot XGBoost defaults for a task (``flaml.default``; Kayali & Wang, 2022).

FLAML mines data-dependent configurations from a regret matrix over many data sets and
picks one by the task's meta-features (rows, features, classes, share of numeric features).
Its ``XGBoostLimitDepthEstimator`` portfolio (``xgb_limitdepth``) tunes ``max_depth``, as
our space does. The suggestion is read from the training rows of the env's task and clipped
to the space, so that ``flaml-zeroshot`` can start CFO from it, as FLAML documents the warm
start (``points_to_evaluate``).
"""

from __future__ import annotations

import warnings
from typing import Any

from hpo_env.env import HPOEnv

__all__ = ["zeroshot_start"]

#: FLAML's names for our hyperparameters, where they differ (YAHPO's R names are mapped by
#: :data:`agents.peers.flaml.ALIASES`).
FLAML_ESTIMATOR = "xgb_limitdepth"


def _train_rows(env: HPOEnv) -> tuple[Any, Any, str] | None:
    """The task's training rows (X, y) and kind, where the env has data; else None."""
    task = getattr(env.objective, "task", None)
    if task is None or not hasattr(task, "splits"):
        return None
    train = task.splits[0].train
    return task.rows(train), task.y[train], getattr(task, "kind", "classification")


def zeroshot_start(env: HPOEnv) -> dict[str, Any] | None:
    """FLAML's suggested XGBoost configuration for ``env``'s task, by FLAML's names (clip it
    to the space before use); None, with a warning, where the env holds no data (fast mode's
    tables, YAHPO's surrogates) or FLAML cannot suggest one."""
    rows = _train_rows(env.unwrapped)
    if rows is None:
        warnings.warn("flaml-zeroshot: the env holds no training rows to read FLAML's defaults from; it starts "
                      "where FLAML's XGBoost estimator starts", stacklevel=3)  # fmt: skip
        return None
    from flaml.default import suggest_hyperparams

    X, y, kind = rows
    try:
        config, _ = suggest_hyperparams(kind, X, y, FLAML_ESTIMATOR)
    except Exception as e:  # any failure of FLAML's suggestion falls back, said in one line
        warnings.warn(f"flaml-zeroshot: FLAML suggested nothing ({type(e).__name__}: {e}); it starts where "
                      "FLAML's XGBoost estimator starts", stacklevel=3)  # fmt: skip
        return None
    return {k: v for k, v in config.items() if k not in ("verbosity", "random_state", "n_jobs")}
