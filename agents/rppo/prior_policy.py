"""A prior's policy: its weights in an :class:`~agents.rppo.policy.HPORecurrentPolicy`, and
the configurations it proposes (the weights file is read by :mod:`agents.transfer.files`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.base import max_episodes as max_episodes_for
from agents.transfer.files import check_prior

__all__ = ["load_prior_into", "policy_step", "prior_policy", "propose"]


def load_prior_into(policy: Any, prior: dict[str, Any], env: Any) -> None:
    """Copy the prior's weights into ``policy`` after :func:`check_prior` on ``env``."""
    check_prior(prior, env)
    policy.load_state_dict(prior["state_dict"])


def prior_policy(prior: dict[str, Any], env: Any) -> Any:
    """An :class:`~agents.rppo.policy.HPORecurrentPolicy` for ``env`` holding the prior's
    weights, for sampling (its optimizer is never built unless it is trained)."""
    from agents.rppo.policy import HPORecurrentPolicy

    policy = HPORecurrentPolicy(env.observation_space, env.action_space, lambda _: 0.0, **prior["policy_kwargs"])
    load_prior_into(policy, prior, env)
    policy.set_training_mode(False)
    return policy


def policy_step(policy: Any, obs: np.ndarray, state: Any, deterministic: bool = False) -> tuple[float, Any]:
    """One action of the recurrent ``policy`` on one observation, and its LSTM state after it;
    ``state`` None starts an episode (a zero state, ``episode_start`` set)."""
    import torch as th

    start = th.ones(1) if state is None else th.zeros(1)
    if state is None:
        lstm = policy.lstm_actor
        state = (th.zeros(lstm.num_layers, 1, lstm.hidden_size),) * 2
    with th.no_grad():
        dist, state = policy.get_distribution(th.as_tensor(np.asarray(obs, np.float32)[None]), state, start)
        return float(dist.get_actions(deterministic=deterministic).numpy().reshape(-1)[0]), state


def propose(
    policy: Any,
    env: Any,
    n: int,
    deterministic: bool = False,
    max_episodes: int | None = None,
) -> list[dict[str, Any]]:
    """Play episodes of ``policy`` on ``env`` until ``n`` were real evaluations (episodes
    answered from the cache do not count; at most ``max_episodes`` in all), and return
    every final ``info``. An env without ``n_real_evals`` counts every episode."""
    out: list[dict[str, Any]] = []
    base = getattr(env, "unwrapped", env)
    counts = hasattr(base, "n_real_evals")
    n_before = base.n_real_evals if counts else 0
    limit = int(max_episodes) if max_episodes is not None else max_episodes_for(int(n))

    def made() -> int:
        return base.n_real_evals - n_before if counts else len(out)

    while len(out) < limit and made() < int(n):
        obs, _ = env.reset()
        state, first, done = None, np.ones(1, dtype=bool), False
        while not done:
            action, state = policy.predict(obs, state=state, episode_start=first, deterministic=deterministic)
            first = np.zeros(1, dtype=bool)
            obs, _, done, _, info = env.step(action)
        out.append(info)
    return out
