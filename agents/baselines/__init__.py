"""Baseline optimisers on the same env: random search, Optuna (TPE, CMA-ES), SMAC3 (:mod:`.ask_tell`),
and SB3 PPO with the paper's one-step ablation (:mod:`.ppo`)."""

from agents.baselines.ask_tell import OptunaAgent, PortfolioAgent, RandomSearchAgent, SMACAgent
from agents.baselines.ppo import OnePassPPOAgent, PPOAgent

__all__ = ["OnePassPPOAgent", "OptunaAgent", "PPOAgent", "PortfolioAgent", "RandomSearchAgent", "SMACAgent"]
