"""The peers a practitioner would pick, as proposers on the env's space (:mod:`agents.loop`):
FLAML's cost-frugal searchers (:mod:`.flaml`). Needs the ``[peers]`` extra."""

from agents.peers.flaml import FLAML_XGB_START, FLAMLAgent, FLAMLProposer, flaml_space

__all__ = ["FLAML_XGB_START", "FLAMLAgent", "FLAMLProposer", "flaml_space"]
