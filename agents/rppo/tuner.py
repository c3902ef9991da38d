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
from sb3_contrib import RecurrentPPO

import hpo_env  # noqa: F401 - registers the envs for gym.make
from agents.base import max_episodes as base_max_episodes
from agents.rppo.callbacks import RealEvalBudgetCallback
from agents.rppo.policy import HPORecurrentPolicy, default_policy_kwargs
from hpo_env.env import HPOEnv
from hpo_env.history import write_json_atomic

__all__ = ["MODEL_DEFAULTS", "PPO_DEFAULTS", "TuneResult", "tune"]

#: The paper's PPO settings where it gives them (lr 0.007, gamma 1), sane ones elsewhere.
PPO_DEFAULTS: dict[str, Any] = {
    "learning_rate": 7e-3,
    "gamma": 1.0,
    "gae_lambda": 1.0,
    "clip_range": 0.2,
    "n_epochs": 10,
    "ent_coef": 0.0,
    "episodes_per_update": 8,
}


#: Settings of the model-based loop (see :class:`agents.rppo.model_control.KLModelControlCallback`).
MODEL_DEFAULTS: dict[str, Any] = {
    "reward_model": "extra_trees",
    "kl_threshold": 0.1,
    "fixed_updates": 10,
    "max_model_updates": 50,
    "real_episodes_per_cycle": 8,
    "min_real_evals": 10,
    "screen": 0,
    "finetune": True,
}


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


def _previous_result(out: Path | None) -> dict[str, Any]:
    """The result.json of an earlier session of this run (finished or interrupted), else {}."""
    path = None if out is None else out / "result.json"
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}


def _json_safe(x: Any) -> Any:
    return json.loads(json.dumps(x, default=lambda o: getattr(o, "__name__", repr(o))))


