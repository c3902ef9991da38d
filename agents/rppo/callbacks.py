"""SB3 callbacks that tie training to the env's real evaluations."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from stable_baselines3.common.callbacks import BaseCallback

from hpo_env.history import atomic_path

__all__ = ["RealEvalBudgetCallback", "TimestepProgressCallback"]


class TimestepProgressCallback(BaseCallback):
    """A tqdm bar of environment steps, for training that has no budget of real evaluations
    (``hpo-rl pretrain``). SB3's own ``progress_bar=True`` needs ``rich``, which this
    package does not depend on; tqdm is a core dependency.

    Args:
        total: the ``total_timesteps`` given to ``learn``.
        desc: the bar's label.
    """

    def __init__(self, total: int, desc: str = "timesteps") -> None:
        super().__init__()
        self.total = int(total)
        self.desc = desc
        self._bar: Any = None

    def _on_training_start(self) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=self.total, desc=self.desc, unit="step")

    def _on_step(self) -> bool:
        # The last rollout is finished whole, so the steps may pass ``total``; the bar stops there.
        self._bar.update(min(self.training_env.num_envs, self.total - self._bar.n))
        return True

    def _on_training_end(self) -> None:
        self._bar.close()


class RealEvalBudgetCallback(BaseCallback):
    """Stops training once ``budget`` real evaluations are done; checkpoints.

    It counts terminal ``info`` dicts with ``real=True``. Cached configurations and model
    episodes are free; model episodes count neither as real nor towards ``max_episodes``.
    It logs the scores to TensorBoard and saves the model after every rollout, so an
    interrupted run resumes from its last update.

    Args:
        budget: total real evaluations, including ``start`` ones done before (a resumed run).
        start: real evaluations already done.
        best: the best validation score already seen, or None.
        max_episodes: stop anyway after this many episodes in this call (a collapsed
            policy that only repeats cached configurations would otherwise never end).
        checkpoint_path: where ``model.save`` writes after each rollout, or None.

    The progress bar and each real evaluation's TensorBoard point follow the env's history
    (:mod:`hpo_env.eval_log`), whatever makes the evaluation.
    """

    def __init__(
        self,
        budget: int,
        start: int = 0,
        best: float | None = None,
        max_episodes: int | None = None,
        checkpoint_path: str | os.PathLike[str] | None = None,
        verbose: int = 0,
    ) -> None:
        super().__init__(verbose)
        self.budget = int(budget)
        self.n_real = int(start)
        self.best = best
        self.n_episodes = 0
        self.n_cached = 0
        self.n_model = 0
        self.max_episodes = max_episodes
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path is not None else None
        self.stalled = False

    @property
    def spent(self) -> bool:
        """Whether the budget of real evaluations is used up."""
        return self.n_real >= self.budget

    @property
    def exhausted(self) -> bool:
        """Whether the budget, or the cap on episodes, is used up."""
        return self.spent or (self.max_episodes is not None and self.n_episodes >= self.max_episodes)

    def observe(self, info: dict[str, Any]) -> None:
        """Count one step's ``info``; evaluations made outside the rollout (the prior's
        proposals, a model-screened proposal) come in here too."""
        if "real" not in info:
            return
        if info.get("model"):
            self.n_model += 1
            return
        self.n_episodes += 1
        if not info["real"]:
            self.n_cached += 1
            return
        self.n_real += 1
        if getattr(self, "model", None) is not None:  # before learn() (the prior's proposals) there is no logger
            self.logger.record_mean("real/val_score", info["val_score"])
        # The env's history already keeps the incumbent; show it rather than track it twice.
        if info["incumbent"] is not None:
            self.best = info["incumbent"]["val_score"]

    def _on_step(self) -> bool:
        for info in self.locals["infos"]:
            self.observe(info)
        if self.best is not None:
            self.logger.record("real/best_val", self.best)
        self.logger.record("real/n_evals", self.n_real)
        if self.spent:
            return False
        if self.max_episodes is not None and self.n_episodes >= self.max_episodes:
            self.stalled = True
            warnings.warn(
                f"stopped after {self.n_episodes} episodes with only {self.n_real}/{self.budget} real "
                f"evaluations: {self.n_cached} episodes repeated cached configurations",
                stacklevel=1,
            )
            return False
        return True

    def _on_rollout_end(self) -> None:
        if self.checkpoint_path is not None:
            with atomic_path(self.checkpoint_path) as tmp:
                self.model.save(tmp)
