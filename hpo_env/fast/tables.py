"""Tables of measured evaluations: what the fast-mode envs are built from.

A table holds every configuration ``hpo-rl collect`` evaluated on one task with the
real objective, in order: its hyperparameter values, validation and test scores, the
seconds it took, and whether it failed. It is one gzipped JSON file per task,
``<slug>.json.gz``, with the search space and the objective's settings in its header,
so a table can refuse an env whose space differs from the one it was measured on.

Tables are looked up in ``table_dir``, else ``$HPO_ENV_TABLE_DIR``, else the tables
shipped in this package (``hpo_env/fast/tables/``: the 20 public PMLB tasks and the
scikit-learn built-ins, collected on split seed 0).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hpo_env.history import atomic_path
from hpo_env.spaces import SearchSpace

__all__ = ["TABLE_FORMAT", "Table", "default_table_dir", "list_tables", "table_path", "task_slug"]

TABLE_FORMAT = 1
_ENV_VAR = "HPO_ENV_TABLE_DIR"


def task_slug(task: str) -> str:
    """File-system name of a task spec: ``pmlb:adult`` -> ``pmlb_adult``, ``csv:a/b.csv`` -> ``csv_b``."""
    if task.startswith("csv:"):
        task = "csv:" + Path(task[4:]).stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", task)


def default_table_dir(table_dir: str | os.PathLike[str] | None = None) -> Path:
    """``table_dir`` if given, else ``$HPO_ENV_TABLE_DIR``, else the tables shipped with the package."""
    if table_dir is not None:
        return Path(table_dir)
    if os.environ.get(_ENV_VAR):
        return Path(os.environ[_ENV_VAR])
    return Path(__file__).resolve().parent / "tables"


def table_path(task: str, table_dir: str | os.PathLike[str] | None = None) -> Path:
    return default_table_dir(table_dir) / f"{task_slug(task)}.json.gz"


def list_tables(table_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Task specs that have a table in ``table_dir``."""
    d = default_table_dir(table_dir)
    out = []
    for p in sorted(d.glob("*.json.gz")):
        with gzip.open(p, "rt", encoding="utf-8") as fh:
            out.append(json.load(fh)["task"])
    return out


@dataclass
class Table:
    """The measured evaluations of one task.

    ``X`` holds each row's configuration as actions in [-1, 1] (space order), which is
    where the fast-mode envs look configurations up and fit their surrogates.
    """

    task: str
    space: SearchSpace
    configs: list[dict[str, Any]]
    val: np.ndarray
    test: np.ndarray
    seconds: np.ndarray
    failed: np.ndarray
    meta: dict[str, Any]

    def __post_init__(self) -> None:
        self.X = np.array([self.space.encode(c) for c in self.configs], dtype=np.float64).reshape(-1, len(self.space))

    def __len__(self) -> int:
        return len(self.configs)

    @classmethod
    def from_records(cls, task: str, space: SearchSpace, records: list[dict[str, Any]], meta: dict[str, Any]) -> Table:
        """A table from env history records (``config``, ``val_score``, ``test_score``, ``seconds``, ``error``)."""
        return cls(
            task=task,
            space=space,
            configs=[r["config"] for r in records],
            val=np.array([r["val_score"] for r in records], dtype=np.float64),
            test=np.array([np.nan if r["test_score"] is None else r["test_score"] for r in records], dtype=np.float64),
            seconds=np.array([r["seconds"] for r in records], dtype=np.float64),
            failed=np.array([r["error"] is not None for r in records], dtype=bool),
            meta=dict(meta),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the table as gzipped JSON (rows of values, not dicts, to stay small)."""
        names = list(self.space.names)
        rows = [
            [c[n] for n in names] + [_num(v), _num(t), round(float(s), 4), bool(f)]
            for c, v, t, s, f in zip(self.configs, self.val, self.test, self.seconds, self.failed, strict=True)
        ]
        doc = {
            "format": TABLE_FORMAT,
            "task": self.task,
            "space": self.space.to_list(),
            "meta": self.meta,
            "columns": [*names, "val_score", "test_score", "seconds", "failed"],
            "rows": rows,
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, gzip.GzipFile(tmp, "wb", mtime=0) as fh:  # mtime=0: same content, same bytes
            fh.write(json.dumps(doc, separators=(",", ":")).encode("utf-8"))
        return path

    @classmethod
    def load(cls, task: str, table_dir: str | os.PathLike[str] | None = None) -> Table:
        """The table of ``task``; a clear error says how to collect one if there is none."""
        path = table_path(task, table_dir)
        if not path.exists():
            known = list_tables(table_dir) if path.parent.is_dir() else []
            raise FileNotFoundError(
                f"no table for task {task!r} in {path.parent} (expected {path.name}). Collect one with: "
                f"hpo-rl collect --tasks {task} --out {path.parent}. Tasks with a table: {known}"
            )
        return cls.read(path)

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Table:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            doc = json.load(fh)
        if doc.get("format") != TABLE_FORMAT:
            raise ValueError(f"{path}: table format {doc.get('format')!r}; this version reads {TABLE_FORMAT}")
        space = SearchSpace.from_list(doc["space"])
        n = len(space)
        rows = doc["rows"]
        return cls(
            task=doc["task"],
            space=space,
            configs=[dict(zip(space.names, r[:n], strict=True)) for r in rows],
            val=np.array([r[n] for r in rows], dtype=np.float64),
            test=np.array([np.nan if r[n + 1] is None else r[n + 1] for r in rows], dtype=np.float64),
            seconds=np.array([r[n + 2] for r in rows], dtype=np.float64),
            failed=np.array([r[n + 3] for r in rows], dtype=bool),
            meta=doc.get("meta", {}),
        )

    def check_space(self, space: SearchSpace) -> None:
        """Refuse a space other than the table's, naming the first difference."""
        diff = self.space.difference(space, "the table", "the env")
        if diff is not None:
            raise ValueError(
                f"the table of {self.task!r} was measured on another search space: {diff}. "
                "Collect a table for this space with hpo-rl collect."
            )


def _num(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)
