"""A whole time-budgeted tuning run as one episode, on YAHPO's simulated clock: the env a
learned agent for time is meta-trained on (issue 35, item 4).

The paper's MDP, one hyperparameter per step, with one more step per configuration: its
fidelity, the fraction of the scenario's fidelity (``trainsize`` or ``epoch``) to train it
at. The recurrent state runs across the run's configurations (RL², as
:class:`~hpo_env.fast.session.MetaSessionEnv`), and the observation carries the clock: the
share of the time budget spent, the last evaluation's cost and fidelity
(:class:`ClockMemory`). The return is the anytime score the benchmarks report: the area
under the best full-fidelity percentile so far against log time.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from hpo_env.env import HPOEnv, safe_evaluate
from hpo_env.fast.session import SESSION_FEATURES, SessionMemory
from hpo_env.fidelity import Fidelity, FidelityRun

__all__ = [
    "FIDELITIES",
    "FIDELITY_MIN",
    "TIME_FEATURES",
    "ClockMemory",
    "YahpoTimeSessionEnv",
    "fidelity_of",
    "time_observation",
]

#: The fidelities a configuration can be trained at: Hyperband's rungs (reduction factor 3).
FIDELITIES = (1 / 27, 1 / 9, 1 / 3, 1.0)
FIDELITY_MIN = FIDELITIES[0]
#: What a time-session observation adds after the hyperparameter part, in this order.
TIME_FEATURES = (*SESSION_FEATURES, "spent", "last_cost", "last_fidelity")
#: ``last_cost`` is ``1 + log10(seconds / budget) / COST_DECADES``, clipped to [0, 1]: an
#: evaluation of 1/1000 of the budget or less is 0, one of the whole budget 1.
COST_DECADES = 3.0


def fidelity_of(action: float) -> float:
    """The fidelity an action in [-1, 1] asks for: :data:`FIDELITIES` split [-1, 1] into equal
    parts, from 1/27 at -1 to full above 2/3."""
    level = round((float(np.clip(action, -1.0, 1.0)) + 1.0) / 2.0 * (len(FIDELITIES) - 1))
    return FIDELITIES[level]


class ClockMemory(SessionMemory):
    """A run's measured configurations and its clock, and the features they give
    (:data:`TIME_FEATURES`, all in [0, 1]): :class:`~hpo_env.fast.session.SessionMemory`'s,
    then ``spent`` (the share of ``budget_s`` spent), ``last_cost`` (see :data:`COST_DECADES`)
    and ``last_fidelity`` (0 at :data:`FIDELITY_MIN`, 1 in full). The same class serves
    meta-training and tuning, so the policy sees at tuning time what it was trained on.

    Args:
        budget_s: the run's time budget in seconds.
    """

    def __init__(self, budget_s: float) -> None:
        super().__init__()
        if not budget_s > 0:
            raise ValueError(f"budget_s={budget_s!r}; expected a time budget in seconds > 0")
        self.budget_s, self.spent_s, self._last = float(budget_s), 0.0, (0.0, 0.0)

    def record(self, action: np.ndarray, score: float | None, seconds: float, fidelity: float) -> None:
        """One evaluation: its configuration (in action space), score (None: failed), seconds and fidelity."""
        self.add(action, score)
        self.spent_s += max(0.0, float(seconds))
        cost = 1.0 + np.log10(max(float(seconds), 1e-12) / self.budget_s) / COST_DECADES
        self._last = (float(np.clip(cost, 0.0, 1.0)), 1.0 + np.log(fidelity) / np.log(1 / FIDELITY_MIN))

    def features(self) -> np.ndarray:
        spent = min(1.0, self.spent_s / self.budget_s)
        return np.concatenate([super().features(), [spent, *self._last]]).astype(np.float32)


def time_observation(hp_obs: np.ndarray, fidelity_next: bool, memory: ClockMemory) -> np.ndarray:
    """The observation: the hyperparameter env's (previous action, one-hot of the next
    hyperparameter; the one-hot zeroed at the fidelity step), 1 at the fidelity step, then
    the memory's features."""
    hp = np.array(hp_obs, np.float32, copy=True)
    if fidelity_next:
        hp[1:] = 0.0
    return np.concatenate([hp, [float(fidelity_next)], memory.features()]).astype(np.float32)


