"""``portfolio-tpe-hyperband``: ``tpe-hyperband`` whose first proposals are the greedy portfolio.

The same-data baseline of ``rppo-prior-hb``, as ``portfolio-tpe`` is ``rppo-prior``'s: the
portfolio (:mod:`agents.transfer.portfolio`) is built from exactly the tables the prior is
trained on and held out the same way. Its configurations, in the cost-aware order (cheap
good ones first), are proposed one at a time through the same loop and schedule as
``tpe-hyperband``, so TPE learns from them and the pruner may stop them; then TPE proposes alone.

How it compares with the prior's proposals, paired in the same brackets on development
tasks: ``benchmarks/results/multifidelity_dev/same_brackets``.
"""

from __future__ import annotations

from agents.baselines.portfolio import PortfolioProposer
from agents.loop import Chain, Hyperband, LoopAgent, OptunaProposer

__all__ = ["PortfolioHyperbandAgent"]


class PortfolioHyperbandAgent(LoopAgent):
    """Hyperband (Optuna's pruner on the learning curves) with TPE, the portfolio proposed first.

    Args:
        prior: the portfolio (:class:`~agents.baselines.PortfolioProposer`). One that cannot be
            used, or was built on another search space, leaves TPE to propose, with a warning.
        k: the portfolio's first ``k`` configurations are proposed (None: all of them).
        cost_aware: propose the portfolio's cost-aware order, else the order blind to cost,
            as ``portfolio-tpe`` proposes it. Under the time budgets of
            ``benchmarks/results/multifidelity_dev/same_brackets`` the cost-aware order led
            the blind one at 25, 50 and 100% of the time.
        brackets: as in :class:`~agents.loop.Hyperband`; by default ``tpe-hyperband``'s, so a
            comparison with it is paired: only the portfolio's proposals differ.
    """

    def __init__(self, prior: str | None = None, k: int | None = None, cost_aware: bool = True,
                 brackets: str | None = "tpe-hyperband") -> None:  # fmt: skip
        name = "portfolio-tpe-hyperband"
        portfolio = PortfolioProposer(name, prior, bool(cost_aware), k, fallback="with TPE's proposals")
        super().__init__(name, Chain(portfolio, OptunaProposer("tpe")), Hyperband(brackets))
        self.prior, self.k, self.cost_aware = prior, k, bool(cost_aware)
