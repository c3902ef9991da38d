"""At what fidelity each proposal is trained, and whether it may be stopped early.

A :class:`Schedule` trains each configuration as it was proposed (in full, or at the
fidelity the proposer asked for); :class:`Hyperband` trains it with a reporter on its
learning curve and stops it when Optuna's ``HyperbandPruner`` says so. Only a
configuration that ran to the end is a full evaluation, so only such a one can become the
incumbent (:mod:`hpo_env.fidelity`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from agents.loop.proposer import Proposal
from hpo_env.env import HPOEnv
from hpo_env.fidelity import CURVE_STEPS

__all__ = ["HYPERBAND", "Hyperband", "Schedule"]

#: Optuna ``HyperbandPruner`` settings, in learning-curve steps (:data:`~hpo_env.fidelity.CURVE_STEPS`
#: make all rounds): rungs at 1/27, 1/9, 1/3 and 1. ``smac-mf`` uses the same rungs.
HYPERBAND: dict[str, int] = {"min_resource": 1, "max_resource": CURVE_STEPS, "reduction_factor": 3}


class Schedule:
    """Train each proposal at the fidelity it names (in full when it names none); never stop one."""

    requires: ClassVar[tuple[str, ...]] = ()
    multi_fidelity: ClassVar[bool] = False

    def pruner(self) -> Any:
        """The Optuna pruner the loop's study needs, or None: then the loop keeps a study only
        for a proposer that samples with Optuna."""
        return None

    def study_name(self, agent: str, seed: int) -> str | None:
        """The name of the loop's study, or None for Optuna's own."""
        return None

    def options(self, env: HPOEnv, proposal: Proposal) -> dict[str, Any] | None:
        """The ``reset`` options of the episode that trains ``proposal`` (:mod:`hpo_env.fidelity`)."""
        return None if proposal.fidelity is None else {"fidelity": proposal.fidelity}


class Hyperband(Schedule):
    """Hyperband by early stopping: each configuration is trained in full with a reporter, and
    Optuna's ``HyperbandPruner`` (:data:`HYPERBAND`) stops it on its learning curve when it is
    not among the best that reached that point before.

    Args:
        brackets: the name the pruner hashes, with the seed, to put each trial in a bracket;
            None: the agent's own name. Two agents given the same one have the same brackets
            on a seed, so a comparison of them is paired: only their proposals differ
            (``benchmarks/results/multifidelity_dev/same_brackets``).
    """

    requires: ClassVar[tuple[str, ...]] = ("optuna",)
    multi_fidelity: ClassVar[bool] = True

    def __init__(self, brackets: str | None = None) -> None:
        if brackets is not None and not (isinstance(brackets, str) and brackets):
            raise ValueError(f"brackets={brackets!r}; expected a non-empty name, or None for the agent's own")
        self.brackets = brackets

    def pruner(self) -> Any:
        import optuna

        return optuna.pruners.HyperbandPruner(**HYPERBAND)

    def study_name(self, agent: str, seed: int) -> str:
        return f"{self.brackets or agent}-seed{seed}"  # the pruner's brackets hash it

    def options(self, env: HPOEnv, proposal: Proposal) -> dict[str, Any]:
        trial, base = proposal.trial, env.unwrapped

        def report(step: int, score: float) -> bool:
            trial.report(base.objective.reward(score), step)
            return bool(trial.should_prune())

        return {"report": report}
