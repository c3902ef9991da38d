"""``smac-mf``: SMAC3's ``MultiFidelityFacade`` (Hyperband with a random-forest model), whose
budget is the fraction of boosting rounds.

SMAC asks for a configuration at a budget in learning-curve steps (1 to
:data:`~hpo_env.fidelity.CURVE_STEPS`, rungs at reduction factor 3); the episode trains
that fraction of the configuration's rounds (:mod:`hpo_env.fidelity`). A budget of all
steps is a full evaluation, the only kind the env lets be the incumbent. SMAC chooses the
fidelity itself, so the proposer names it and the loop's plain schedule trains it as named.
"""

from __future__ import annotations

from typing import Any, ClassVar

from agents.base import max_episodes
from agents.baselines.ask_tell import SMACProposer
from agents.loop import HYPERBAND, LoopAgent, Proposal
from hpo_env.fidelity import CURVE_STEPS

__all__ = ["SMACMultiFidelityAgent", "SMACMultiFidelityProposer"]


class SMACMultiFidelityProposer(SMACProposer):
    """SMAC3's ``MultiFidelityFacade`` through ask/tell, each proposal at the budget SMAC gives it."""

    multi_fidelity: ClassVar[bool] = True

    def _facade(self, cs: Any, seed: int, budget: int, out: str) -> Any:
        from smac import MultiFidelityFacade, Scenario

        scenario = Scenario(
            cs, deterministic=True, n_trials=max_episodes(budget), seed=seed, output_directory=out,
            min_budget=HYPERBAND["min_resource"], max_budget=HYPERBAND["max_resource"],
        )  # fmt: skip
        intensifier = MultiFidelityFacade.get_intensifier(scenario, eta=HYPERBAND["reduction_factor"])
        return MultiFidelityFacade(
            scenario, lambda config, seed=0, budget=0: 0.0, intensifier=intensifier, overwrite=True, logging_level=40
        )

    def ask(self) -> Proposal:
        proposal = super().ask()
        proposal.fidelity = {"rounds": float(proposal.handle.budget) / CURVE_STEPS}
        return proposal


class SMACMultiFidelityAgent(LoopAgent):
    """SMAC3's ``MultiFidelityFacade`` with the boosting rounds as its budget.

    Needs the optional extra: ``pip install -e ".[smac]"``.
    """

    def __init__(self) -> None:
        super().__init__("smac-mf", SMACMultiFidelityProposer())
