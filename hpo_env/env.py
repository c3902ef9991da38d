"""The HPO environment: one hyperparameter per step, the validation score as the final reward."""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from hpo_env.fidelity import PARTIAL_KEYS, Fidelity, FidelityRun, Reporter
from hpo_env.history import History, config_key
from hpo_env.objectives.base import Evaluation, Objective, is_bad_score
from hpo_env.spaces import SearchSpace

__all__ = ["HPOEnv", "TimeBudgetSpent", "make_cnn_env", "make_xgb_env", "safe_evaluate", "step_through"]


class TimeBudgetSpent(Exception):
    """An evaluation was asked for after the env's ``stop_at`` (its wall-clock budget)."""


class HPOEnv(gym.Env[np.ndarray, np.ndarray]):
    """Hyperparameter optimisation as a sequential decision problem (Wu, Chen & Liu, 2020).

    ## Description
    An episode builds one configuration of the objective's search space, one
    hyperparameter per step. After the last step the configuration is trained and scored
    on the validation split, and that score is the reward. Every real evaluation goes into
    ``env.history``; the best so far is ``env.history.incumbent``.

    ## Action Space
    ``Box(-1, 1, (1,), float32)``: the action for the hyperparameter named by the
    observation. It is decoded by the search space (linear, log, integer bins or
    categorical bins). Values outside [-1, 1] are clipped; a NaN or wrongly shaped action
    raises ``ValueError``.

    ## Observation Space
    ``Box((1 + n,), float32)`` with ``n`` the number of hyperparameters:

    | index | meaning | range |
    |---|---|---|
    | 0 | previous action (0 at the first step) | [-1, 1] |
    | 1 + i | 1 if hyperparameter ``i`` (space order) comes next, else 0 | {0, 1} |
    | 1 + n + j | ``context[j]``, the same at every step (only with ``context``) | [0, 1] |

    After the last step the one-hot part is all zeros. Without ``context`` the
    observation is exactly the paper's.

    ## Rewards
    0 on every step but the last, then the validation score of the configuration
    (higher is better; accuracy by default). A discount of 1 makes it the return.
    An evaluation that raises, returns NaN or passes its time limit gets the objective's
    ``failure_score`` (0 for accuracy, balanced accuracy and ROC AUC; twice the log-loss
    of a uniform guess for ``neg_log_loss``) and ``info["error"]`` says why.

    On a regression task the reward is a bounded transform of the score, in [-1, 1]
    whatever the target's units (``info["val_score"]`` keeps the score itself):

    | metric | reward | a failure |
    |---|---|---|
    | ``r2`` (default) | R², clipped to [-1, 1] | -1 |
    | ``neg_rmse`` | 1 - RMSE / SD, clipped | -1 |
    | ``neg_mae`` | 1 - MAE / MAD, clipped | -1 |

    SD is the standard deviation of the training targets and MAD their mean absolute
    deviation from the median: 0 is what predicting the mean (or the median) earns, 1 a
    perfect fit. The transform is increasing, so the best reward is the best score.

    ## Starting State
    The previous action is 0 and the first hyperparameter of the episode's order comes
    next. With ``order="shuffle"`` the order is drawn per episode from the env's RNG.

    ``reset(options=...)`` may ask for a partial evaluation at the episode's end
    (:mod:`hpo_env.fidelity`; XGBoost only): ``{"fidelity": {"rounds": 0.1, "data": 0.5}}``
    trains a fraction of the boosting rounds on a fraction of the rows, and
    ``{"report": fn}`` records the learning curve and calls ``fn(step, score)`` at each of
    its points, stopping the training when it returns True. Without options an episode
    ends in a full evaluation, as it always did.

    ## Episode End
    Terminates after ``n`` steps, one per hyperparameter. It never truncates.

    The terminal ``info`` holds ``config``, ``val_score``, ``test_score`` (for the record
    only), ``eval_seconds``, ``error``, ``timed_out``, ``cached`` (served from the cache,
    no training), ``real`` (a real evaluation ran), ``n_real_evals`` and ``incumbent``
    (the best full real record so far, or None). A partial evaluation's ``info`` also has
    its ``fidelity``, ``pruned``, ``cost`` and ``curve``.

    With ``stop_at`` set (seconds on the env's clock, :meth:`elapsed`), an episode that
    would start an evaluation after it raises :class:`TimeBudgetSpent` instead: how
    ``run_agent(time_budget=...)`` stops every agent at the same wall-clock budget.

    ## Arguments
    - ``objective``: what one evaluation trains, e.g. :class:`XGBoostObjective`.
    - ``order``: ``"fixed"`` (space order, the default), ``"shuffle"`` (new order per
      episode), or a list of hyperparameter names.
    - ``history_path``: JSONL file each real evaluation is appended to as it happens.
      Records already in it are read back (cache, incumbent, count), so a run resumes.
    - ``cache``: serve configurations evaluated before from the history (default True).
    - ``context``: a fixed vector in [0, 1] appended to every observation, e.g. the task's
      meta-features (``make_xgb_env(..., meta_features=True)``), so one policy can tell
      tasks apart. None (default): the paper's observation.

    ``gym.make("HPO-XGB-v0", task=..., ...)`` takes the arguments of :func:`make_xgb_env`.

    ## Version History
    - v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(
        self,
        objective: Objective,
        order: str | Sequence[str] = "fixed",
        history_path: str | os.PathLike[str] | None = None,
        cache: bool = True,
        context: Sequence[float] | np.ndarray | None = None,
    ) -> None:
        self.objective = objective
        self.space: SearchSpace = objective.space
        n = len(self.space)
        self.n_hyperparameters = n
        self.shuffle = False
        if isinstance(order, str):
            if order not in ("fixed", "shuffle"):
                raise ValueError(f"order={order!r}; expected 'fixed', 'shuffle' or a list of hyperparameter names")
            self.shuffle = order == "shuffle"
            self._base_order = np.arange(n)
        else:
            names = list(order)
            if sorted(names) != sorted(self.space.names):
                raise ValueError(f"order={names!r} must name each hyperparameter once: {list(self.space.names)}")
            self._base_order = np.array([self.space.index(x) for x in names])
        self.order_name = "shuffle" if self.shuffle else ("fixed" if isinstance(order, str) else list(order))
        self._check_conditional_order()
        self.action_space = spaces.Box(-1.0, 1.0, (1,), np.float32)
        self.context = np.zeros(0, np.float32) if context is None else np.asarray(context, np.float32).reshape(-1)
        if not (np.isfinite(self.context).all() and (self.context >= 0).all() and (self.context <= 1).all()):
            raise ValueError(f"context={self.context.tolist()!r}; expected finite values in [0, 1]")
        size = 1 + n + len(self.context)
        low = np.zeros(size, np.float32)
        low[0] = -1.0
        self.observation_space = spaces.Box(low, np.ones(size, np.float32), dtype=np.float32)
        self.history = History(history_path, cache=cache)
        self.order = self._base_order.copy()
        self._actions = np.zeros(n)
        self._t = 0
        self.n_episodes = 0
        # A resumed history's clock goes on from its last record, so wall_s adds up over sessions.
        self._t0 = time.perf_counter() - (self.history.records[-1]["wall_s"] if self.history.records else 0.0)
        self._simulated_s = 0.0  # simulated minus actual seconds of a simulated objective's evaluations
        self.stop_at: float | None = None
        self._fidelity: Fidelity | None = None  # this episode's, from reset(options=...)
        self._note: dict[str, float] | None = None  # this episode's, from reset(options=...)
        self._report: Reporter | None = None

    def _check_conditional_order(self) -> None:
        """A conditional space's parents must be chosen before their children."""
        if not self.space.conditional:
            return
        if self.shuffle:
            raise ValueError("order='shuffle' with a conditional search space; expected 'fixed' or a list of names "
                             "that puts each parent before its children")  # fmt: skip
        pos = {self.space.names[i]: t for t, i in enumerate(self._base_order)}
        for child, (parent, _) in self.space.conditions.items():
            if pos[parent] > pos[child]:
                raise ValueError(f"order puts {child!r} before its parent {parent!r}; a parent must come first")

    @property
    def next_index(self) -> int | None:
        """The search-space index of the hyperparameter the next step sets; None once the
        episode is complete. In a conditional space the inactive ones are skipped."""
        return int(self.order[self._t]) if self._t < self.n_hyperparameters else None

    def _skip_inactive(self) -> None:
        """Move past the hyperparameters that the values chosen so far make inactive."""
        if not self.space.conditional:
            return
        while self._t < self.n_hyperparameters:
            chosen = self.space.decode(self._actions)  # the parents come first, so are this episode's
            if self.space.names[self.order[self._t]] in chosen:
                return
            self._t += 1

    @property
    def n_real_evals(self) -> int:
        return len(self.history)

    def elapsed(self) -> float:
        """Seconds since the env was built: the clock of each record's ``wall_s``. With a
        resumed history (``history_path``) it goes on from the last record's ``wall_s``.

        With a simulated objective (fast mode) each evaluation counts for the seconds the
        objective reports, not for the time its lookup took; the agent's own time is real.
        """
        return time.perf_counter() - self._t0 + self._simulated_s

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if self.shuffle:
            self.order = self.np_random.permutation(self.n_hyperparameters)
        self._t = 0
        self._skip_inactive()
        options = dict(options or {})
        self._note = options.pop("note", None)
        self._fidelity, self._report = self.partial_request(options)
        return self.observation(0.0, 0), {"order": self.order.tolist()}

    def partial_request(self, options: dict[str, Any]) -> tuple[Fidelity | None, Reporter | None]:
        """The fidelity and reporter ``reset(options=...)`` asks for, checked against the objective."""
        unknown = set(options) - {"fidelity", "report"}
        if unknown:
            raise ValueError(f"reset options {sorted(unknown)}; expected 'fidelity', 'report' and/or 'note'")
        fidelity, report = Fidelity.parse(options.get("fidelity")), options.get("report")
        if report is not None and not callable(report):
            raise ValueError(f"report={report!r}; expected a function (step, score) -> stop")
        if (fidelity is not None or report is not None) and not self.objective.supports_fidelity:
            raise ValueError(
                f"{type(self.objective).__name__} takes no partial evaluation (fidelity or report); "
                "only the real XGBoost env (HPO-XGB-v0) does"
            )
        return fidelity, report

    def observation(self, prev: float | np.ndarray, t: int) -> np.ndarray:
        """The observation before step ``t`` after previous action ``prev`` (0 at the
        start), in this episode's order; ``prev`` may be an array of m actions, giving m
        observations, so many episodes can be sampled side by side.

        Layout: ``[prev, one-hot of the hyperparameter chosen at step t (all zeros once
        the episode is complete), context]``.
        """
        n = self.n_hyperparameters
        prev = np.asarray(prev, np.float32)
        obs = np.zeros((*prev.shape, 1 + n + len(self.context)), np.float32)
        obs[..., 0] = prev
        if t < n:
            obs[..., 1 + self.order[t]] = 1.0
        obs[..., 1 + n :] = self.context
        return obs

    def step(self, action: np.ndarray):
        obs, config = self.advance(action)
        if config is None:
            return obs, 0.0, False, False, {}
        kw = {"fidelity": self._fidelity, "report": self._report, "note": self._note}
        info = self.evaluate_many([config], episodes=True, **kw)[0]
        return obs, self.objective.reward(info["val_score"]), True, False, info

    def advance(self, action: np.ndarray) -> tuple[np.ndarray, dict[str, Any] | None]:
        """Take one action without evaluating: the next observation, and the decoded
        configuration once the episode is complete (else None).

        ``step`` is ``advance`` plus :meth:`evaluate`; a wrapper that answers the final
        step some other way (a reward model) calls ``advance`` alone.
        """
        a = np.asarray(action, dtype=np.float64)
        if a.size != 1:
            raise ValueError(f"expected one action of shape (1,), got shape {a.shape}")
        x = float(a.reshape(-1)[0])
        if math.isnan(x):
            hp = self.space[int(self.order[min(self._t, self.n_hyperparameters - 1)])].name
            raise ValueError(f"action for {hp!r} is NaN; expected a number in [-1, 1]")
        if self._t >= self.n_hyperparameters:
            raise RuntimeError("step() called after the episode ended; call reset()")
        x = 1.0 if x > 1.0 else (-1.0 if x < -1.0 else x)
        self._actions[self.order[self._t]] = x
        self._t += 1
        self._skip_inactive()
        obs = self.observation(x, self._t)
        if self._t < self.n_hyperparameters:
            return obs, None
        return obs, self.space.decode(self._actions)

    def evaluate(self, config: dict[str, Any]) -> dict[str, Any]:
        """Score ``config`` (from the cache if known) and return the terminal ``info``."""
        return self.evaluate_many([config])[0]

    def evaluate_many(
        self,
        configs: Sequence[dict[str, Any]],
        run: Callable[[list[dict[str, Any]]], list[tuple[Evaluation, float]]] | None = None,
        limit: int | None = None,
        episodes: bool = False,
        fidelity: Fidelity | None = None,
        report: Reporter | None = None,
        note: Mapping[str, float] | None = None,
    ) -> list[dict[str, Any]]:
        """The terminal ``info`` of each of ``configs``: the one way a real evaluation is made.

        Known configurations come from the cache. The new ones are trained by ``run``
        (configurations -> ``(Evaluation, seconds)`` each; default: one after another in
        this process, e.g. parallel workers otherwise) and recorded in order. A
        configuration that appears twice shares one evaluation (the second is ``cached``,
        as a later repeat would be). With ``limit``, evaluations that would take the
        history past ``limit`` real evaluations are not made: their ``info`` has the
        failure score, ``skipped=True`` and no record. ``episodes=True`` counts each
        configuration as an episode played (``n_episodes``), as ``step`` does.

        ``fidelity`` and ``report`` make every evaluation a partial one (see the class
        docstring); they are run here, so they take no ``run``. ``note`` is kept in each new
        record (numbers the proposer attaches, e.g. a reward model's prediction; also
        ``reset(options={"note": ...})``). Past ``stop_at`` nothing is evaluated and
        :class:`TimeBudgetSpent` is raised.
        """
        if self.stop_at is not None and self.elapsed() >= self.stop_at:
            raise TimeBudgetSpent(f"the env's clock is at {self.elapsed():.1f} s, past stop_at={self.stop_at:.1f} s")
        if (fidelity is not None or report is not None) and run is not None:
            raise ValueError("partial evaluations (fidelity, report) run in this process; pass no run")
        out: list[dict[str, Any] | None] = [None] * len(configs)
        todo: list[int] = []
        first: dict[tuple, int] = {}  # a configuration's first index in this call
        twins: list[int] = []
        keys: list[tuple] = []
        for i, c in enumerate(configs):
            rec = self.history.lookup(c, fidelity)
            keys.append(key := config_key(c) if rec is None else ())
            if rec is not None:
                out[i] = self.terminal_info(rec, cached=True)
            elif key in first:
                twins.append(i)  # answered by its twin's evaluation below, as the cache would
            elif limit is not None and limit - self.n_real_evals - len(todo) <= 0:
                out[i] = {"val_score": self.objective.failure_score, "config": c, "skipped": True}
            else:
                first[key] = i
                todo.append(i)
        run = run or (lambda cs: self._run_here(cs, fidelity, report))
        for i, (ev, took) in zip(todo, run([configs[i] for i in todo]), strict=True):
            out[i] = self.terminal_info(self.record(configs[i], ev, took, note), cached=False)
        for i in twins:
            out[i] = {**out[first[keys[i]]], "cached": True, "real": False}  # type: ignore[dict-item]
        if episodes:
            self.n_episodes += len(configs)
        return out  # type: ignore[return-value]

    def _run_here(
        self, configs: list[dict[str, Any]], fidelity: Fidelity | None = None, report: Reporter | None = None
    ) -> list[tuple[Evaluation, float]]:
        """Train ``configs`` one after another in this process, each timed (and partial, when asked)."""
        done = []
        for c in configs:
            t0 = time.perf_counter()
            partial = fidelity is not None or report is not None
            ev = safe_evaluate(self.objective, c, FidelityRun(fidelity, report) if partial else None)
            if fidelity is not None and ev.fidelity is None:  # it failed before the objective said
                ev.fidelity = fidelity.to_dict()
            done.append((ev, time.perf_counter() - t0))
        return done

    def episode_copy(self) -> HPOEnv:
        """A copy that shares the objective, history, cache and clock but plays its own
        episode (order and actions so far): N of them step side by side."""
        c = copy.copy(self)
        c.order, c._actions, c._t = self.order.copy(), self._actions.copy(), 0
        return c

    def record(
        self, config: dict[str, Any], ev: Evaluation, took: float, note: Mapping[str, float] | None = None
    ) -> dict[str, Any]:
        """Append the real evaluation of ``config`` (which took ``took`` seconds here) to the
        history, with ``note`` (what the proposer attached) if any.

        Evaluations run elsewhere (parallel workers) come back through here, so every
        record is made the same way.
        """
        if self.objective.simulated:
            self._simulated_s += ev.seconds - took
        elif not ev.seconds:
            ev.seconds = took
        rec = _record(len(self.history), config, ev, self.elapsed())
        if note:
            rec["note"] = {k: float(v) for k, v in note.items()}
        self.history.append(rec)
        return rec

    def terminal_info(self, rec: dict[str, Any], cached: bool, model_std: float | None = None) -> dict[str, Any]:
        """The terminal ``info`` of an episode answered by ``rec``: a record of the history,
        or (with ``model_std``) a reward model's prediction, which is not a real evaluation."""
        model = model_std is not None
        info = {
            "config": rec["config"],
            "val_score": rec["val_score"],
            "test_score": rec["test_score"],
            "eval_seconds": rec["seconds"],
            "error": rec["error"],
            "timed_out": rec["timed_out"],
            "cached": cached,
            "real": not cached and not model,
            "n_real_evals": self.n_real_evals,
            "incumbent": self.incumbent_summary(),
            **{k: rec[k] for k in PARTIAL_KEYS if k in rec},
        }
        return {**info, "model": True, "model_std": model_std} if model else info

    def incumbent_summary(self) -> dict[str, Any] | None:
        """The best real evaluation so far (config, scores, index), as the terminal ``info`` shows it."""
        inc = self.history.incumbent
        return None if inc is None else {k: inc[k] for k in ("config", "val_score", "test_score", "n")}

    def close(self) -> None:
        self.history.close()
        super().close()


