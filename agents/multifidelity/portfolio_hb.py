"""``portfolio-tpe-hyperband``: ``tpe-hyperband`` whose first proposals are the greedy portfolio.

The same-data baseline of ``rppo-prior-hb``, as ``portfolio-tpe`` is ``rppo-prior``'s: the
portfolio (:mod:`agents.prior.portfolio`) is built from exactly the tables the prior is
trained on and held out the same way. Its configurations, in the cost-aware order (cheap
good ones first, :mod:`agents.prior.portfolio`), are enqueued one per proposal, through the
same loop and the same pruner as ``tpe-hyperband``
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
        cost_aware: propose the portfolio's cost-aware order, in which each configuration's
            gain over the tables is divided by what it costs; else the order blind to cost,
            as ``portfolio-tpe`` proposes it. Under the time budgets of
            ``benchmarks/results/multifidelity_dev/same_brackets`` the cost-aware order led
            the blind one at 25, 50 and 100% of the time.
        brackets: as in :class:`~agents.multifidelity.hyperband.PrunedOptunaAgent`; by default
            ``tpe-hyperband``'s, so a comparison with it is paired: only the portfolio's
            proposals differ.
    """

    name = "portfolio-tpe-hyperband"

    def __init__(
        self,
        prior: str | None = None,
        k: int | None = None,
        cost_aware: bool = True,
        brackets: str | None = TPEHyperbandAgent.name,
    ) -> None:
        super().__init__(brackets)
        if k is not None and int(k) < 1:
            raise ValueError(f"k={k!r}; expected a number of configurations >= 1, or None for all")
        self.prior, self.k, self.cost_aware = prior, None if k is None else int(k), bool(cost_aware)
        self._queue: list[dict[str, Any]] = []

    def begin(self, env: HPOEnv, seed: int) -> None:
        from agents.prior.folds import flag_saw_task
        from agents.prior.portfolio import load_portfolio
        from agents.prior.weights import PriorError

        base, task = env.unwrapped, task_spec(env.unwrapped)
        try:
            doc = load_portfolio(self.prior, task, base.space, self.cost_aware)
        except PriorError as e:
            warnings.warn(f"{self.name} goes on with TPE's proposals: {e}", stacklevel=2)
            self._queue, self._extra = [], {"portfolio": None, "cost_aware": self.cost_aware, "prior_saw_task": False}
            return
        self._queue = [dict(c) for c in doc["configs"][: self.k]]
        saw = flag_saw_task(doc, task, f"{self.name}: the portfolio")
        self._extra = {"portfolio": doc["path"], "cost_aware": self.cost_aware, "prior_saw_task": saw}

    def propose(self, env: HPOEnv) -> dict[str, Any] | None:
        return self._queue.pop(0) if self._queue else None
