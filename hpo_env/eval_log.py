"""Live logs of a run, for any agent: listeners of :class:`~hpo_env.history.History` that write
a TensorBoard point per real evaluation (:class:`EvalLog`) or move a progress bar
(:class:`ProgressBar`) as each record is appended, whatever made the evaluation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hpo_env.fidelity import full_evals
from hpo_env.history import History

__all__ = ["EvalLog", "ProgressBar"]


class EvalLog:
    """Writes each record a history appends to TensorBoard, as it happens (x: its number in
    the history): ``eval/val_score``, ``eval/best_val``, ``eval/test_of_best``, ``eval/seconds``,
    ``eval/failed``, every number of the record's ``note`` (a reward model's
    ``model/predicted``...), and ``model/abs_error`` where a prediction meets a score.

    Args:
        history: the history to follow (from :meth:`attach` on).
        log_dir: the TensorBoard directory (``tensorboard --logdir`` it or a parent).
    """

    def __init__(self, history: History, log_dir: str | os.PathLike[str]) -> None:
        self.history, self.log_dir = history, Path(log_dir)
        self._writer: Any = None

    def attach(self) -> EvalLog:
        self.history.listeners.append(self)
        return self

    def __call__(self, record: dict[str, Any]) -> None:
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(str(self.log_dir))
        for tag, value in self.points(record).items():
            if value is not None:
                self._writer.add_scalar(tag, float(value), record["n"] + 1)
        self._writer.flush()

    def points(self, record: dict[str, Any]) -> dict[str, float | None]:
        inc, note, failed = self.history.incumbent, record.get("note") or {}, record["error"] is not None
        points = {
            "eval/val_score": record["val_score"],
            "eval/seconds": record["seconds"],
            "eval/failed": float(failed),
            **({} if inc is None else {"eval/best_val": inc["val_score"], "eval/test_of_best": inc["test_score"]}),
            **note,
        }
        if "model/predicted" in note and not failed:
            points["model/abs_error"] = abs(note["model/predicted"] - record["val_score"])
        return points

    def close(self) -> None:
        """Stop following the history and close the log (also after an error or Ctrl-C)."""
        if self in self.history.listeners:
            self.history.listeners.remove(self)
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class ProgressBar:
    """A tqdm bar of the budget in full-evaluation equivalents, with the best score so far."""

    def __init__(self, history: History, budget: int, spent: float) -> None:
        from tqdm.auto import tqdm

        self.history = history
        self.bar = tqdm(total=budget, initial=round(spent, 2), desc="evaluations", unit="eval")

    def attach(self) -> ProgressBar:
        self.history.listeners.append(self)
        return self

    def __call__(self, record: dict[str, Any]) -> None:
        self.bar.update(round(full_evals([record]), 4))
        if self.history.incumbent is not None:
            self.bar.set_postfix(best=f"{self.history.incumbent['val_score']:.4f}", refresh=False)

    def close(self) -> None:
        if self in self.history.listeners:
            self.history.listeners.remove(self)
        self.bar.close()
