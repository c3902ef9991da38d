"""A learned agent for time: the paper's recurrent policy, meta-trained on YAHPO's simulated
clock to choose each configuration and its fidelity (issue 35, item 4).

:func:`pretrain_time` trains it with RecurrentPPO on
:class:`~hpo_env.yahpo.time_session.YahpoTimeSessionEnv`, whose episode is a whole
time-budgeted run and whose return is the area under the best-so-far percentile against log
time. At tuning time :class:`TimeSessionProposer` carries the LSTM state across the run's
evaluations and builds the same observation from the env's clock (the agent's own time
included), with no gradient step. ``hpo-rl``'s time default stays what the benchmarks chose:
this agent is registered only as ``rl2-time`` and needs its weights (``prior=``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch as th

from agents.base import task_spec
from agents.loop import LoopAgent, Proposal, Proposer
from hpo_env.env import HPOEnv
from hpo_env.history import atomic_path
from hpo_env.yahpo.time_session import TIME_FEATURES, ClockMemory, fidelity_of, observation_space, time_observation

__all__ = [
    "TIME_DEFAULTS", "TIME_FORMAT", "TimeAgent", "TimeSessionProposer", "load_time_policy", "pretrain_time",
    "pretrain_time_folds",
]  # fmt: skip

#: The ``format`` of a weights file written by :func:`pretrain_time`.
TIME_FORMAT = "hpo-rl-time-policy/1"

#: Meta-training settings: RecurrentPPO on ``n_envs`` time-session envs side by side.
TIME_DEFAULTS: dict[str, Any] = {
    "timesteps": 300_000,
    "n_envs": 8,
    # Configurations per env per rollout (each is up to 15 steps on rbv2_xgboost).
    "episodes_per_env": 16,
    "learning_rate": 3e-4,
    "n_epochs": 4,
    "gamma": 1.0,
    "gae_lambda": 1.0,
    "ent_coef": 0.0,
    # The env: the time budget in the task's median evaluations, runs' length at most, and
    # the menu that scores them (percentiles and median seconds).
    "budget_evals": 50.0,
    "max_evals": 300,
    "candidates": 300,
    # The policy: the paper's LSTM with wider embeddings and a per-step spread.
    "embedding_dim": 16,
    "output_embedding_dim": 16,
    "state_dependent_std": True,
    "min_log_std": -2.5,
    "log_std_init": -0.5,
}


def pretrain_time(
    out: str | os.PathLike[str], *, tasks: Sequence[str] | None = None, exclude: Sequence[str] = (),
    scenario: str = "rbv2_xgboost", yahpo_dir: str | os.PathLike[str] | None = None, seed: int = 0,
    progress: bool = True, **settings: Any,
) -> Path:  # fmt: skip
    """Meta-train the time policy on the tasks of ``scenario`` (OpenML ids; ``exclude`` held
    out) and save it to ``out``. ``settings`` override :data:`TIME_DEFAULTS`."""
    from stable_baselines3.common.vec_env import DummyVecEnv

    from agents.prior.pretrain import _meta_model
    from agents.rppo.callbacks import TimestepProgressCallback
    from hpo_env.yahpo.time_session import YahpoTimeSessionEnv

    unknown = sorted(set(settings) - set(TIME_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown settings {unknown}; known: {sorted(TIME_DEFAULTS)}")
    cfg, t0 = {**TIME_DEFAULTS, **settings}, time.perf_counter()
    th.set_num_threads(1)
    env_kw = {k: cfg[k] for k in ("budget_evals", "max_evals", "candidates")}
    base = YahpoTimeSessionEnv(tasks, exclude=exclude, scenario=scenario, yahpo_dir=yahpo_dir, seed=seed, **env_kw)
    venv = DummyVecEnv([base.clone for _ in range(int(cfg["n_envs"]))])
    venv.seed(seed)
    model, pk = _meta_model(venv, cfg, seed)
    bar = TimestepProgressCallback(int(cfg["timesteps"]), "time policy") if progress else None
    model.learn(total_timesteps=int(cfg["timesteps"]), callback=bar)
    doc = {
        "format": TIME_FORMAT, "space": base.space.to_list(), "time_features": list(TIME_FEATURES),
        "obs_dim": int(base.observation_space.shape[0]), "policy_kwargs": pk,
        "state_dict": {k: v.detach().clone() for k, v in model.policy.state_dict().items()},
        "train": {"scenario": scenario, "tasks": base.task_names(), "exclude": [str(t) for t in exclude],
                  "seed": int(seed), "settings": cfg, "seconds": round(time.perf_counter() - t0, 1)},
    }  # fmt: skip
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:  # an interrupted save leaves no half-written weights
        th.save(doc, tmp)
    return out


def load_time_policy(path: str | os.PathLike[str], env: HPOEnv) -> dict[str, Any]:
    """The weights file ``path`` read for ``env`` (its ``train`` record, ``path``, and the
    ``policy`` built from it); a :class:`~agents.transfer.files.PriorError` that says why it
    does not fit."""
    from agents.rppo.policy import HPORecurrentPolicy
    from agents.transfer.files import PriorError, read_weights
    from hpo_env.spaces import SearchSpace

    p = Path(path)
    doc = read_weights(p, TIME_FORMAT, "time-policy", "hpo-rl pretrain --time --env HPO-XGB-YAHPO-v0 [--folds 5]")
    diff = SearchSpace.from_list(doc["space"]).difference(env.space, "the time policy", "the env")
    obs = observation_space(env.observation_space)
    if diff is not None or doc["obs_dim"] != obs.shape[0] or doc["time_features"] != list(TIME_FEATURES):
        raise PriorError(f"{p} was trained for another space or observation: {diff or doc['time_features']}")
    policy = HPORecurrentPolicy(obs, env.action_space, lambda _: 0.0, **doc["policy_kwargs"])
    policy.load_state_dict(doc["state_dict"])
    policy.set_training_mode(False)
    return {"train": doc["train"], "path": doc["path"], "policy": policy}


class TimeSessionProposer(Proposer):
    """The time policy's configurations and fidelities, its LSTM state carried across the run.

    The observation's clock is the env's (:meth:`~hpo_env.env.HPOEnv.elapsed`, the agent's own
    time included) against its time budget (``stop_at``, set by ``run_agent(time_budget=...)``);
    without one, the clock counts full evaluations against the evaluation budget.

    Args:
        prior: time-policy weights: a file, or a directory of held-out ones (``fold<i>.time.pt``
            beside a ``folds.json``).
        deterministic: propose the policy's mode at each step instead of sampling.
    """

    multi_fidelity: ClassVar[bool] = True

    def __init__(self, prior: str | None, deterministic: bool = False) -> None:
        self.prior, self.deterministic = prior, bool(deterministic)
        self._extra: dict[str, Any] = {}

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        from agents.transfer.files import PriorError, resolve_file, served

        if self.prior in (None, "default"):
            how = "hpo-rl pretrain --time --env HPO-XGB-YAHPO-v0 [--folds 5]"
            raise PriorError(f"rl2-time needs time-policy weights (none are shipped): train them with {how} "
                             "and pass --prior FILE_OR_DIR")  # fmt: skip
        base, task = env.unwrapped, task_spec(env.unwrapped)
        load = lambda: load_time_policy(resolve_file(self.prior, task, Path(self.prior), ".time.pt"), base)  # noqa: E731
        doc, record = served(load, task, "rl2-time: the time policy", "prior", None)
        self._policy = doc["policy"]
        self._env, self._view, self._state = base, base.episode_copy(), None
        self._t0, stop = base.elapsed(), getattr(base, "stop_at", None)
        self._clock = stop is not None
        self._memory = ClockMemory(stop - self._t0 if self._clock else float(budget))
        th.manual_seed(seed)
        self._extra = {**record, "time_policy_seconds": doc["train"].get("seconds")}

    def ask(self) -> Proposal | None:
        if self._clock:
            self._memory.spent_s = self._env.elapsed() - self._t0
        config, fid = self._propose()
        x = self._env.space.encode(config)
        return Proposal(config, handle=(x, fid), fidelity=None if fid >= 1.0 else {"data": fid})

    def tell(self, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:
        x, fid = proposal.handle
        seconds = float(info.get("seconds", 0.0)) if self._clock else fid
        self._memory.record(x, None if info.get("error") is not None else reward, seconds, fid)

    def extra(self) -> dict[str, Any]:
        return dict(self._extra)

    def _act(self, obs: np.ndarray) -> float:
        """One step of the policy on ``obs``, carrying its LSTM state."""
        from agents.rppo.prior_policy import policy_step

        action, self._state = policy_step(self._policy, obs, self._state, self.deterministic)
        return action

    def _propose(self) -> tuple[dict[str, Any], float]:
        """One configuration and its fidelity, played on the env's copy as in meta-training."""
        view, config = self._view, None
        hp_obs, _ = view.reset()
        while config is None:
            hp_obs, config = view.advance(np.array([self._act(time_observation(hp_obs, False, self._memory))]))
        return config, fidelity_of(self._act(time_observation(hp_obs, True, self._memory)))