def tune(
    task: Any = "breast_cancer",
    budget: int = 30,
    seed: int = 0,
    *,
    env_id: str = "HPO-XGB-v0",
    env_kwargs: dict[str, Any] | None = None,
    env: HPOEnv | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    policy_kwargs: dict[str, Any] | None = None,
    ppo_kwargs: dict[str, Any] | None = None,
    model_based: str | None = None,
    model_kwargs: dict[str, Any] | None = None,
    max_episodes: int | None = None,
    progress: bool = True,
    tensorboard: bool = True,
    torch_threads: int = 1,
    n_envs: int = 1,
    backend: str = "process",
    address: str | None = None,
    prior: str | os.PathLike[str] | None = None,
    prior_evals: int = 10,
) -> TuneResult:
    """Train the paper's recurrent PPO agent on ``task`` for ``budget`` real evaluations.

    Args:
        task: task spec for the env (``breast_cancer``, ``pmlb:NAME``, ``csv:PATH``...).
        budget: real evaluations to spend (cached repeats are free).
        seed: seeds the split, XGBoost, the env's RNG and the policy.
        env_id: a registered env id (``HPO-XGB-v0``).
        env_kwargs: more ``gym.make`` arguments (``data_dir``, ``target``, ``metric``, ...).
        env: an already built :class:`HPOEnv` (e.g. a synthetic objective) instead of
            ``env_id``/``task``; its history is used as it is.
        out_dir: where the run's files go (see the module docstring); None writes nothing.
        policy_kwargs: override :func:`default_policy_kwargs`.
        ppo_kwargs: override :data:`PPO_DEFAULTS` or pass other RecurrentPPO arguments.
            ``episodes_per_update`` sets ``n_steps`` (and the minibatch) to that many episodes.
        model_based: None (every episode is a real evaluation), ``"kl"`` (the paper's
            reward model with the dynamic KL horizon) or ``"fixed"`` (a fixed number of
            model updates per stretch): the ablations of the model issue.
        model_kwargs: override :data:`MODEL_DEFAULTS`.
        max_episodes: stop after this many real or cached episodes even if the budget is not spent
            (default :func:`agents.base.max_episodes`), in case the policy only repeats cached configurations.
        progress: show a progress bar.
        tensorboard: write TensorBoard logs under ``out_dir/tb``.
        torch_threads: torch CPU threads (the nets are tiny; more threads only contend).
        n_envs: episodes played side by side; their evaluations run in parallel on
            ``n_envs`` workers (:class:`~agents.rppo.vec_env.ParallelEvalVecEnv`). An update
            still uses ``episodes_per_update`` episodes (rounded up to a multiple of
            ``n_envs``). Not combined with ``model_based``.
        backend: where parallel evaluations run with ``n_envs > 1``: ``"process"`` or
            ``"ray"`` (the ``[ray]`` extra).
        address: a Ray cluster's address for ``backend="ray"`` (default: a local Ray).
        prior: weights from :func:`agents.prior.pretrain` (a path, or ``"default"`` for
            the shipped ones) to start the policy from. The env needs the task's
            meta-features in its observation (``meta_features=True``, set for you when
            ``env_id`` builds the env); weights for another space or observation raise
            :class:`~agents.prior.PriorError`. The policy architecture is the prior's.
        prior_evals: with a prior, the first real evaluations it proposes before any
            update (samples of the prior policy); then training goes on from it.
    """
    if int(budget) < 1:
        raise ValueError(f"budget={budget!r}; expected a number of real evaluations >= 1")
    th.set_num_threads(int(torch_threads))
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    pk = {**default_policy_kwargs(), **(policy_kwargs or {})}
    ppo = {**PPO_DEFAULTS, **(ppo_kwargs or {})}
    episodes_per_update = int(ppo.pop("episodes_per_update"))
    if model_based not in (None, "kl", "fixed"):
        raise ValueError(f"model_based={model_based!r}; expected None, 'kl' or 'fixed'")
    n_envs = int(n_envs)
    if n_envs < 1:
        raise ValueError(f"n_envs={n_envs!r}; expected >= 1")
    if n_envs > 1 and model_based:
        raise ValueError("model_based runs play one env at a time; use n_envs=1 with model_based")
    mk = {**MODEL_DEFAULTS, **(model_kwargs or {})} if model_based else None
    if mk is not None and set(mk) != set(MODEL_DEFAULTS):
        unknown = sorted(set(mk) - set(MODEL_DEFAULTS))
        raise ValueError(f"unknown model_kwargs {unknown}; known: {sorted(MODEL_DEFAULTS)}")
    prior_doc = None
    if prior is not None:
        from agents.prior import load_prior

        prior_doc = load_prior(prior)
        pk = {**pk, **prior_doc["policy_kwargs"], **(policy_kwargs or {})}
    if env is None:
        kw = {"task": task, "seed": seed, **(env_kwargs or {})}
        if prior_doc is not None:
            kw.setdefault("meta_features", True)
        if out is not None:
            kw["history_path"] = out / "history.jsonl"
        env = gym.make(env_id, **kw).unwrapped
    assert isinstance(env, HPOEnv), f"tune needs an HPOEnv, got {type(env).__name__}"
    settings = _json_safe(
        {
            "agent": ("rppo" if model_based is None else f"rppo-mb-{model_based}") + ("-prior" if prior else ""),
            "env_id": env_id,
            "task": getattr(env.objective, "task", None) and env.objective.task.describe(),
            "budget": int(budget),
            "seed": int(seed),
            "env_kwargs": env_kwargs or {},
            "order": env.order_name,
            "objective": env.objective.describe(),
            "space": env.space.to_list(),
            "policy_kwargs": pk,
            "ppo": {**ppo, "episodes_per_update": episodes_per_update},
            "torch_threads": int(torch_threads),
            "n_envs": n_envs,
            "model_based": model_based,
            "model": mk,
            "prior": None if prior_doc is None else prior_doc["path"],
            "prior_evals": None if prior_doc is None else int(prior_evals),
        }
    )
    prev = _previous_result(out)
    if prev and env.n_real_evals >= int(budget) and prev.get("finished") and prev.get("settings") == settings:
        return TuneResult.from_dict({**prev, "already_finished": True})
    ckpt = out / "checkpoint.zip" if out is not None else None
    if out is not None:
        old = out / "settings.json"
        # The budget may grow on resume; everything else must match.
        if old.exists() and {**json.loads(old.read_text()), "budget": None} != {**settings, "budget": None}:
            raise ValueError(
                f"{out} holds a run with other settings; use another out_dir or delete it "
                f"(compare {old} with these settings)"
            )
        write_json_atomic(old, settings)
    # n_steps is per env: each env plays its share of the update's episodes.
    n_steps = -(-episodes_per_update // n_envs) * env.n_hyperparameters
    train_env: Any = env
    if n_envs > 1:
        from agents.rppo.vec_env import ParallelEvalVecEnv

        train_env = ParallelEvalVecEnv(env, n_envs, backend=backend, address=address, max_real_evals=int(budget))
    if mk is not None:
        from hpo_env.wrappers import ModelRewardWrapper

        train_env = ModelRewardWrapper(env, model=mk["reward_model"], seed=seed)
    if ckpt is not None and ckpt.exists():
        model = RecurrentPPO.load(ckpt, env=train_env, seed=seed)
    else:
        model = RecurrentPPO(
            HPORecurrentPolicy,
            train_env,
            n_steps=n_steps,
            batch_size=n_steps * n_envs,
            policy_kwargs=pk,
            seed=seed,
            tensorboard_log=str(out / "tb") if (out is not None and tensorboard) else None,
            device="cpu",
            **ppo,
        )
    inc = env.history.incumbent
    cb = RealEvalBudgetCallback(
        budget,
        start=env.n_real_evals,
        best=None if inc is None else inc["val_score"],
        max_episodes=max_episodes if max_episodes is not None else base_max_episodes(int(budget)),
        checkpoint_path=ckpt,
        progress=progress,
        eval_log_dir=out / "tb" / "evals" if (out is not None and tensorboard) else None,
    )
    if prior_doc is not None and (ckpt is None or not ckpt.exists()):
        _prior_proposals(model, prior_doc, env, min(int(prior_evals), int(budget)), cb, progress)
    callbacks: list[Any] = [cb]
    control = None
    if mk is not None:
        from agents.rppo.model_control import KLModelControlCallback

        control = KLModelControlCallback(
            train_env, horizon=model_based, budget=cb, **{k: v for k, v in mk.items() if k != "reward_model"}
        )
        callbacks.append(control)
    try:
        if env.n_real_evals < budget:
            model.learn(
                total_timesteps=10**12,
                callback=callbacks,
                tb_log_name="rppo",
                reset_num_timesteps=not (ckpt is not None and ckpt.exists()),
            )
            if ckpt is not None:
                model.save(ckpt)
    finally:
        cb.close()
        if n_envs > 1:
            train_env.close()
        # Also on an interrupt or error: the counts so far, which a resumed run adds to.
        result = _result(env, budget, cb, control, prev, settings, out)
        if out is not None:
            write_json_atomic(out / "result.json", result.to_dict())
    return result


def _prior_proposals(model: Any, prior_doc: dict[str, Any], env: HPOEnv, n: int, cb: Any, progress: bool) -> None:
    """Load the prior into ``model``'s policy and evaluate its own samples until the history
    holds ``n`` real evaluations (counted over the whole history, so a run resumed before
    its first update does not redo them); each counts and is logged by ``cb``."""
    from agents.prior import load_prior_into, propose

    load_prior_into(model.policy, prior_doc, env)
    n_first = n - env.n_real_evals
    if n_first <= 0:
        return
    model.policy.set_training_mode(False)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_first, desc="prior's proposals", unit="eval")
    for info in propose(
        model.policy, env, n_first, max_episodes=base_max_episodes(n_first), on_episode=bar and bar.update
    ):
        cb.observe(info)
    if bar is not None:
        bar.close()


def _result(
    env: HPOEnv, budget: int, cb: RealEvalBudgetCallback, control: Any,
    prev: dict[str, Any], settings: dict[str, Any], out: Path | None,
) -> TuneResult:  # fmt: skip
    """The run's result over all its sessions: counts add to the previous session's, and
    times are the env's clock, which a resumed history continues."""
    records = env.history.records
    eval_s = float(sum(r["seconds"] for r in records))
    wall = env.elapsed()
    inc = env.history.incumbent
    n = len(records)
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
        model_stretches=[*prev.get("model_stretches", []), *([] if control is None else control.stretches)],
        settings=settings,
        out_dir=None if out is None else str(out),
        finished=env.n_real_evals >= int(budget) or cb.stalled,
    )
