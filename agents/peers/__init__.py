"""The peers a practitioner would pick, as proposers on the env's space (:mod:`agents.loop`):
FLAML's cost-frugal searchers (:mod:`.flaml`) and Syne Tune's transfer baseline
``BoundingBox`` (:mod:`.synetune`). Needs the ``[peers]`` extra."""

from agents.peers.flaml import FLAML_XGB_START, FLAMLAgent, FLAMLProposer, flaml_space
from agents.peers.synetune import SyneTuneAgent, SyneTuneProposer, synetune_space, transfer_evaluations

__all__ = [
    "FLAML_XGB_START",
    "FLAMLAgent",
    "FLAMLProposer",
    "SyneTuneAgent",
    "SyneTuneProposer",
    "flaml_space",
    "synetune_space",
    "transfer_evaluations",
]
