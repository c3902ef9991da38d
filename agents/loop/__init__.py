"""One loop for every agent that proposes configurations: a proposal source plus a schedule.

As in Optuna, where a sampler only proposes, a pruner only schedules and the study runs
the loop, an agent here is a :class:`Proposer` (where configurations come from), a
:class:`Schedule` (at what fidelity each is trained, and whether it may be stopped early),
and :class:`LoopAgent`, the one loop that runs them on an env. Any proposer works with any
schedule: ``LoopAgent("tpe-hyperband", OptunaProposer("tpe"), Hyperband())``.
"""

from agents.loop.agent import LoopAgent
from agents.loop.proposer import Chain, Proposal, Proposer, QueueProposer, RandomProposer
from agents.loop.schedule import HYPERBAND, Hyperband, Schedule
from agents.loop.study import OptunaProposer

__all__ = [
    "HYPERBAND",
    "Chain",
    "Hyperband",
    "LoopAgent",
    "OptunaProposer",
    "Proposal",
    "Proposer",
    "QueueProposer",
    "RandomProposer",
    "Schedule",
]
