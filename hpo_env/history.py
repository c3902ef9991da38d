"""The record of every real evaluation: the incumbent, the cache of known configurations, a JSONL log."""

from __future__ import annotations

import contextlib
import gzip
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from hpo_env.fidelity import Fidelity, is_full

__all__ = ["History", "append_jsonl", "atomic_path", "config_key", "read_jsonl", "rescore", "write_json_atomic"]


def config_key(config: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Hashable identity of a decoded configuration (the cache key)."""
    return tuple(config.items())


def _cache_key(config: Mapping[str, Any], fidelity: Fidelity | None) -> tuple:
    key = config_key(config)
    return key if fidelity is None else (*key, ("__fidelity__", fidelity.rounds, fidelity.data))


class History:
    """Every real evaluation in order, the best one so far, and a cache of their results.

    Args:
        path: if given, each record is appended to this JSONL file as it happens (and the
            file is flushed), so an interrupted run loses nothing. Existing lines are read
            back first, which is how a run resumes.
        cache: serve a configuration evaluated before from its record instead of training
            it again. Timed-out records are never served from the cache: a time-out can
            be due to load, not to the configuration.

    A partial evaluation (:mod:`hpo_env.fidelity`) is cached under its fidelity, so it
    never answers a request for another one; a pruned one is not cached (where it stopped
    was its pruner's choice); and only a full evaluation can be the incumbent.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, cache: bool = True) -> None:
        self.records: list[dict[str, Any]] = []
        self.incumbent: dict[str, Any] | None = None
        self.use_cache = cache
        self._cache: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
        self.path = Path(path) if path is not None else None
        #: Called with each record appended from now on (not those read from ``path``): a
        #: run's live logs, e.g. TensorBoard or a progress bar, whatever the agent.
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self._fh = None
        if self.path is not None and self.path.exists():
            for rec in read_jsonl(self.path):
                self._add(rec)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def lookup(self, config: Mapping[str, Any], fidelity: Fidelity | None = None) -> dict[str, Any] | None:
        """The cached record of ``config`` at ``fidelity`` (None: full), or None."""
        return self._cache.get(_cache_key(config, fidelity)) if self.use_cache else None

    def append(self, record: dict[str, Any]) -> None:
        """Add a record and append it to the JSONL file at once."""
        self._add(record)
        if self.path is not None:
            if self._fh is None:
                self._fh = open_for_append(self.path)
            self._fh.write(json.dumps(record, default=_json_default) + "\n")
            self._fh.flush()
        for listen in self.listeners:
            listen(record)

    def _add(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        if not record.get("timed_out") and not record.get("pruned"):
            self._cache[_cache_key(record["config"], Fidelity.parse(record.get("fidelity")))] = record
        score = record.get("val_score")
        ok = record.get("error") is None and score is not None and math.isfinite(score) and is_full(record)
        if ok and (self.incumbent is None or score > self.incumbent["val_score"]):
            self.incumbent = record

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def rescore(records: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """``records`` as a run scored by ``metric`` would have recorded them: each record's
    ``val_score`` and ``test_score`` read from its ``scores`` (every metric from the same
    fits, :class:`~hpo_env.objectives.base.Evaluation`). A record that failed, or cannot be
    scored by ``metric``, has no score (an error record: it never becomes the incumbent); a
    pruned partial evaluation, which never does either, is kept as it is."""
    out = []
    for r in records:
        if r.get("error") is not None or ("scores" not in r and not is_full(r)):
            out.append(r)  # a failure, or a stopped partial evaluation: never the incumbent
            continue
        if "scores" not in r:
            raise ValueError(f"evaluation {r.get('n')} holds no scores by metric (recorded before they were kept, "
                             "or by an objective that does not score a task); expected a 'scores' field")  # fmt: skip
        if metric not in r["scores"]:
            have = sorted(r["scores"])
            raise ValueError(f"metric {metric!r} is not among the scores recorded; expected one of {have}")
        val, test = r["scores"][metric]
        if val is None:
            out.append({**r, "val_score": None, "test_score": None, "error": f"no {metric} score"})
        else:
            out.append({**r, "val_score": val, "test_score": test})
    return out


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON-serialisable: {o!r}")


def open_for_append(path: Path) -> Any:
    """Open a JSONL file for appending, first ending a line torn by an interrupted write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            torn = fh.read(1) != b"\n"
        if torn:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write("\n")
    return open(path, "a", encoding="utf-8")


def append_jsonl(path: str | os.PathLike[str], record: Mapping[str, Any]) -> None:
    """Append one JSON line and flush it (one open per record: for infrequent writers)."""
    with open_for_append(Path(path)) as fh:
        fh.write(json.dumps(record, default=_json_default) + "\n")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; it replaces ``path`` in one step when the
    block ends without an error, so a reader never sees half a file. It keeps the suffix
    (``model.zip`` -> ``model.tmp.zip``), for writers that add one."""
    path = Path(path)
    tmp = path.with_name(f"{path.stem}.tmp{path.suffix}")
    yield tmp
    os.replace(tmp, path)


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as indented JSON through :func:`atomic_path`.
    NumPy scalars and arrays become numbers and lists; any other object its ``str``."""
    as_json = lambda o: _json_default(o) if hasattr(o, "item") or hasattr(o, "tolist") else str(o)  # noqa: E731
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=as_json) + "\n")


def read_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read JSON lines (gzipped when the name ends in ``.gz``), ignoring a torn last line left by
    an interrupted write. Results kept in the repository are stored gzipped, so an absent
    ``NAME.jsonl`` is read from ``NAME.jsonl.gz`` when that exists."""
    out = []
    if not os.path.exists(path) and os.path.exists(f"{path}.gz"):
        path = f"{path}.gz"
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out
