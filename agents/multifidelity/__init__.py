"""Multi-fidelity agents: partial evaluations first (:mod:`hpo_env.fidelity`), on the same env.

- ``tpe-hyperband`` (:mod:`.hyperband`): Optuna's TPE with its ``HyperbandPruner``;
- ``smac-mf`` (:mod:`.smac_mf`): SMAC3's ``MultiFidelityFacade``;
- ``rppo-prior-hb`` (:mod:`.prior_hb`): Hyperband proposing from the learned prior and a
  reward model over fidelities; ``tune_multi_fidelity`` (:mod:`.tune`) tunes one task with it;
- ``portfolio-tpe-hyperband`` (:mod:`.portfolio_hb`): ``tpe-hyperband`` with the greedy
  portfolio proposed first, ``rppo-prior-hb``'s same-data baseline.
"""

from agents.multifidelity.hyperband import HYPERBAND, PrunedOptunaAgent, TPEHyperbandAgent
from agents.multifidelity.portfolio_hb import PortfolioHyperbandAgent
from agents.multifidelity.prior_hb import PriorHyperbandAgent
from agents.multifidelity.smac_mf import SMACMultiFidelityAgent
from agents.multifidelity.tune import tune_multi_fidelity

__all__ = [
    "HYPERBAND",
    "PortfolioHyperbandAgent",
    "PriorHyperbandAgent",
    "PrunedOptunaAgent",
    "SMACMultiFidelityAgent",
    "TPEHyperbandAgent",
    "tune_multi_fidelity",
]
