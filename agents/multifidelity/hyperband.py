"""``tpe-hyperband``: Optuna's TPE under the :class:`~agents.loop.Hyperband` schedule.

Each configuration is trained at full fidelity with a reporter (:mod:`hpo_env.fidelity`):
at each point of its learning curve the pruner compares it with the configurations that
reached that point before and stops the training when it is not among the best. Only a
configuration that ran to the end is a full evaluation, so only such a one can become
the incumbent. The other Hyperband agents change only the proposer.
"""

from __future__ import annotations

from agents.loop import Hyperband, LoopAgent, OptunaProposer

__all__ = ["TPEHyperbandAgent"]


class TPEHyperbandAgent(LoopAgent):
    """Optuna's TPE with its ``HyperbandPruner`` (:data:`~agents.loop.HYPERBAND`) on the learning curves.

    Args:
        brackets: as in :class:`~agents.loop.Hyperband`.
        proposer: TPE by default; an :class:`~agents.loop.OptunaProposer` that proposes in a
            part of the space, for instance.
    """

    def __init__(self, brackets: str | None = None, proposer: OptunaProposer | None = None) -> None:
        super().__init__("tpe-hyperband", proposer or OptunaProposer("tpe"), Hyperband(brackets))
