"""The greedy portfolio from the same tables as the learned prior, as a proposer.

:class:`PortfolioProposer` proposes the portfolio's configurations (:mod:`agents.transfer.portfolio`)
in order, or adaptively (:class:`~agents.transfer.adaptive.AdaptivePortfolio`), then hands
over: chained with random search (``portfolio``), TPE (``portfolio-tpe``), or TPE under
Hyperband (``portfolio-tpe-hyperband``, :mod:`agents.multifidelity.portfolio_hb`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from agents.base import task_spec
from agents.loop import Chain, LoopAgent, OptunaProposer, Proposal, Proposer, RandomProposer
from hpo_env.env import HPOEnv

__all__ = ["PortfolioAgent", "PortfolioProposer"]


class PortfolioProposer(Proposer):
    """The portfolio for the env's task, one configuration per ask, then None.

    The result's ``extra`` names the portfolio and says whether it saw the task
    (``prior_saw_task``, near-duplicates included: :mod:`agents.transfer.folds`).

    Args:
        label: the agent's name, for the warnings.
        prior: the portfolio: None or ``"default"`` (the shipped one, built from the tables
            the shipped prior was trained on), a file, or a directory of held-out ones
            (``<task slug>.json`` or ``fold<i>.json``). One that cannot be used, or was built
            on another search space, proposes nothing, with a warning.
        cost_aware: True: propose the cost-aware order (each configuration's gain over the
            tables divided by what it costs); False: the order blind to cost; either is
            recorded in ``extra``. None: the blind order, not recorded (``portfolio`` and
            ``portfolio-tpe`` count evaluations, so know no other).
        k: propose at most the first ``k`` (None: all of them; with ``adaptive``,
            :data:`~agents.transfer.adaptive.ADAPTIVE_K`).
        adaptive: propose from the portfolio's pool (``<portfolio>.pool.npz``) the member that
            most raises the best percentile reached on the training tables, weighted by how
            well each table ranks what this task has measured (RGPE's weights); None once no
            member would gain.
        fallback: what the warning says happens without a portfolio.
    """

    def __init__(self, label: str, prior: str | None = None, cost_aware: bool | None = None, k: int | None = None,
                 adaptive: bool = False, fallback: str = "without a portfolio") -> None:  # fmt: skip
        if k is not None and int(k) < 1:
            raise ValueError(f"k={k!r}; expected a number of configurations >= 1, or None for all")
        self.label, self.prior, self.cost_aware, self.adaptive = label, prior, cost_aware, bool(adaptive)
        self.k, self.fallback = None if k is None else int(k), fallback
        self._queue: list[dict[str, Any]] = []
        self._adaptive: Any = None
        self._extra: dict[str, Any] = {}

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        from agents.transfer.files import served
        from agents.transfer.portfolio import load_portfolio

        base, task = env.unwrapped, task_spec(env.unwrapped)
        self._space, self._queue, self._adaptive = base.space, [], None

        def load() -> dict[str, Any]:
            doc = load_portfolio(self.prior, task, base.space, bool(self.cost_aware))
            if self.adaptive:
                self._adaptive = self._adaptive_portfolio(doc, seed)
            return doc

        what, fallback = f"{self.label}: the portfolio", f"{self.label} goes on {self.fallback}"
        doc, self._extra = served(load, task, what, "portfolio", fallback)
        if doc is not None:
            self._queue = [dict(c) for c in doc["configs"][: self.k]]
        if self.cost_aware is not None:
            self._extra["cost_aware"] = self.cost_aware

    def _adaptive_portfolio(self, doc: dict[str, Any], seed: int) -> Any:
        from agents.transfer.adaptive import ADAPTIVE_K, AdaptivePortfolio

        self._pool = _load_pool(doc["path"])
        self._k = ADAPTIVE_K if self.k is None else self.k
        return AdaptivePortfolio(self._pool, seed)

    def pool(self) -> Any:
        """The pool of the portfolio that :meth:`start` found
        (:class:`~agents.transfer.adaptive.TransferPool`: candidates and their percentile on
        every training task), for a method that learns from it; None without a portfolio."""
        path = self._extra.get("portfolio")
        return None if path is None else _load_pool(path)

    def configs(self) -> list[dict[str, Any]]:
        """The configurations still to propose, in order (after :meth:`start`), for a searcher
        that takes them as its first points (``portfolio-cfo``)."""
        return [dict(c) for c in self._queue]

    def ask(self) -> Proposal | None:
        if self._adaptive is not None:
            row = self._adaptive.ask() if len(self._adaptive.rows) < self._k else None
            return None if row is None else Proposal(self._space.decode(self._pool.actions[row]), handle=row)
        return Proposal(self._queue.pop(0)) if self._queue else None

    def tell(self, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:
        if self._adaptive is not None:
            self._adaptive.tell(proposal.handle, reward)

    def extra(self) -> dict[str, Any]:
        return dict(self._extra)


def _load_pool(portfolio: str) -> Any:
    """The pool beside the portfolio file ``portfolio``, or a clear error to rebuild it."""
    from agents.transfer.adaptive import TransferPool, pool_path
    from agents.transfer.files import PriorError

    path = pool_path(portfolio)
    if not path.exists():
        raise PriorError(f"no pool beside the portfolio {portfolio}; rebuild it with hpo-rl pretrain --portfolio")
    return TransferPool.load(path)


class PortfolioAgent(LoopAgent):
    """A greedy portfolio from the same tables as the learned prior, then random search or TPE.

    The portfolio's configurations (:class:`PortfolioProposer`) are evaluated first, in
    order; then ``then="random"`` (``portfolio``) samples uniformly, and ``then="tpe"``
    (``portfolio-tpe``) is Optuna's TPE, whose study holds the portfolio's trials, so TPE
    learns from them. ``adaptive=True`` (``adaptive-portfolio-tpe``, with ``then="tpe"``):
    the first ``k`` come from the adaptive portfolio; TPE proposes once ``k`` were made, or
    earlier if no pool member would gain.

    Args:
        then: ``"random"`` or ``"tpe"``.
        prior, adaptive, k: as in :class:`PortfolioProposer`.
    """

    THEN: ClassVar[tuple[str, ...]] = ("random", "tpe")

    def __init__(self, then: str = "random", prior: str | None = None, adaptive: bool = False,
                 k: int | None = None) -> None:  # fmt: skip
        if then not in self.THEN:
            raise ValueError(f"then={then!r}; expected one of {self.THEN}")
        if adaptive and then != "tpe":
            raise ValueError(f"adaptive=True with then={then!r}; the adaptive portfolio hands over to TPE only")
        name = "portfolio" if then == "random" else "portfolio-tpe"
        name = f"adaptive-{name}" if adaptive else name
        portfolio = PortfolioProposer(name, prior, k=k, adaptive=adaptive)
        super().__init__(name, Chain(portfolio, RandomProposer() if then == "random" else OptunaProposer("tpe")))
        self.then, self.prior, self.adaptive, self.k = then, prior, adaptive, k