def safe_evaluate(objective: Objective, config: dict[str, Any], run: FidelityRun | None = None) -> Evaluation:
    """``objective.evaluate(config)`` (with ``run``, a partial evaluation, when given), with an
    exception or a non-finite score turned into a failure record."""
    t0 = time.perf_counter()
    try:
        ev = objective.evaluate(config) if run is None else objective.evaluate(config, run)  # type: ignore[call-arg]
        if is_bad_score(ev.val_score) and ev.error is None:
            ev = objective.failure(f"objective returned a non-finite score {ev.val_score!r}", ev.seconds)
    except Exception as e:
        ev = objective.failure(f"{type(e).__name__}: {e}", time.perf_counter() - t0)
    return ev


def _record(n: int, config: dict[str, Any], ev: Evaluation, wall: float) -> dict[str, Any]:
    return {"n": n, "config": dict(config), **ev.to_dict(), "wall_s": wall}


def make_xgb_env(
    task: Any = "breast_cancer",
    *,
    space: SearchSpace | list[dict[str, Any]] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    target: str = "target",
    X: Any = None,
    y: Any = None,
    metric: str | None = None,
    seed: int = 0,
    valid_size: float = 0.2,
    test_size: float = 0.2,
    cv_folds: int | None = None,
    nthread: int = 1,
    time_limit: float | None = 60.0,
    order: str | Sequence[str] = "fixed",
    history_path: str | os.PathLike[str] | None = None,
    cache: bool = True,
    meta_features: bool = False,
) -> HPOEnv:
    """Build ``HPO-XGB-v0``: :class:`HPOEnv` over an :class:`XGBoostObjective`.

    ``task`` and the data arguments go to :func:`hpo_env.tasks.load_task` (``seed`` seeds
    the split and XGBoost; ``metric`` None picks ``r2`` for a continuous target, a
    regression task, else ``accuracy``); ``space`` may be a :class:`SearchSpace` or its ``to_list()``
    form; ``nthread`` and ``time_limit`` go to the objective; ``order``, ``history_path``
    and ``cache`` to the env. ``meta_features=True`` appends the task's
    :func:`~hpo_env.meta_features.meta_features` to every observation.
    """
    from hpo_env.objectives.xgboost import XGBoostObjective
    from hpo_env.tasks import load_task

    if space is not None and not isinstance(space, SearchSpace):
        space = SearchSpace.from_list(space)
    t = load_task(
        task, X=X, y=y, target=target, data_dir=data_dir, metric=metric, seed=seed,
        valid_size=valid_size, test_size=test_size, cv_folds=cv_folds,
    )  # fmt: skip
    objective = XGBoostObjective(t, space=space, nthread=nthread, time_limit=time_limit, seed=seed)
    context = None
    if meta_features:
        from hpo_env.meta_features import meta_features as compute

        context = compute(t, seed=seed)
    return HPOEnv(objective, order=order, history_path=history_path, cache=cache, context=context)


