"""The model at the end of tuning: refit on train + valid, saved in XGBoost's format, applied to new rows.

A run directory then holds:

- ``model.ubj``: the booster (``xgboost.Booster(model_file=...)``, or
  ``xgboost.XGBClassifier().load_model(...)``);
- ``model.json``: everything needed to apply it: the configuration, the feature columns
  in order, each text column's levels, the label column, the class labels (none for
  regression), the metric and the refit model's test score (:class:`~hpo_env.schema.FeatureSchema`).

:class:`FinalModel` reads both and predicts on a frame of new rows read the way the
training rows were; ``hpo-rl predict RUN_DIR --data new.csv`` is the command line of it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from hpo_env.history import write_json_atomic
from hpo_env.metrics import Metric, get_metric
from hpo_env.objectives.xgboost import XGBoostObjective, class_probabilities, predictions
from hpo_env.schema import FeatureSchema

__all__ = ["CARD_FILE", "MODEL_FILE", "FinalModel", "refit_final_model"]

MODEL_FILE = "model.ubj"
CARD_FILE = "model.json"
CARD_FORMAT = 1


def refit_final_model(objective: XGBoostObjective, config: Mapping[str, Any], out_dir: str | os.PathLike[str]) -> dict:
    """Refit ``config`` on the task's non-test rows, score it on the test rows, save it in ``out_dir``.

    Returns the summary that goes into ``result.json`` under ``final_model``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    booster, test_score, n_rows = objective.refit(config)
    booster.save_model(out / MODEL_FILE)
    params, rounds = objective.params(config)
    card = {
        "format": CARD_FORMAT,
        "model_file": MODEL_FILE,
        "xgboost_version": xgb.__version__,
        "config": dict(config),
        "params": params,
        "rounds": rounds,
        "n_train_rows": n_rows,
        "metric": objective.task.metric.name,
        "kind": objective.task.kind,
        "test_score": test_score,
        "task": objective.task.name,
        "schema": FeatureSchema.from_task(objective.task).to_dict(),
    }
    write_json_atomic(out / CARD_FILE, card)
    return {
        "model_file": str(out / MODEL_FILE),
        "card": str(out / CARD_FILE),
        "test_score": test_score,
        "n_train_rows": n_rows,
        "how_to_use": f"hpo-rl predict {out} --data NEW.csv --out predictions.csv; in Python: "
        f"hpo_env.final_model.FinalModel.load({str(out)!r}).predict(frame), or "
        f"xgboost.Booster(model_file={str(out / MODEL_FILE)!r}) on columns in model.json's order",
    }


class FinalModel:
    """A saved final model and how to read rows for it.

    Args:
        booster: the trained XGBoost booster.
        schema: how its training rows were read.
        metric: the task's metric (for :meth:`score`).
    """

    def __init__(self, booster: xgb.Booster, schema: FeatureSchema, metric: Metric) -> None:
        self.booster = booster
        self.schema = schema
        self.metric = metric

    @classmethod
    def load(cls, run_dir: str | os.PathLike[str]) -> FinalModel:
        """Read ``model.json`` and the booster it names from a run directory."""
        d = Path(run_dir)
        card_path = d / CARD_FILE
        if not card_path.is_file():
            raise FileNotFoundError(
                f"{d} holds no final model ({CARD_FILE} is missing); run hpo-rl tune with --refit (the default)"
            )
        card = json.loads(card_path.read_text())
        if card.get("format") != CARD_FORMAT:
            raise ValueError(f"{card_path}: format {card.get('format')!r}; expected {CARD_FORMAT}")
        booster = xgb.Booster(model_file=str(d / card["model_file"]))
        return cls(booster, FeatureSchema.from_dict(card["schema"]), get_metric(card["metric"]))

    def _dmatrix(self, rows: pd.DataFrame, source: str) -> xgb.DMatrix:
        return xgb.DMatrix(self.schema.features(rows, source), enable_categorical=True)

    @property
    def regression(self) -> bool:
        return self.metric.kind == "regression"

    def predict_proba(self, rows: pd.DataFrame, source: str = "the data") -> np.ndarray:
        """Class probabilities (n, k), columns in the order of ``schema.classes`` (classification only)."""
        if self.regression:
            raise ValueError("predict_proba: this model is a regressor; use predict")
        return class_probabilities(self.booster, self._dmatrix(rows, source))

    def _predictions(self, rows: pd.DataFrame, source: str) -> np.ndarray:
        return predictions(self.booster, self._dmatrix(rows, source), self.regression)

    def predict(self, rows: pd.DataFrame, source: str = "the data") -> list[Any]:
        """The predicted value (regression) or most probable class label of each row."""
        pred = self._predictions(rows, source)
        return pred.tolist() if self.regression else self.schema.labels(pred.argmax(axis=1))

    def score(self, rows: pd.DataFrame, source: str = "the data") -> float:
        """The task's metric on ``rows``, which must hold the label column."""
        if self.schema.target not in rows.columns:
            raise ValueError(f"{source}: no label column {self.schema.target!r} to score against")
        labels = rows[self.schema.target]
        y = labels.to_numpy(dtype=np.float64) if self.regression else self.schema.codes(labels, source)
        return self.metric(y, self._predictions(rows, source), len(self.schema.classes))

    def prediction_frame(self, rows: pd.DataFrame, source: str = "the data") -> pd.DataFrame:
        """One row per input row: ``prediction``, and for a classifier a ``proba_<label>`` column per class."""
        pred = self._predictions(rows, source)
        if self.regression:
            return pd.DataFrame({"prediction": pred}, index=rows.index)
        out = pd.DataFrame({"prediction": self.schema.labels(pred.argmax(axis=1))}, index=rows.index)
        for i, label in enumerate(self.schema.classes):
            out[f"proba_{label}"] = pred[:, i]
        return out
