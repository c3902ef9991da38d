"""How a task's rows were read, so that new rows are read the same way (``hpo-rl predict``).

A :class:`FeatureSchema` holds the feature columns in training order, the levels of each
text column (XGBoost's categorical codes are positions in that list), the label column
and the labels behind the class codes. :meth:`FeatureSchema.features` turns a frame of
new rows into exactly what the model was trained on:

- a missing column is one clear error naming it; extra columns are ignored;
- a numeric column with a value that is not a number is an error naming the column;
- a level of a text column not seen in training becomes a missing value, which XGBoost
  sends down each split's default branch, as it does any missing value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hpo_env.tasks import Task

__all__ = ["FeatureSchema"]


@dataclass(frozen=True)
class FeatureSchema:
    """The columns, text levels, label column and class labels of a tabular task.

    Args:
        columns: feature columns, in the order the model takes them.
        categories: text column -> its levels in training order.
        target: the label column (ignored among new rows if present).
        classes: the label of each class code ``0..k-1``.
    """

    columns: list[str]
    categories: dict[str, list[str]] = field(default_factory=dict)
    target: str = "target"
    classes: list[Any] = field(default_factory=list)

    @classmethod
    def from_task(cls, task: Task) -> FeatureSchema:
        cats: dict[str, list[str]] = {}
        if isinstance(task.X, pd.DataFrame):
            for c in task.X.columns:
                if isinstance(task.X[c].dtype, pd.CategoricalDtype):
                    cats[str(c)] = [str(v) for v in task.X[c].cat.categories]
        columns = list(task.columns) if task.columns else [f"x{i}" for i in range(task.X.shape[1])]
        return cls(columns, cats, task.target, np.asarray(task.classes).tolist())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSchema:
        return cls(list(d["columns"]), dict(d.get("categories", {})), d.get("target", "target"), list(d["classes"]))

    def features(self, rows: pd.DataFrame, source: str = "the data") -> np.ndarray | pd.DataFrame:
        """The model's input for ``rows``: a float32 array, or a frame with categoricals if the task had text."""
        got = {str(c) for c in rows.columns}
        missing = [c for c in self.columns if c not in got]
        if missing:
            raise ValueError(f"{source}: missing column(s) {missing}; the model was trained on {self.columns}")
        rows = rows.rename(columns=str)
        out: dict[str, Any] = {}
        for c in self.columns:
            if c in self.categories:
                levels = self.categories[c]
                text = rows[c].astype("string")
                out[c] = pd.Categorical(text.where(text.isin(levels)), categories=levels)  # unseen -> missing
            else:
                out[c] = self._numeric(rows[c], c, source)
        if not self.categories:
            return np.column_stack([out[c] for c in self.columns]).astype(np.float32)
        return pd.DataFrame(out, index=rows.index)

    @staticmethod
    def _numeric(col: pd.Series, name: str, source: str) -> np.ndarray:
        values = pd.to_numeric(col, errors="coerce")
        bad = col[values.isna() & col.notna()]
        if len(bad):
            raise ValueError(f"{source}: column {name!r} is numeric in training but holds {bad.iloc[0]!r}")
        return values.to_numpy(dtype=np.float32)

    def labels(self, codes: np.ndarray) -> list[Any]:
        """The class labels of class codes."""
        return [self.classes[int(i)] for i in codes]

    def codes(self, labels: pd.Series, source: str = "the data") -> np.ndarray:
        """Class codes of labels as training read them (text labels compared as text); unknown ones are an error."""
        as_text = not all(isinstance(c, (int, float)) for c in self.classes)
        index = {(str(c) if as_text else c): i for i, c in enumerate(self.classes)}
        keys = labels.astype(str) if as_text else labels
        unknown = sorted({k for k in keys if k not in index}, key=str)
        if unknown:
            raise ValueError(f"{source}: labels {unknown[:5]} were not among the training classes {self.classes}")
        return np.array([index[k] for k in keys], dtype=np.int64)