def make_cnn_env(
    task: Any = "digits",
    *,
    space: SearchSpace | list[dict[str, Any]] | None = None,
    seed: int = 0,
    nthread: int = 1,
    time_limit: float | None = 120.0,
    order: str | Sequence[str] = "fixed",
    history_path: str | os.PathLike[str] | None = None,
    cache: bool = True,
    **task_kwargs: Any,
) -> HPOEnv:
    """Build ``HPO-CNN-v0``: :class:`HPOEnv` over a :class:`~hpo_env.objectives.cnn.CNNObjective`.

    ``task`` is ``digits``, ``usps`` or ``mnist5k`` (or any name with ``X``, ``y``);
    ``task_kwargs`` (``data_dir``, ``X``, ``y``, ``metric``, ``valid_size``, ``test_size``,
    ``cv_folds``) go to :func:`hpo_env.tasks.load_image_task`; ``seed`` seeds the split and
    training; ``nthread`` is torch's threads per evaluation. The rest is as in
    :func:`make_xgb_env`.
    """
    from hpo_env.objectives.cnn import CNNObjective
    from hpo_env.tasks import load_image_task

    if space is not None and not isinstance(space, SearchSpace):
        space = SearchSpace.from_list(space)
    t = load_image_task(task, seed=seed, **task_kwargs)
    objective = CNNObjective(t, space=space, time_limit=time_limit, seed=seed, torch_threads=nthread)
    return HPOEnv(objective, order=order, history_path=history_path, cache=cache)


def step_through(env: gym.Env, actions: Sequence[float] | np.ndarray) -> tuple[float, dict[str, Any]]:
    """Answer each step of a reset env with the action (search-space order) of the
    hyperparameter it asks for, until the episode ends; the reward and terminal info."""
    base = env.unwrapped
    a = np.asarray(actions, dtype=np.float32).reshape(-1)
    reward, info, terminated = 0.0, {}, False
    while not terminated:
        i = base.next_index
        assert i is not None, "an HPOEnv episode ends once every active hyperparameter is set"
        _, reward, terminated, _, info = env.step(a[i : i + 1])
    return float(reward), info
