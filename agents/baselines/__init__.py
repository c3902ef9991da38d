"""Baseline optimisers on the same env: random search, Optuna (TPE, CMA-ES), SMAC3 (:mod:`.ask_tell`),
the greedy portfolio (:mod:`.portfolio`), and SB3 PPO with the paper's one-step ablation (:mod:`.ppo`)."""

from agents.baselines.ask_tell import OptunaAgent, RandomSearchAgent, SMACAgent, SMACProposer
from agents.baselines.portfolio import PortfolioAgent, PortfolioProposer
from agents.baselines.ppo import OnePassPPOAgent, PPOAgent

__all__ = [
    "OnePassPPOAgent",
    "OptunaAgent",
    "PPOAgent",
    "PortfolioAgent",
    "PortfolioProposer",
    "RandomSearchAgent",
    "SMACAgent",
    "SMACProposer",
]
