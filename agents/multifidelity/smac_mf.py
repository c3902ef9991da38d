"""``smac-mf``: SMAC3's ``MultiFidelityFacade`` (Hyperband with a random-forest model), whose
budget is the fraction of boosting rounds.

SMAC asks for a configuration at a budget in learning-curve steps (1 to
:data:`~hpo_env.fidelity.CURVE_STEPS`, rungs at reduction factor 3); the episode trains
that fraction of the configuration's rounds (:mod:`hpo_env.fidelity`). A budget of all
steps is a full evaluation, the only kind the env lets be the incumbent.
"""

from __future__ import annotations

import tempfile
from typing import Any, ClassVar

from agents.base import Agent, max_episodes, play_episode
from agents.multifidelity.hyperband import HYPERBAND
from hpo_env.adapters import configspace
from hpo_env.env import HPOEnv
from hpo_env.fidelity import CURVE_STEPS, full_evals
from hpo_env.optional import require

__all__ = ["SMACMultiFidelityAgent"]


class SMACMultiFidelityAgent(Agent):
    """SMAC3's ``MultiFidelityFacade`` through ask/tell, with the boosting rounds as its budget.

    Needs the optional extra: ``pip install -e ".[smac]"``.
    """

    name = "smac-mf"
    requires: ClassVar[tuple[str, ...]] = ("smac", "ConfigSpace")
    multi_fidelity: ClassVar[bool] = True

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        require(f"agent {self.name!r}", *self.requires)
        from smac import MultiFidelityFacade, Scenario
        from smac.runhistory.dataclasses import TrialValue

        base = env.unwrapped
        start = base.n_real_evals
        with tempfile.TemporaryDirectory(prefix="hpo-rl-smac-mf-") as tmp:
            scenario = Scenario(
                configspace(base.space, seed), deterministic=True, n_trials=max_episodes(budget), seed=seed,
                output_directory=tmp, min_budget=HYPERBAND["min_resource"], max_budget=HYPERBAND["max_resource"],
            )  # fmt: skip
            intensifier = MultiFidelityFacade.get_intensifier(scenario, eta=HYPERBAND["reduction_factor"])
            smac = MultiFidelityFacade(
                scenario, lambda config, seed=0, budget=0: 0.0, intensifier=intensifier, overwrite=True,
                logging_level=40,
            )  # fmt: skip
            for _ in range(max_episodes(budget)):
                if full_evals(base.history.records[start:]) >= budget:
                    break
                info = smac.ask()
                config = {name: info.config[name] for name in base.space.names}
                fidelity = {"rounds": float(info.budget) / CURVE_STEPS}
                reward, _ = play_episode(env, base.space.encode(config), {"fidelity": fidelity})
                smac.tell(info, TrialValue(cost=-reward))  # SMAC minimises a cost
        return None
