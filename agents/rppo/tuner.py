"""``tune``: train the recurrent PPO agent on an HPO env until a budget of real evaluations is spent.

One run writes, in ``out_dir``:
    ``history.jsonl``   every real evaluation, appended as it happens
    ``checkpoint.zip``  the model after each PPO update (what a resumed run loads)
    ``settings.json``   every setting of the run, so a result can be reproduced
    ``result.json``     the best configuration, its scores, counts and timings
    ``tb/``             TensorBoard logs (``tensorboard --logdir OUT/tb``)
Calling ``tune`` again with the same ``out_dir`` and settings resumes where it stopped.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch as th

import hpo_env  # noqa: F401 - registers the envs for gym.make
from agents.base import max_episodes as base_max_episodes
from agents.base import task_spec
from agents.rppo.callbacks import RealEvalBudgetCallback
from agents.rppo.policy import HPORecurrentPolicy, HPORecurrentPPO, default_policy_kwargs
from agents.rppo.presets import PRESETS, RPPOPreset
from hpo_env.env import HPOEnv
from hpo_env.eval_log import EvalLog, ProgressBar
from hpo_env.history import write_json_atomic

__all__ = [
    "TuneResult",
    "Tuner",
    "check_same_settings",
    "first_difference",
    "json_safe",
    "make_preset",
    "previous_result",
    "tune",
]


@dataclass
class TuneResult:
    """What a tuning run found. ``test_of_best`` is the test score of the best-on-validation config."""

    best_config: dict[str, Any] | None
    best_val: float | None
    test_of_best: float | None
    n_real_evals: int
    n_episodes: int
    n_model_episodes: int
    wall_s: float
    eval_s: float
    agent_overhead_s_per_eval: float | None
    stalled: bool
    model_stretches: list[dict[str, float]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    out_dir: str | None = None
    finished: bool = True
    already_finished: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TuneResult:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def previous_result(out: Path | None) -> dict[str, Any]:
    """The result.json of an earlier session of this run (finished or interrupted), else {}."""
    path = None if out is None else out / "result.json"
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}


def json_safe(x: Any) -> Any:
    return json.loads(json.dumps(x, default=lambda o: getattr(o, "__name__", repr(o))))


class Tuner:
    """One tuning run of an agent preset on one env, in four steps: :meth:`setup` (the
    model, the callbacks, resuming ``out_dir``), :meth:`warm_start` (the prior's own
    proposals), :meth:`learn` (RecurrentPPO until the budget is spent) and :meth:`result`.
    :meth:`run` does all four; :func:`tune` builds the env and the preset for you.

    Args:
        preset: the agent variant (:data:`~agents.rppo.presets.PRESETS`).
        env: the :class:`HPOEnv` to tune (its history is used as it is).
        budget: real evaluations in all, including any already in the env's history.
        seed: seeds the policy and the reward model.
        out_dir, policy_kwargs, max_episodes, progress, tensorboard, torch_threads, n_envs,
        backend, address, env_id, env_kwargs: as in :func:`tune`.
        run_files: write ``settings.json`` and ``result.json`` in ``out_dir`` and resume from
            them; False when a :class:`~agents.session.Session` keeps those files (the
            checkpoint and TensorBoard logs still go to ``out_dir``).
    """

    def __init__(
        self,
        preset: RPPOPreset,
        env: HPOEnv,
        budget: int,
        seed: int = 0,
        *,
        out_dir: str | os.PathLike[str] | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        max_episodes: int | None = None,
        progress: bool = True,
        tensorboard: bool = True,
        torch_threads: int = 1,
        n_envs: int = 1,
        backend: str = "process",
        address: str | None = None,
        env_id: str = "HPO-XGB-v0",
        env_kwargs: dict[str, Any] | None = None,
        run_files: bool = True,
    ) -> None:
        if int(budget) < 1:
            raise ValueError(f"budget={budget!r}; expected a number of real evaluations >= 1")
        if int(n_envs) < 1:
            raise ValueError(f"n_envs={n_envs!r}; expected >= 1")
        if int(n_envs) > 1 and preset.model is not None:
            raise ValueError("model_based runs play one env at a time; use n_envs=1 with model_based")
        assert isinstance(env, HPOEnv), f"a Tuner needs an HPOEnv, got {type(env).__name__}"
        if preset.model is not None and preset.model.screen and not preset.model.finetune:
            raise ValueError(
                f"{preset.name!r} never updates its policy (screen={preset.model.screen}, finetune=False): it is a "
                "proposer, not PPO training; run it with agents.make_agent or agents.session.open_session"
            )
        self.preset, self.env, self.budget, self.seed = preset, env, int(budget), int(seed)
        self.out = Path(out_dir) if out_dir is not None else None
        self.max_episodes = max_episodes if max_episodes is not None else base_max_episodes(self.budget)
        self.progress, self.tensorboard, self.run_files = progress, tensorboard, run_files
        self.torch_threads, self.n_envs, self.backend, self.address = int(torch_threads), int(n_envs), backend, address
        self.prior_doc = None
        pk = {**default_policy_kwargs(), **(policy_kwargs or {})}
        if preset.prior is not None:
            from agents.transfer.files import load_prior

            self.prior_doc = load_prior(preset.prior)
            pk = {**pk, **self.prior_doc["policy_kwargs"], **(policy_kwargs or {})}
        self.policy_kwargs = pk
        self.settings = self._settings(env_id, env_kwargs)
        self.model: Any = None
        self.train_env: Any = env
        self.budget_cb: RealEvalBudgetCallback | None = None
        self.control: Any = None
        self.logs: list[EvalLog | ProgressBar] = []  # live logs following the history
        self._prev: dict[str, Any] = {}

    def _settings(self, env_id: str, env_kwargs: dict[str, Any] | None) -> dict[str, Any]:
        """Every setting of the run, as settings.json records it (a resumed run must match)."""
        env, p = self.env, self.preset.canonical()
        return json_safe(
            {
                "agent": p.name,
                "preset": p.to_dict(),
                "env_id": env_id,
                "task": getattr(env.objective, "task", None) and env.objective.task.describe(),
                "budget": self.budget,
                "seed": self.seed,
                "env_kwargs": env_kwargs or {},
                "order": env.order_name,
                "objective": env.objective.describe(),
                "space": env.space.to_list(),
                "policy_kwargs": self.policy_kwargs,
                "torch_threads": self.torch_threads,
                "n_envs": self.n_envs,
                "prior": None if self.prior_doc is None else self.prior_doc["path"],
                "prior_evals": None if self.prior_doc is None else p.prior_evals,
                "prior_saw_task": self._prior_saw_task(),
            }
        )

    def _prior_saw_task(self) -> bool:
        """Whether the prior was trained on this env's task or a near-duplicate (then warned
        about: the run is no held-out result)."""
        from agents.transfer.folds import flag_saw_task

        return self.prior_doc is not None and flag_saw_task(self.prior_doc, task_spec(self.env), "the prior")

    @property
    def _checkpoint(self) -> Path | None:
        return None if self.out is None else self.out / "checkpoint.zip"

    @property
    def _resuming(self) -> bool:
        return self._checkpoint is not None and self._checkpoint.exists()

    def setup(self) -> TuneResult | None:
        """Check ``out_dir`` and build the model and callbacks. Returns the earlier result
        when ``out_dir`` holds this run already finished (then there is nothing to do)."""
        th.set_num_threads(self.torch_threads)
        if self.out is not None:
            self.out.mkdir(parents=True, exist_ok=True)
        self._prev = previous_result(self.out) if self.run_files else {}
        prev, env = self._prev, self.env
        if prev and env.n_real_evals >= self.budget and prev.get("finished") and prev.get("settings") == self.settings:
            return TuneResult.from_dict({**prev, "already_finished": True})
        if self.out is not None and self.run_files:
            check_same_settings(self.out / "settings.json", self.settings)
        self.train_env = self._train_env()
        self.model = self._model()
        self.budget_cb = self._budget_callback()
        if self.preset.model is not None:
            from agents.rppo.model_control import KLModelControlCallback

            self.control = KLModelControlCallback(self.train_env, self.preset.model, budget=self.budget_cb)
        return None

    def _train_env(self) -> Any:
        """What PPO trains on: the env, N parallel copies of it, or the reward-model wrapper."""
        if self.n_envs > 1:
            from agents.rppo.vec_env import ParallelEvalVecEnv

            return ParallelEvalVecEnv(
                self.env, self.n_envs, backend=self.backend, address=self.address, max_real_evals=self.budget
            )
        if self.preset.model is not None:
            from hpo_env.wrappers import ModelRewardWrapper

            return ModelRewardWrapper(self.env, model=self.preset.model.reward_model, seed=self.seed)
        return self.env

    def _model(self) -> Any:
        """A new RecurrentPPO, or the checkpoint of an earlier session of this run."""
        if self._resuming:
            return HPORecurrentPPO.load(self._checkpoint, env=self.train_env, seed=self.seed)
        ppo = self.preset.ppo
        # n_steps is per env: each env plays its share of the update's episodes.
        n_steps = -(-ppo.episodes_per_update // self.n_envs) * self.env.n_hyperparameters
        tb = self.out / "tb" if (self.out is not None and self.tensorboard) else None
        return HPORecurrentPPO(
            HPORecurrentPolicy, self.train_env, n_steps=n_steps, batch_size=n_steps * self.n_envs,
            policy_kwargs=self.policy_kwargs, seed=self.seed, tensorboard_log=None if tb is None else str(tb),
            device="cpu", **ppo.sb3_kwargs(),
        )  # fmt: skip

    def _budget_callback(self) -> RealEvalBudgetCallback:
        inc, history = self.env.history.incumbent, self.env.history
        if self.out is not None and self.tensorboard and self.run_files:  # a Session logs evaluations itself
            self.logs.append(EvalLog(history, self.out / "tb" / "evals").attach())
        if self.progress:
            self.logs.append(ProgressBar(history, self.budget, self.env.n_real_evals).attach())
        return RealEvalBudgetCallback(
            self.budget, start=self.env.n_real_evals, best=None if inc is None else inc["val_score"],
            max_episodes=self.max_episodes, checkpoint_path=self._checkpoint,
        )  # fmt: skip

    def warm_start(self) -> None:
        """With a prior: load it into the policy and evaluate its own samples until the history
        holds ``prior_evals`` real evaluations (counted over the whole history, so a run
        resumed before its first update does not redo them)."""
        if self.prior_doc is None or self._resuming:
            return
        from agents.rppo.prior_policy import load_prior_into, propose

        env, cb = self.env, self.budget_cb
        load_prior_into(self.model.policy, self.prior_doc, env)
        n_first = min(self.preset.prior_evals, self.budget) - env.n_real_evals
        if n_first <= 0:
            return
        self.model.policy.set_training_mode(False)
        for info in propose(self.model.policy, env, n_first, max_episodes=base_max_episodes(n_first)):
            cb.observe(info)

    def learn(self) -> None:
        """RecurrentPPO until the budget (or the episode cap) is spent; saves the checkpoint."""
        if self.env.n_real_evals >= self.budget:
            return
        callbacks = [self.budget_cb, *([] if self.control is None else [self.control])]
        resuming = self._resuming
        self.model.learn(
            total_timesteps=10**12, callback=callbacks, tb_log_name="rppo", reset_num_timesteps=not resuming
        )
        if self._checkpoint is not None:
            self.model.save(self._checkpoint)

    def close(self) -> None:
        """Close the progress bar, the logs and any parallel workers."""
        for log in self.logs:
            log.close()
        self.logs = []
        if self.n_envs > 1 and self.train_env is not self.env:
            self.train_env.close()

    def run(self) -> TuneResult:
        """Setup, warm start, learn; the result is written to ``out_dir`` also on an
        interrupt or an error (the counts so far, which a resumed run adds to)."""
        done = self.setup()
        if done is not None:
            return done
        try:
            self.warm_start()
            self.learn()
        finally:
            self.close()
            result = self.result()
            if self.out is not None and self.run_files:
                write_json_atomic(self.out / "result.json", result.to_dict())
        return result

    def result(self) -> TuneResult:
        """The run's result over all its sessions: counts add to the previous session's, and
        times are the env's clock, which a resumed history continues."""
        env, cb, prev = self.env, self.budget_cb, self._prev
        records = env.history.records
        eval_s = float(sum(r["seconds"] for r in records))
        wall = env.elapsed()
        inc = env.history.incumbent
        n = len(records)
        stretches = [] if self.control is None else self.control.stretches
        return TuneResult(
            best_config=None if inc is None else inc["config"],
            best_val=None if inc is None else inc["val_score"],
            test_of_best=None if inc is None else inc["test_score"],
            n_real_evals=env.n_real_evals,
            n_episodes=int(prev.get("n_episodes", 0)) + cb.n_episodes,
            n_model_episodes=int(prev.get("n_model_episodes", 0)) + cb.n_model,
            wall_s=wall,
            eval_s=eval_s,
            # The env's clock counts a simulated objective's (fast mode) reported seconds, so
            # what is left after the evaluations' seconds is the agent's own time either way.
            agent_overhead_s_per_eval=(wall - eval_s) / n if n else None,
            stalled=cb.stalled,
            model_stretches=[*prev.get("model_stretches", []), *stretches],
            settings=self.settings,
            out_dir=None if self.out is None else str(self.out),
            finished=env.n_real_evals >= self.budget or cb.stalled,
        )


