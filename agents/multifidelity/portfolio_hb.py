"""``portfolio-tpe-hyperband``: ``tpe-hyperband`` whose first proposals are the greedy portfolio.

The same-data baseline of ``rppo-prior-hb``, as ``portfolio-tpe`` is ``rppo-prior``'s: the
portfolio (:mod:`agents.prior.portfolio`) is built from exactly the tables the prior is
trained on and held out the same way. Its configurations are enqueued one per proposal,
in order, through the same loop and the same pruner as ``tpe-hyperband``
(:class:`~agents.multifidelity.hyperband.PrunedOptunaAgent`), so TPE learns from them and
the pruner may stop them; then TPE proposes alone.

How it compares with the prior's proposals, paired in the same brackets on development
tasks: ``benchmarks/results/multifidelity_dev/same_brackets``.
"""

from __future__ import annotations

import warnings
from typing import Any

from agents.base import task_spec
from agents.multifidelity.hyperband import PrunedOptunaAgent, TPEHyperbandAgent
from hpo_env.env import HPOEnv

__all__ = ["PortfolioHyperbandAgent"]


class PortfolioHyperbandAgent(PrunedOptunaAgent):
    """Hyperband (Optuna's pruner on the learning curves) with TPE, the portfolio proposed first.

    The result's ``extra`` names the portfolio and says whether it saw the task
    (``prior_saw_task``, near-duplicates included: :mod:`agents.prior.folds`).

    Args:
        prior: the portfolio: None or ``"default"`` (the shipped one), a file, or a directory
            of held-out ones (``hpo-rl pretrain --folds`` writes one beside each fold's
            weights). One that cannot be used, or was built on another search space, leaves
            TPE to propose, with a warning.
        k: the portfolio's first ``k`` configurations are proposed (None: all of them).
        brackets: as in :class:`~agents.multifidelity.hyperband.PrunedOptunaAgent`; by default
            ``tpe-hyperband``'s, so a comparison with it is paired: only the portfolio's
            proposals differ.
    """

    name = "portfolio-tpe-hyperband"

    def __init__(
        self, prior: str | None = None, k: int | None = None, brackets: str | None = TPEHyperbandAgent.name
    ) -> None:
        super().__init__(brackets)
        if k is not None and int(k) < 1:
            raise ValueError(f"k={k!r}; expected a number of configurations >= 1, or None for all")
        self.prior, self.k = prior, None if k is None else int(k)
        self._queue: list[dict[str, Any]] = []

    def begin(self, env: HPOEnv, seed: int) -> None:
        from agents.prior.folds import flag_saw_task
        from agents.prior.portfolio import load_portfolio
        from agents.prior.weights import PriorError

        base, task = env.unwrapped, task_spec(env.unwrapped)
        try:
            doc = load_portfolio(self.prior, task, base.space)
        except PriorError as e:
            warnings.warn(f"{self.name} goes on with TPE's proposals: {e}", stacklevel=2)
            self._queue, self._extra = [], {"portfolio": None, "prior_saw_task": False}
            return
        self._queue = [dict(c) for c in doc["configs"][: self.k]]
        saw = flag_saw_task(doc, task, f"{self.name}: the portfolio")
        self._extra = {"portfolio": doc["path"], "prior_saw_task": saw}

    def propose(self, env: HPOEnv) -> dict[str, Any] | None:
        return self._queue.pop(0) if self._queue else None
