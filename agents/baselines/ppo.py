"""SB3 PPO baselines on the same env: plain PPO with an MLP (no memory), and the paper's one-step ablation."""

from __future__ import annotations

from typing import Any

from agents.base import Agent, max_episodes
from agents.rppo.callbacks import RealEvalBudgetCallback
from agents.rppo.presets import PPOSettings
from hpo_env.env import HPOEnv
from hpo_env.wrappers import OneStepWrapper

__all__ = ["OnePassPPOAgent", "PPOAgent"]


class PPOAgent(Agent):
    """Plain SB3 PPO with an MLP policy on the same sequential env (no memory).

    Args:
        ppo: its settings; by default our agent's (:class:`~agents.rppo.presets.PPOSettings`:
            the paper's learning rate 0.007 and gamma 1, 8 episodes and 10 epochs per update).
    """

    name = "ppo"
    one_step = False

    def __init__(self, ppo: PPOSettings | None = None) -> None:
        self.ppo = ppo or PPOSettings()

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        import torch as th
        from stable_baselines3 import PPO

        th.set_num_threads(1)
        base = env.unwrapped
        e = OneStepWrapper(env) if self.one_step else env
        n_steps = self.ppo.episodes_per_update * (1 if self.one_step else base.n_hyperparameters)
        model = PPO(
            "MlpPolicy", e, n_steps=n_steps, batch_size=n_steps, seed=seed, device="cpu", **self.ppo.sb3_kwargs()
        )
        start = base.n_real_evals
        cb = RealEvalBudgetCallback(start + budget, start=start, max_episodes=max_episodes(budget))
        model.learn(10**12, callback=cb)
        return {"stalled": cb.stalled}


class OnePassPPOAgent(PPOAgent):
    """The paper's structure ablation: PPO picks all hyperparameters in one step (``Box(-1, 1, (n,))``)."""

    name = "onestep"
    one_step = True