def check_same_settings(path: Path, settings: dict[str, Any]) -> None:
    """Refuse an ``out_dir`` that holds a run with other settings (the budget may grow on
    resume), naming the first setting that differs; then record these."""
    if path.exists():
        diff = first_difference({**json.loads(path.read_text()), "budget": None}, {**settings, "budget": None})
        if diff is not None:
            run = path.parent
            raise ValueError(f"{run} holds a run with other settings ({diff}); use another out_dir or delete it")
    write_json_atomic(path, settings)


def first_difference(before: Any, now: Any, where: str = "") -> str | None:
    """None if equal, else the first setting that differs, in words: ``task.name is 'a' there, 'b' here``."""
    if isinstance(before, dict) and isinstance(now, dict):
        for k in list(dict.fromkeys([*before, *now])):
            d = first_difference(before.get(k), now.get(k), f"{where}.{k}" if where else str(k))
            if d is not None:
                return d
        return None
    if before == now:
        return None
    return f"{where or 'settings'} is {_short(before)} there, {_short(now)} here"


def _short(x: Any) -> str:
    text = json.dumps(x, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def make_preset(
    agent: str | RPPOPreset = "rppo",
    *,
    ppo_kwargs: dict[str, Any] | None = None,
    model_based: str | None = None,
    model_kwargs: dict[str, Any] | None = None,
    prior: str | os.PathLike[str] | None = None,
    prior_evals: int | None = None,
) -> RPPOPreset:
    """The preset ``agent`` (a name in :data:`~agents.rppo.presets.PRESETS`, or a preset)
    with fields replaced by the arguments that are given.

    ``model_based`` ``"kl"``/``"fixed"`` turns the reward model on with that horizon, ``"none"``
    off (None leaves the preset's choice); ``model_kwargs`` replaces fields of its model
    settings. ``prior`` ``"none"`` starts from no prior.
    """
    if isinstance(agent, str):
        if agent not in PRESETS:
            raise ValueError(f"unknown agent {agent!r}; expected one of {sorted(PRESETS)}")
        agent = PRESETS[agent]
    changes: dict[str, Any] = {}
    if ppo_kwargs:
        changes["ppo"] = dict(ppo_kwargs)
    if model_based == "none":
        if model_kwargs:
            raise ValueError(f"model_based='none' takes no reward-model settings; got {sorted(model_kwargs)}")
        changes["model"] = None
    elif model_based is not None or model_kwargs:
        if model_based not in (None, "kl", "fixed"):
            raise ValueError(f"model_based={model_based!r}; expected None, 'kl', 'fixed' or 'none'")
        if agent.model is None and model_based is None:
            raise ValueError(
                f"agent {agent.name!r} uses no reward model; {sorted(model_kwargs or {})} need model_based "
                "'kl' or 'fixed'"
            )
        changes["model"] = {**({} if model_based is None else {"horizon": model_based}), **(model_kwargs or {})}
    if prior is not None:
        changes["prior"] = None if str(prior) == "none" else str(prior)
    if prior_evals is not None:
        changes["prior_evals"] = int(prior_evals)
    return agent.replace(**changes) if changes else agent


def tune(
    task: Any = "breast_cancer",
    budget: int = 30,
    seed: int = 0,
    *,
    agent: str | RPPOPreset = "rppo",
    env_id: str = "HPO-XGB-v0",
    env_kwargs: dict[str, Any] | None = None,
    env: HPOEnv | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    policy_kwargs: dict[str, Any] | None = None,
    ppo_kwargs: dict[str, Any] | None = None,
    model_based: str | None = None,
    model_kwargs: dict[str, Any] | None = None,
    prior: str | os.PathLike[str] | None = None,
    prior_evals: int | None = None,
    max_episodes: int | None = None,
    progress: bool = True,
    tensorboard: bool = True,
    torch_threads: int = 1,
    n_envs: int = 1,
    backend: str = "process",
    address: str | None = None,
) -> TuneResult:
    """Tune ``task`` for ``budget`` real evaluations with one of our agents (:class:`Tuner`).

    Args:
        task: task spec for the env (``breast_cancer``, ``pmlb:NAME``, ``csv:PATH``...).
        budget: real evaluations to spend (cached repeats are free).
        seed: seeds the split, XGBoost, the env's RNG and the policy.
        agent: the agent variant: a name in :data:`~agents.rppo.presets.PRESETS` (default
            ``"rppo"``, the paper's agent without the model) or an
            :class:`~agents.rppo.presets.RPPOPreset`. The arguments below that are given
            replace fields of it (:func:`make_preset`).
        env_id: a registered env id (``HPO-XGB-v0``); built with the preset's
            ``env_overrides`` (the task's meta-features for a prior).
        env_kwargs: more ``gym.make`` arguments (``data_dir``, ``target``, ``metric``, ...).
        env: an already built :class:`HPOEnv` (e.g. a synthetic objective) instead of
            ``env_id``/``task``; its history is used as it is.
        out_dir: where the run's files go (see the module docstring); None writes nothing.
        policy_kwargs: override :func:`default_policy_kwargs` (and a prior's).
        ppo_kwargs: replace fields of the preset's :class:`~agents.rppo.presets.PPOSettings`.
        model_based: ``"kl"`` (the paper's reward model with the dynamic KL horizon) or
            ``"fixed"`` turns the model on with that horizon; None keeps the preset's.
        model_kwargs: replace fields of the preset's :class:`~agents.rppo.presets.ModelSettings`.
        prior: weights to start from (a path, or ``"default"`` for the shipped ones);
            weights for another space or observation raise :class:`~agents.prior.PriorError`.
        prior_evals: with a prior, its own samples evaluated before anything else.
        max_episodes: stop after this many real or cached episodes even if the budget is not
            spent (default :func:`agents.base.max_episodes`), in case the policy only
            repeats cached configurations.
        progress: show a progress bar.
        tensorboard: write TensorBoard logs under ``out_dir/tb``.
        torch_threads: torch CPU threads (the nets are tiny; more threads only contend).
        n_envs: episodes played side by side; their evaluations run in parallel on
            ``n_envs`` workers (:class:`~agents.rppo.vec_env.ParallelEvalVecEnv`). An update
            still uses ``episodes_per_update`` episodes (rounded up to a multiple of
            ``n_envs``). Not combined with a reward model.
        backend: where parallel evaluations run with ``n_envs > 1``: ``"process"`` or
            ``"ray"`` (the ``[ray]`` extra).
        address: a Ray cluster's address for ``backend="ray"`` (default: a local Ray).
    """
    preset = make_preset(
        agent, ppo_kwargs=ppo_kwargs, model_based=model_based, model_kwargs=model_kwargs, prior=prior,
        prior_evals=prior_evals,
    )  # fmt: skip
    if int(budget) < 1:
        raise ValueError(f"budget={budget!r}; expected a number of real evaluations >= 1")
    if env is None:
        kw = {"task": task, "seed": seed, **preset.env_overrides, **(env_kwargs or {})}
        if out_dir is not None:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
            kw["history_path"] = Path(out_dir) / "history.jsonl"
        env = gym.make(env_id, **kw).unwrapped
    return Tuner(
        preset, env, budget, seed, out_dir=out_dir, policy_kwargs=policy_kwargs, max_episodes=max_episodes,
        progress=progress, tensorboard=tensorboard, torch_threads=torch_threads, n_envs=n_envs, backend=backend,
        address=address, env_id=env_id, env_kwargs=env_kwargs,
    ).run()  # fmt: skip
