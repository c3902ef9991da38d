"""A whole tuning run as one episode: the meta-RL (RL²) form of the fast-mode multi-task env.

In :class:`~hpo_env.fast.multitask.MultiTaskSurrogateEnv` every configuration is its own
episode, so a recurrent policy starts each proposal from a blank state and cannot react
to what it measured. Here one episode is a *session* of ``trials`` configurations on one
task (RL², Duan et al. 2016; "learning to learn without gradient descent", Chen et al.
2017): the recurrent state runs across the session, and every observation also carries
what the session has measured so far, as ranks within the session (:class:`SessionMemory`),
so the same features exist on a new task, where no score range is known.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

__all__ = ["SESSION_FEATURES", "MetaSessionEnv", "SessionMemory"]

#: What a session observation adds after the base observation, in this order.
SESSION_FEATURES = ("has_score", "last_rank", "last_was_best")


class SessionMemory:
    """The scores and configurations of one session, and the features they give.

    The features (:data:`SESSION_FEATURES`), all in [0, 1]:

    - ``has_score``: 1 once a configuration has been measured in the session;
    - ``last_rank``: the share of the session's earlier scores strictly below the last one
      (1 for a new best; 0.5 after the first);
    - ``last_was_best``: 1 if the last score is the session's best so far.

    A failed evaluation counts as the lowest score. The same class serves meta-training
    (:class:`MetaSessionEnv`) and tuning (:class:`~agents.prior.rl2.RL2Agent`), so the policy
    sees at tuning time exactly the features it was trained on.

    Args:
        repeat_tol: a configuration within this distance (in action space, every
            coordinate) of one already proposed in the session is a repeat.
    """

    def __init__(self, repeat_tol: float = 0.01) -> None:
        self.repeat_tol = float(repeat_tol)
        self.scores: list[float] = []
        self.actions: list[np.ndarray] = []

    def features(self) -> np.ndarray:
        """:data:`SESSION_FEATURES` for the next proposal."""
        if not self.scores:
            return np.zeros(len(SESSION_FEATURES), np.float32)
        last, earlier = self.scores[-1], np.asarray(self.scores[:-1])
        rank = 0.5 if not len(earlier) else float((earlier < last).mean())
        best = float(not len(earlier) or last >= earlier.max())
        return np.array([1.0, rank, best], np.float32)

    def is_repeat(self, action: np.ndarray) -> bool:
        """Whether ``action`` (a whole configuration, in action space) repeats one of the session."""
        if not self.actions:
            return False
        gap = np.abs(np.asarray(self.actions) - np.asarray(action, np.float64)).max(axis=1).min()
        return bool(gap <= self.repeat_tol)

    def add(self, action: np.ndarray, score: float | None) -> None:
        """Record one measured configuration; ``score`` None (a failure) counts as the lowest."""
        self.actions.append(np.asarray(action, np.float64).reshape(-1))
        self.scores.append(-np.inf if score is None or not np.isfinite(score) else float(score))


class MetaSessionEnv(gym.Wrapper):
    """``HPO-XGB-MetaSession-v0``: one episode is a tuning session of ``trials`` configurations.

    ## Description
    Wraps a :class:`~hpo_env.fast.multitask.MultiTaskSurrogateEnv` (built from the same
    arguments). Each reset draws a task; the episode then proposes ``trials``
    configurations on it, one hyperparameter per step, without a reset in between, so a
    recurrent policy keeps its state across the whole session.

    ## Action Space
    ``Box(-1, 1, (1,), float32)``, as in :class:`~hpo_env.env.HPOEnv`.

    ## Observation Space
    The multi-task env's observation (previous action, next hyperparameter one-hot, the
    task's meta-features) followed by :data:`SESSION_FEATURES`; the previous action is 0
    at the first step of every configuration.

    ## Rewards
    After each configuration, the gain of the session's best percentile (the multi-task
    env's ``session`` reward), minus ``repeat_penalty`` if the configuration repeats one of
    the session (:meth:`SessionMemory.is_repeat`); 0 at the other steps. The return is the
    session's best percentile minus its penalties.

    ## Episode End
    Terminates after the last hyperparameter of the ``trials``-th configuration; never
    truncates.

    ## Info
    After each configuration, the multi-task env's terminal ``info`` plus ``trial`` (1-based).

    ## Arguments
    - ``trials``: configurations per session (default 25).
    - ``repeat_penalty``, ``repeat_tol``: the repeat guard, within the session.
    - ``env``: a multi-task env (built with ``session=trials`` and no repeat penalty of its
      own) to wrap instead of building one; how :meth:`clone` shares the surrogates.
    - every other keyword goes to :class:`~hpo_env.fast.multitask.MultiTaskSurrogateEnv`
      (``tasks``, ``exclude``, ``table_dir``, ``reward_power``, ``seed``, ...).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, trials: int = 25, *, repeat_penalty: float = 0.5, repeat_tol: float = 0.01, **kwargs: Any):
        from hpo_env.fast.multitask import MultiTaskSurrogateEnv

        if int(trials) < 1:
            raise ValueError(f"trials={trials!r}; expected a number of configurations >= 1")
        inner = kwargs.pop("env", None) or MultiTaskSurrogateEnv(session=int(trials), repeat_penalty=0.0, **kwargs)
        super().__init__(inner)
        self.trials, self.repeat_penalty, self.repeat_tol = int(trials), float(repeat_penalty), float(repeat_tol)
        base = inner.observation_space
        k = len(SESSION_FEATURES)
        self.observation_space = spaces.Box(
            np.concatenate([base.low, np.zeros(k, np.float32)]), np.concatenate([base.high, np.ones(k, np.float32)]),
            dtype=np.float32,
        )  # fmt: skip
        self.memory = SessionMemory(self.repeat_tol)

    def clone(self) -> MetaSessionEnv:
        """Another session env over the same surrogates (see the multi-task env's ``clone``)."""
        return MetaSessionEnv(self.trials, repeat_penalty=self.repeat_penalty, repeat_tol=self.repeat_tol,
                              env=self.env.clone())  # fmt: skip

    def _obs(self, obs: np.ndarray) -> np.ndarray:
        return np.concatenate([obs, self.memory.features()]).astype(np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options={**(options or {}), "new_task": True})
        self.memory = SessionMemory(self.repeat_tol)
        return self._obs(obs), info

    def step(self, action: np.ndarray):
        obs, reward, done, _, info = self.env.step(action)
        if not done:
            return self._obs(obs), 0.0, False, False, info
        x = self.env.current_env.space.encode(info["config"])
        if self.memory.is_repeat(x):
            reward -= self.repeat_penalty
        self.memory.add(x, None if info.get("error") is not None else info["val_score"])
        info = {**info, "trial": len(self.memory.scores)}
        if len(self.memory.scores) >= self.trials:
            return self._obs(obs), float(reward), True, False, info
        obs, _ = self.env.reset()
        return self._obs(obs), float(reward), False, False, info