def observation_space(hp_space: spaces.Box) -> spaces.Box:
    """The observation space of :func:`time_observation` over a hyperparameter env's."""
    k = 1 + len(TIME_FEATURES)
    low, high = np.concatenate([hp_space.low, np.zeros(k)]), np.concatenate([hp_space.high, np.ones(k)])
    return spaces.Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)


class YahpoTimeSessionEnv(gym.Env[np.ndarray, np.ndarray]):
    """``HPO-XGB-YAHPO-TimeSession-v0``: one episode is a time-budgeted tuning run on one task.

    ## Description
    Holds one :class:`~hpo_env.env.HPOEnv` over a :class:`~hpo_env.yahpo.YahpoObjective` per
    task of a YAHPO scenario. Each reset draws a task uniformly; the run's time budget is
    ``budget_evals`` times the task's median full-evaluation seconds on the menu
    (:func:`~hpo_env.yahpo.menu.yahpo_menu`). Each configuration takes one step per active
    hyperparameter (``booster`` first; inactive ones are skipped, as in ``HPO-XGB-YAHPO-v0``),
    then one step for its fidelity; it is then evaluated on the simulated clock.

    ## Action Space
    ``Box(-1, 1, (1,), float32)``: the hyperparameter's value, decoded by the space; at the
    fidelity step, the fidelity (:func:`fidelity_of`: 1/27, 1/9 or 1/3 of ``trainsize``, or full).

    ## Observation Space
    :func:`time_observation`: previous action, one-hot of the next hyperparameter, 1 at the
    fidelity step, then :data:`TIME_FEATURES`.

    ## Rewards
    The area under the run's best percentile so far against log time, paid as the clock
    moves: an evaluation from ``t`` to ``t'`` pays ``best * (L(t') - L(t))`` with
    ``L(t) = log(t / m) / log(budget / m)`` clipped to [0, 1] (``m``: the task's median
    evaluation seconds), where ``best`` is the best percentile among the menu's scores reached
    by a full-fidelity evaluation finished before (0 before the first). The return is in
    [0, 1], the anytime score of ``hpo-rl report`` on a percentile scale. A partial or failed
    evaluation pays for its time and raises nothing.

    ## Starting State
    A new task, the clock at 0, nothing measured.

    ## Episode End
    Terminates when an evaluation ends past the budget (it counts for nothing), or after
    ``max_evals`` evaluations, which are paid the rest of the budget at their best.

    ## Info
    After each evaluation: ``task``, ``config``, ``fidelity``, ``val_score``, ``seconds``,
    ``spent_s``, ``budget_s``, ``best_percentile``, ``error``.

    ## Arguments
    - ``tasks``: OpenML ids of the scenario (default: all); ``exclude``: ids to leave out
      (held-out folds).
    - ``scenario``, ``yahpo_dir``: as for ``HPO-XGB-YAHPO-v0``.
    - ``budget_evals``: the time budget in median evaluations (default 30).
    - ``max_evals``: evaluations per run at most (default 300).
    - ``candidates``, ``seed``: the menu's size and seed (percentiles and median seconds).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(
        self, tasks: Sequence[str | int] | None = None, *, exclude: Sequence[str | int] = (),
        scenario: str = "rbv2_xgboost", yahpo_dir: str | os.PathLike[str] | None = None, budget_evals: float = 30.0,
        max_evals: int = 300, candidates: int = 300, seed: int = 0,
    ) -> None:  # fmt: skip
        from hpo_env.yahpo.menu import yahpo_menu
        from hpo_env.yahpo.objective import YahpoObjective
        from hpo_env.yahpo.surrogate import YahpoSurrogate

        if not budget_evals > 1 or int(max_evals) < 1:
            raise ValueError(f"budget_evals={budget_evals!r}, max_evals={max_evals!r}; expected > 1 and >= 1")
        names, _, _, val, secs = yahpo_menu(candidates, seed, yahpo_dir, scenario)
        ids = [n.rsplit("/", 1)[1] for n in names]
        self.tasks = _chosen(ids, tasks, exclude)
        cols = [ids.index(t) for t in self.tasks]
        self._sorted = [np.sort(val[:, c]) for c in cols]
        self._median_s = [float(np.median(secs[:, c])) for c in cols]
        surrogate = YahpoSurrogate(scenario, yahpo_dir)  # one for every task's objective
        self._objectives = [YahpoObjective(t, surrogate) for t in self.tasks]
        self.budget_evals, self.max_evals = float(budget_evals), int(max_evals)
        self._build()

    def _build(self) -> None:
        """Each task's hyperparameter env (its own episode state over the shared objectives)."""
        self._envs = [HPOEnv(o, cache=False) for o in self._objectives]
        first, self._i = self._envs[0], 0
        self.space, self.action_space = first.space, first.action_space
        self.n_hyperparameters = first.n_hyperparameters + 1  # steps per configuration, at most
        self.observation_space = observation_space(first.observation_space)

    def clone(self) -> YahpoTimeSessionEnv:
        """Another env over the same surrogate and menu, with its own episode state."""
        new = copy.copy(self)
        new._build()
        new._np_random = None
        return new

    @property
    def current_task(self) -> str:
        return self.tasks[self._i]

    def task_names(self) -> list[str]:
        """The tasks' specs (``yahpo:<scenario>/<id>``), as learned files record what they saw."""
        return [o.task.name for o in self._objectives]

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._i = int(self.np_random.integers(len(self._envs)))
        m = self._median_s[self._i]
        self._memory, self._best, self._n, self._pending = ClockMemory(self.budget_evals * m), 0.0, 0, None
        hp_obs, _ = self._envs[self._i].reset()
        return time_observation(hp_obs, False, self._memory), {"task": self.current_task}

    def step(self, action: np.ndarray):
        env = self._envs[self._i]
        if self._pending is None:
            hp_obs, config = env.advance(action)
            self._pending = config
            return time_observation(hp_obs, config is not None, self._memory), 0.0, False, False, {}
        config, self._pending, fid = self._pending, None, fidelity_of(float(np.asarray(action).reshape(-1)[0]))
        run = None if fid >= 1.0 else FidelityRun(Fidelity(data=fid))
        ev = safe_evaluate(env.objective, config, run)
        reward, done = self._account(env.space.encode(config), ev, fid)
        info = {"task": self.current_task, "config": config, "fidelity": fid, "val_score": ev.val_score,
                "seconds": ev.seconds, "spent_s": self._memory.spent_s, "budget_s": self._memory.budget_s,
                "best_percentile": self._best, "error": ev.error}  # fmt: skip
        hp_obs = env.observation(0.0, 0) if done else env.reset()[0]
        return time_observation(hp_obs, False, self._memory), reward, done, False, info

    def _log_time(self, t: float) -> float:
        """``L(t)`` of the rewards, in [0, 1]."""
        m = self._median_s[self._i]
        return float(np.clip(np.log(max(t, m) / m) / np.log(self.budget_evals), 0.0, 1.0))

    def _account(self, x: np.ndarray, ev: Any, fid: float) -> tuple[float, bool]:
        """Move the clock by one evaluation: its reward, and whether the run ends."""
        mem, t = self._memory, self._memory.spent_s
        mem.record(x, None if ev.error is not None else ev.val_score, ev.seconds, fid)
        reward = self._best * (self._log_time(min(mem.spent_s, mem.budget_s)) - self._log_time(t))
        if mem.spent_s >= mem.budget_s:
            return reward, True
        if fid >= 1.0 and ev.error is None:
            s = self._sorted[self._i]
            self._best = max(self._best, float(np.searchsorted(s, ev.val_score, side="right") / len(s)))
        self._n += 1
        if self._n >= self.max_evals:
            return reward + self._best * (1.0 - self._log_time(mem.spent_s)), True
        return reward, False


def _chosen(ids: list[str], tasks: Sequence[str | int] | None, exclude: Sequence[str | int]) -> list[str]:
    """The task ids to train on, or a clear error naming the unknown ones."""
    want, out = [str(t) for t in (ids if tasks is None else tasks)], {str(t) for t in exclude}
    unknown = sorted((set(want) | out) - set(ids))
    if unknown:
        raise ValueError(f"unknown task id(s) {unknown}; expected ids of the scenario, e.g. {ids[:3]}")
    chosen = [t for t in want if t not in out]
    if not chosen:
        raise ValueError(f"no task left: tasks={tasks!r}, exclude={list(exclude)!r}")
    return chosen
