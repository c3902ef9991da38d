"""The paper's ablations as named benchmark matrices: ``hpo-rl experiment NAME``.

Each experiment is a set of agents run side by side on the same tasks and seeds; the
report then compares them. Names of agents are those of :data:`agents.registry.AGENTS`.
"""

from __future__ import annotations

__all__ = ["EXPERIMENTS"]

EXPERIMENTS: dict[str, dict[str, object]] = {
    "structure": {
        "agents": ["rppo", "onestep"],
        "doc": "sequential choice (one hyperparameter per step) against all hyperparameters in one step",
    },
    "order": {
        "agents": ["rppo", "rppo-shuffle"],
        "doc": "the fixed hyperparameter order against a new random order per episode",
    },
    "model": {
        "agents": ["rppo", "rppo-mb"],
        "doc": "no reward model against the reward model with the dynamic KL horizon",
    },
    "horizon": {
        "agents": ["rppo-mb-fixed", "rppo-mb"],
        "doc": "a fixed model horizon against the dynamic KL horizon",
    },
}
