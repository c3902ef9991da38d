"""Multi-fidelity agents: partial evaluations first (:mod:`hpo_env.fidelity`), on the same env.

Each is a proposer under a schedule, run by the one loop (:mod:`agents.loop`):

- ``tpe-hyperband`` (:mod:`.hyperband`): Optuna's TPE under :class:`~agents.loop.Hyperband`;
- ``smac-mf`` (:mod:`.smac_mf`): SMAC3's ``MultiFidelityFacade``, which names each fidelity;
- ``rppo-prior-hb`` (:mod:`.prior_hb`): Hyperband proposing from the learned prior and a
  reward model over fidelities;
- ``portfolio-tpe-hyperband`` (:mod:`.portfolio_hb`): ``tpe-hyperband`` with the greedy
  portfolio proposed first, ``rppo-prior-hb``'s same-data baseline (:data:`.defaults.DEFAULT_AGENT`:
  what ``hpo-rl tune --multi-fidelity`` runs, through :mod:`agents.session`).
"""

from agents.loop.schedule import HYPERBAND
from agents.multifidelity.hyperband import TPEHyperbandAgent
from agents.multifidelity.portfolio_hb import PortfolioHyperbandAgent
from agents.multifidelity.prior_hb import PriorHyperbandAgent, PriorPoolProposer
from agents.multifidelity.smac_mf import SMACMultiFidelityAgent, SMACMultiFidelityProposer

__all__ = [
    "HYPERBAND",
    "PortfolioHyperbandAgent",
    "PriorHyperbandAgent",
    "PriorPoolProposer",
    "SMACMultiFidelityAgent",
    "SMACMultiFidelityProposer",
    "TPEHyperbandAgent",
]