class TimeAgent(LoopAgent):
    """``rl2-time``: the time policy's proposals (:class:`TimeSessionProposer`) until the budget ends.

    Args:
        prior, deterministic: as in :class:`TimeSessionProposer`.
    """

    def __init__(self, prior: str | None, deterministic: bool = False) -> None:
        super().__init__("rl2-time", TimeSessionProposer(prior, deterministic))


def _time_one(args: tuple[str, dict[str, Any]]) -> str:
    out, kw = args
    pretrain_time(out, **kw)
    return out


def pretrain_time_folds(
    out_dir: str | os.PathLike[str], k: int = 5, jobs: int = 1, *, scenario: str = "rbv2_xgboost",
    yahpo_dir: str | os.PathLike[str] | None = None, seed: int = 0, progress: bool = True, **settings: Any,
) -> list[Path]:  # fmt: skip
    """Grouped k-fold meta-training: ``out_dir/fold<i>.time.pt`` trained without fold ``i``'s
    tasks, and ``out_dir/folds.json``; the folds are those of ``hpo-rl pretrain --portfolio
    --folds K --env ...`` with the same seed, so one directory serves both. Files already there
    are kept (a rerun resumes); ``settings`` override :data:`TIME_DEFAULTS`."""
    from agents.prior.pretrain import _pretrain_all, write_folds
    from agents.transfer.folds import grouped_folds
    from hpo_env.yahpo.surrogate import YahpoSurrogate

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = [f"yahpo:{scenario}/{t}" for t in YahpoSurrogate(scenario, yahpo_dir).instances]
    folds = write_folds(out, grouped_folds(names, k, seed=seed), seed)
    paths = [out / f"fold{i}.time.pt" for i in range(len(folds))]
    kw = {"scenario": scenario, "yahpo_dir": yahpo_dir, "seed": seed, "progress": False, **settings}
    todo = [(str(p), {**kw, "exclude": [t.rsplit("/", 1)[1] for t in fold]})
            for p, fold in zip(paths, folds, strict=True) if not p.exists()]  # fmt: skip
    _pretrain_all(todo, len(paths), jobs, progress, "fold time policies", one=_time_one)
    return paths
