"""Optimisers that propose whole configurations: random search, Optuna (TPE, CMA-ES, our
sampler) and SMAC3, each a proposer (:mod:`agents.loop`) trained in full by the one loop.

Each follows :class:`~agents.base.Agent`: it talks to the env only, and a configuration it
picks in its own terms reaches the env through the search space's ``encode``.
"""

from __future__ import annotations

import tempfile
from typing import Any, ClassVar

from agents.loop import LoopAgent, OptunaProposer, Proposal, Proposer, RandomProposer
from hpo_env.adapters import configspace
from hpo_env.env import HPOEnv

__all__ = ["OptunaAgent", "RandomSearchAgent", "SMACAgent", "SMACProposer"]


class RandomSearchAgent(LoopAgent):
    """Uniform random actions: uniform on linear ranges, log-uniform on log ones."""

    def __init__(self) -> None:
        super().__init__("random", RandomProposer())


class OptunaAgent(LoopAgent):
    """An Optuna sampler (:class:`~agents.loop.OptunaProposer`): ``tpe``, ``cmaes`` or
    ``rppo-optuna``, so the benchmark measures our agent the way an Optuna user runs it too."""

    SAMPLERS: ClassVar[tuple[str, ...]] = (*OptunaProposer.SAMPLERS, "rppo-optuna")

    def __init__(self, sampler: str = "tpe") -> None:
        if sampler not in self.SAMPLERS:
            raise ValueError(f"sampler={sampler!r}; expected one of {self.SAMPLERS}")
        make = _recurrent_ppo_sampler if sampler == "rppo-optuna" else None
        super().__init__(sampler, OptunaProposer(sampler, make))
        self.sampler = sampler


def _recurrent_ppo_sampler(seed: int) -> Any:
    from agents.rppo.optuna_sampler import RecurrentPPOSampler

    return RecurrentPPOSampler(seed=seed)


class SMACProposer(Proposer):
    """SMAC3's ``HyperparameterOptimizationFacade`` (random forest + EI) through ask/tell."""

    requires: ClassVar[tuple[str, ...]] = ("smac", "ConfigSpace")

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        self._space = env.unwrapped.space
        self._tmp = tempfile.TemporaryDirectory(prefix="hpo-rl-smac-")
        self._smac = self._facade(configspace(self._space, seed), seed, budget, self._tmp.name)

    def _facade(self, cs: Any, seed: int, budget: int, out: str) -> Any:
        """SMAC's facade on ConfigSpace ``cs``, writing to ``out``."""
        from smac import HyperparameterOptimizationFacade, Scenario

        scenario = Scenario(cs, deterministic=True, n_trials=budget, seed=seed, output_directory=out)
        return HyperparameterOptimizationFacade(scenario, lambda config, seed=0: 0.0, overwrite=True, logging_level=40)

    def ask(self) -> Proposal:
        info = self._smac.ask()
        config = info.config  # the active hyperparameters only, in a conditional space
        return Proposal({name: config[name] for name in self._space.names if name in config}, handle=info)

    def tell(self, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:
        from smac.runhistory.dataclasses import TrialValue

        self._smac.tell(proposal.handle, TrialValue(cost=-reward))  # SMAC minimises a cost

    def close(self) -> None:
        self._tmp.cleanup()


class SMACAgent(LoopAgent):
    """SMAC3's HyperparameterOptimizationFacade (:class:`SMACProposer`).

    Needs the optional extra: ``pip install -e ".[smac]"``.
    """

    def __init__(self) -> None:
        super().__init__("smac", SMACProposer())
