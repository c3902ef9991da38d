"""A run directory's own files: its last ``result.json``, and ``settings.json``, which a
resumed run must match (the budget may grow)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hpo_env.history import write_json_atomic

__all__ = ["check_same_settings", "first_difference", "json_safe", "previous_result"]


def previous_result(out: Path | None) -> dict[str, Any]:
    """The result.json of an earlier session of this run (finished or interrupted), else {}."""
    path = None if out is None else out / "result.json"
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}


def json_safe(x: Any) -> Any:
    return json.loads(json.dumps(x, default=lambda o: getattr(o, "__name__", repr(o))))


def check_same_settings(path: Path, settings: dict[str, Any]) -> None:
    """Refuse an ``out_dir`` that holds a run with other settings (the budget may grow on
    resume), naming the first setting that differs; then record these."""
    if path.exists():
        diff = first_difference({**json.loads(path.read_text()), "budget": None}, {**settings, "budget": None})
        if diff is not None:
            run = path.parent
            raise ValueError(f"{run} holds a run with other settings ({diff}); use another out_dir or delete it")
    write_json_atomic(path, settings)


def first_difference(before: Any, now: Any, where: str = "") -> str | None:
    """None if equal, else the first setting that differs, in words: ``task.name is 'a' there, 'b' here``."""
    if isinstance(before, dict) and isinstance(now, dict):
        for k in list(dict.fromkeys([*before, *now])):
            d = first_difference(before.get(k), now.get(k), f"{where}.{k}" if where else str(k))
            if d is not None:
                return d
        return None
    if before == now:
        return None
    return f"{where or 'settings'} is {_short(before)} there, {_short(now)} here"


def _short(x: Any) -> str:
    text = json.dumps(x, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
