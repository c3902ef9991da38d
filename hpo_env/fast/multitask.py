"""Fast mode across many tasks: the env a prior is meta-trained on.

Each episode is played on one task drawn at random from a set of fast-mode tables. The
observation carries the task's meta-features, so one policy can learn where good
configurations lie for each kind of data. Rewards are made comparable across tasks: the
final reward is the percentile of the predicted validation score among that task's
measured evaluations, so a task whose scores span 0.95-0.96 weighs as much as one
spanning 0.3-0.9.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from hpo_env.env import HPOEnv, safe_evaluate
from hpo_env.fast.surrogate import make_surrogate_env
from hpo_env.fast.tables import list_tables

__all__ = ["MultiTaskSurrogateEnv"]


class MultiTaskSurrogateEnv(gym.Env[np.ndarray, np.ndarray]):
    """``HPO-XGB-MultiTask-v0``: one surrogate task per episode, rewarded by percentile.

    ## Description
    Holds one ``HPO-XGB-Surrogate-v0`` env (with ``meta_features=True``) per task. Each
    reset draws a task uniformly from the env's RNG; the episode then runs on that
    task's env exactly as in the single-task env, but nothing is recorded in a history
    (meta-training plays hundreds of thousands of episodes).

    ## Action Space
    ``Box(-1, 1, (1,), float32)``, as in :class:`~hpo_env.env.HPOEnv`.

    ## Observation Space
    :class:`~hpo_env.env.HPOEnv`'s with the meta-features as its context:
    ``1 + n + len(META_FEATURES)`` values (previous action, next hyperparameter one-hot,
    the task's meta-features).

    ## Rewards
    0 until the last step, then ``p ** reward_power`` with ``p`` the share of the task's
    measured (non-failed) validation scores at or below the predicted one, in [0, 1]. A
    power above 1 weighs the top of each task's range most: what a search needs is a
    few excellent proposals, not many fair ones. A failed (e.g. timed-out)
    configuration scores 0. With ``session=K`` the task is drawn once per ``K`` episodes
    and the reward is the gain over the best of the session so far, so a session's
    return is its best reward: the policy learns to make the best of ``K`` proposals
    good, not each proposal fair. ``repeat_penalty`` is subtracted when the configuration lies
    within ``repeat_tol`` (in action space, every coordinate) of one of the last
    ``repeat_window`` configurations proposed on that task: a guard against a policy
    collapsing onto one configuration (for example a corner of the space).

    ## Episode End
    Terminates after the last hyperparameter; never truncates.

    ``reset(options={"new_task": True})`` starts a new session (a new task) at once.

    ## Info
    The terminal ``info`` has ``task``, ``val_score`` (predicted), ``percentile``,
    ``repeated`` and ``config``.

    ## Arguments
    - ``tasks``: task specs with a table; default: every table in ``table_dir``.
    - ``exclude``: task specs to leave out (leave-one-task-out training).
    - ``table_dir``: where tables are (see :func:`hpo_env.fast.tables.default_table_dir`).
    - ``regressor``, ``noise_std``: as in :func:`~hpo_env.fast.surrogate.make_surrogate_env`.
    - ``reward_power``: the exponent above (default 1: the plain percentile).
    - ``session``: episodes per task draw, with improvement rewards (default None: a
      new task every episode, plain rewards).
    - ``repeat_penalty``, ``repeat_window``, ``repeat_tol``: the repeat guard above.
    - ``seed``: seeds the surrogates; the task draws follow ``reset(seed=...)``.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(
        self,
        tasks: Sequence[str] | None = None,
        *,
        exclude: Sequence[str] = (),
        table_dir: str | os.PathLike[str] | None = None,
        regressor: str = "extra_trees",
        noise_std: float = 0.0,
        reward_power: float = 1.0,
        session: int | None = None,
        repeat_penalty: float = 0.5,
        repeat_window: int = 64,
        repeat_tol: float = 0.01,
        seed: int = 0,
    ) -> None:
        known = list_tables(table_dir)
        chosen = list(known if tasks is None else tasks)
        unknown = sorted(set(chosen) - set(known)) + sorted(set(exclude) - set(known))
        if unknown:
            raise ValueError(f"no table for task(s) {unknown}; tasks with a table: {known}")
        chosen = [t for t in chosen if t not in set(exclude)]
        if not chosen:
            raise ValueError(f"no task left to train on: tasks={tasks!r}, exclude={list(exclude)!r}")
        self.tasks = chosen
        self.envs: list[HPOEnv] = [
            make_surrogate_env(t, table_dir=table_dir, regressor=regressor, noise_std=noise_std, seed=seed,
                               meta_features=True, cache=False)
            for t in chosen
        ]  # fmt: skip
        first = self.envs[0]
        for t, e in zip(chosen, self.envs, strict=True):
            if e.space != first.space:
                raise ValueError(f"task {t!r} has another search space than {chosen[0]!r}; one policy needs one space")
        self.space = first.space
        self.n_hyperparameters = first.n_hyperparameters
        self.action_space = first.action_space
        self.observation_space = first.observation_space
        self._sorted_val = []
        for e in self.envs:
            table = e.objective.table
            self._sorted_val.append(np.sort(table.val[~table.failed]))
        if not reward_power > 0:
            raise ValueError(f"reward_power={reward_power!r}; expected a number > 0")
        self.reward_power = float(reward_power)
        if session is not None and int(session) < 1:
            raise ValueError(f"session={session!r}; expected None or a number of episodes >= 1")
        self.session = None if session is None else int(session)
        self._left = 0  # episodes left in the current session
        self._best = 0.0  # best reward so far in the current session
        self.repeat_penalty = float(repeat_penalty)
        self.repeat_tol = float(repeat_tol)
        if int(repeat_window) < 1:
            raise ValueError(f"repeat_window={repeat_window!r}; expected a number of configurations >= 1")
        # Per task, a ring of its last ``repeat_window`` configurations (as actions); empty slots
        # are infinitely far, so one vector comparison checks them all.
        self._recent = np.full((len(chosen), int(repeat_window), self.n_hyperparameters), np.inf)
        self._slot = np.zeros(len(chosen), dtype=np.int64)
        self._i = 0

    def clone(self) -> MultiTaskSurrogateEnv:
        """Another env over the same surrogates (built once), with its own episode state and
        repeat memory: how a vector env gets many copies without refitting every forest."""
        new = copy.copy(self)
        new.envs = [HPOEnv(e.objective, cache=False, context=e.context) for e in self.envs]
        new._recent = np.full_like(self._recent, np.inf)
        new._slot = np.zeros_like(self._slot)
        new._np_random = None
        return new

    @property
    def current_task(self) -> str:
        return self.tasks[self._i]

    @property
    def current_env(self) -> HPOEnv:
        """The single-task env the current episode runs on."""
        return self.envs[self._i]

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if self.session is None or self._left <= 0 or seed is not None or (options or {}).get("new_task"):
            self._i = int(self.np_random.integers(len(self.envs)))
            self._left, self._best = self.session or 0, 0.0
        obs, info = self.envs[self._i].reset()
        return obs, {**info, "task": self.current_task}

    def percentile(self, task_index: int, val: float) -> float:
        """Share of the task's measured validation scores at or below ``val``."""
        s = self._sorted_val[task_index]
        return float(np.searchsorted(s, val, side="right") / len(s))

    def step(self, action: np.ndarray):
        env = self.envs[self._i]
        obs, config = env.advance(action)
        if config is None:
            return obs, 0.0, False, False, {}
        ev = safe_evaluate(env.objective, config)
        pct = 0.0 if ev.error is not None else self.percentile(self._i, ev.val_score)
        reward = pct**self.reward_power
        if self.session is not None:
            reward, self._best = max(0.0, reward - self._best), max(self._best, reward)
            self._left -= 1  # a session counts finished episodes, not resets
        x = env.space.encode(config)
        recent = self._recent[self._i]
        repeated = bool(np.abs(recent - x).max(axis=1).min() <= self.repeat_tol)
        recent[self._slot[self._i] % len(recent)] = x
        self._slot[self._i] += 1
        info = {"task": self.current_task, "val_score": ev.val_score, "percentile": pct, "repeated": repeated,
                "config": config, "error": ev.error}  # fmt: skip
        if repeated:
            reward -= self.repeat_penalty
        return obs, reward, True, False, info
