"""A learned prior: the paper's recurrent policy meta-trained across tasks in fast mode.

What a policy can carry that a per-task optimiser cannot is what worked on other data.
``pretrain`` builds that policy in two stages, on the fast-mode tables of every task but
the excluded ones (``HPO-XGB-MultiTask-v0``: one task per episode, the task's
meta-features in the observation):

1. behaviour cloning: the policy is fitted by maximum likelihood to each task's best
   measured configurations, so it starts as a density over every region that was good
   somewhere, conditioned on the meta-features;
2. RecurrentPPO on sessions of 25 episodes per task, each rewarded by how much it raises
   the session's best percentile (so the best of 25 proposals is what is optimised, not
   each proposal's average), with a penalty for repeated configurations and a floor on
   the action spread against collapse.

With ``carry_state=True`` the same stages train a session (RL²) policy instead, on
:class:`~hpo_env.fast.session.MetaSessionEnv` (its LSTM state runs across a session; used by
:class:`agents.prior.rl2.RL2Agent`), optionally cloned first on the greedy portfolio
(``bc_portfolio``).

The policy is :class:`~agents.rppo.policy.HPORecurrentPolicy` with wider embeddings (16
instead of the paper's 2) and a per-step spread (``state_dependent_std``): with the
paper's 2-unit embeddings the meta-trained policy proposed nearly the same value for
every hyperparameter after the third. ``tune(prior=...)`` and the ``rppo-prior`` agent
start from such weights: the prior's own samples first, then the paper's model-based
loop fine-tunes it on the task.

A weights file is a small ``torch.save`` dict: ``format``, ``space`` (the search space
it was trained on), ``meta_features`` (their names), ``obs_dim``, ``policy_kwargs``,
``state_dict``, ``train`` (tasks, exclusions, seed, settings, seconds) and ``built_with``
(package versions, CPU kernels and threads: :func:`agents.prior.provenance.build_environment`).
:func:`check_rebuild` trains again from what a file records and says how far apart the
two are (``hpo-rl pretrain --check``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch as th

from agents.prior.provenance import build_environment, environment_differences
from agents.rppo.sampling import episode_observations
from agents.transfer.files import PRIOR_FORMAT, PriorError, load_prior
from hpo_env.fast.tables import task_slug
from hpo_env.history import atomic_path, write_json_atomic
from hpo_env.meta_features import META_FEATURES

__all__ = [
    "PRETRAIN_DEFAULTS",
    "check_rebuild",
    "clone_portfolio_sessions",
    "clone_top_configs",
    "episode_batch",
    "fit_likelihood",
    "pretrain",
    "pretrain_leave_one_out",
    "weights_suffix",
]

#: Meta-training settings (RecurrentPPO on ``n_envs`` multi-task envs).
PRETRAIN_DEFAULTS: dict[str, Any] = {
    # Behaviour cloning first: the policy starts as a density of each training task's
    # ``bc_top`` best measured configurations.
    "bc_top": 30,
    "bc_steps": 300,
    "bc_learning_rate": 3e-3,
    # Then RecurrentPPO on the multi-task env, ``n_envs`` copies side by side.
    "timesteps": 100_000,
    "n_envs": 32,
    "episodes_per_env": 4,
    "learning_rate": 3e-4,
    "n_epochs": 4,
    "gamma": 1.0,
    "gae_lambda": 1.0,
    "ent_coef": 0.0,
    # Rewards: sessions of 25 episodes per task with improvement rewards (the best of 25
    # proposals is what counts), a penalty for repeats, the plain percentile.
    "session": 25,
    "reward_power": 1.0,
    "repeat_penalty": 0.5,
    # RL²: one RL episode is a whole session (hpo_env.fast.session.MetaSessionEnv), so the
    # LSTM state runs across its configurations and the observation carries the session's
    # measured ranks; ``episodes_per_env`` then counts configurations per rollout too.
    # Such weights serve agents.prior.RL2Agent, not ``rppo-prior``.
    "carry_state": False,
    # With carry_state: clone the greedy portfolio of this many configurations of the same
    # tables as every session's first proposals (0: no such warm start).
    "bc_portfolio": 0,
    # The policy: the paper's LSTM with wider embeddings and a per-step spread.
    "embedding_dim": 16,
    "output_embedding_dim": 16,
    "state_dependent_std": True,
    "min_log_std": -2.5,
    "log_std_init": -0.5,
}


def _settings(settings: dict[str, Any]) -> dict[str, Any]:
    """:data:`PRETRAIN_DEFAULTS` overridden by ``settings``; unknown names are refused."""
    unknown = sorted(set(settings) - set(PRETRAIN_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown pretrain settings {unknown}; known: {sorted(PRETRAIN_DEFAULTS)}")
    return {**PRETRAIN_DEFAULTS, **settings}


def pretrain(
    out: str | os.PathLike[str],
    *,
    tasks: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    table_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    progress: bool = True,
    torch_threads: int = 1,
    **settings: Any,
) -> Path:
    """Meta-train the recurrent policy across tasks and save its weights to ``out``.

    Args:
        out: the weights file to write.
        tasks: task specs with a fast-mode table (default: all in ``table_dir``).
        exclude: tasks to leave out, e.g. the task a leave-one-task-out run will tune.
        table_dir: where the tables are (default: the shipped ones).
        seed: seeds the surrogates, the task draws and the policy.
        progress: show a progress bar.
        torch_threads: torch CPU threads.
        **settings: override :data:`PRETRAIN_DEFAULTS`.
    """
    from stable_baselines3.common.vec_env import DummyVecEnv

    from agents.rppo.callbacks import TimestepProgressCallback
    from hpo_env.fast.multitask import MultiTaskSurrogateEnv
    from hpo_env.fast.session import SESSION_FEATURES, MetaSessionEnv

    cfg = _settings(settings)
    th.set_num_threads(int(torch_threads))
    t0 = time.perf_counter()

    kw = {"exclude": exclude, "table_dir": table_dir, "reward_power": cfg["reward_power"], "seed": seed}
    if cfg["carry_state"]:
        base = MetaSessionEnv(cfg["session"], tasks=tasks, repeat_penalty=cfg["repeat_penalty"], **kw)
        tables = base.env
    else:
        base = tables = MultiTaskSurrogateEnv(tasks, repeat_penalty=cfg["repeat_penalty"], session=cfg["session"], **kw)
    venv = DummyVecEnv([base.clone for _ in range(int(cfg["n_envs"]))])
    venv.seed(seed)
    model, pk = _meta_model(venv, cfg, seed)
    if int(cfg["bc_top"]) > 0:
        clone_top_configs(model.policy, tables, int(cfg["bc_top"]), int(cfg["bc_steps"]), cfg["bc_learning_rate"])
    if int(cfg["bc_portfolio"]) > 0:
        if not cfg["carry_state"]:
            raise ValueError("bc_portfolio clones whole sessions; it needs carry_state=True")
        clone_portfolio_sessions(model.policy, tables, int(cfg["bc_portfolio"]), int(cfg["bc_steps"]),
                                 cfg["bc_learning_rate"], seed)  # fmt: skip
    if int(cfg["timesteps"]) > 0:
        bar = TimestepProgressCallback(int(cfg["timesteps"]), "pretraining") if progress else None
        model.learn(total_timesteps=int(cfg["timesteps"]), callback=bar)
    doc = {
        "format": PRIOR_FORMAT,
        "space": tables.space.to_list(),
        "meta_features": list(META_FEATURES),
        "obs_dim": int(base.observation_space.shape[0]),
        "session_features": list(SESSION_FEATURES) if cfg["carry_state"] else [],
        "policy_kwargs": pk,
        "state_dict": {k: v.detach().clone() for k, v in model.policy.state_dict().items()},
        "train": {
            "tasks": list(tables.tasks),
            "exclude": list(exclude),
            "seed": int(seed),
            "settings": cfg,
            "seconds": round(time.perf_counter() - t0, 1),
        },
        "built_with": build_environment(),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        th.save(doc, tmp)
    return out


def _meta_model(venv: Any, cfg: dict[str, Any], seed: int) -> tuple[Any, dict[str, Any]]:
    """RecurrentPPO with the prior's policy (the paper's LSTM, wider embeddings, a per-step
    spread) on the multi-task envs, with the meta-training settings ``cfg``; and its policy_kwargs."""
    from sb3_contrib import RecurrentPPO

    from agents.rppo.policy import HPORecurrentPolicy, default_policy_kwargs

    n_steps = int(cfg["episodes_per_env"]) * venv.envs[0].unwrapped.n_hyperparameters
    pk = {
        **default_policy_kwargs(),
        **{k: v for k, v in cfg.items() if k in (*default_policy_kwargs(), "state_dependent_std")},
    }
    model = RecurrentPPO(
        HPORecurrentPolicy, venv, n_steps=n_steps, batch_size=n_steps * int(cfg["n_envs"]),
        learning_rate=cfg["learning_rate"], n_epochs=int(cfg["n_epochs"]), gamma=cfg["gamma"],
        gae_lambda=cfg["gae_lambda"], ent_coef=cfg["ent_coef"], policy_kwargs=pk, seed=seed, device="cpu",
    )  # fmt: skip
    return model, pk


def check_rebuild(
    path: str | os.PathLike[str] | None = None,
    table_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Pretrain again from what the weights file at ``path`` records (tasks, exclusions,
    seed, settings) and compare: whether every tensor is identical, the largest absolute
    difference and where, and what differs in the build environment.

    ``path`` defaults to the shipped weights, ``table_dir`` to the shipped tables.
    """
    import tempfile

    old = load_prior(path)
    train = old["train"]
    with tempfile.TemporaryDirectory(prefix="hpo-rl-rebuild-") as d:
        fresh = pretrain(
            Path(d) / "rebuild.pt", tasks=train["tasks"], exclude=train["exclude"], table_dir=table_dir,
            seed=train["seed"], progress=progress, **train["settings"],
        )  # fmt: skip
        new = load_prior(fresh)
    a, b = old["state_dict"], new["state_dict"]
    if set(a) != set(b) or any(a[k].shape != b[k].shape for k in a):
        raise PriorError(f"{old['path']}: the rebuilt policy has other tensors; the code's architecture changed")
    diff = {k: float((a[k].double() - b[k].double()).abs().max()) if a[k].numel() else 0.0 for k in a}
    worst = max(diff, key=diff.__getitem__)
    return {
        "path": old["path"],
        "identical": all(v == 0.0 for v in diff.values()),
        "n_tensors": len(diff),
        "n_differ": sum(v > 0.0 for v in diff.values()),
        "max_abs_diff": diff[worst],
        "worst_tensor": worst,
        "seconds": new["train"]["seconds"],
        "environment": environment_differences(old.get("built_with"), new["built_with"]),
    }


def weights_suffix(settings: dict[str, Any]) -> str:
    """How a held-out weights file ends: ``.rl2.pt`` for a session policy, else ``.pt``, so one
    directory holds both kinds beside the portfolios (``hpo-rl bench --prior DIR``)."""
    return ".rl2.pt" if settings.get("carry_state") else ".pt"


def _pretrain_one(args: tuple[str, dict[str, Any]]) -> str:
    out, kw = args
    pretrain(out, **kw)
    return out


def _pretrain_all(
    todo: list[tuple[str, dict[str, Any]]], total: int, jobs: int, progress: bool, desc: str,
    one: Callable[[tuple[str, dict[str, Any]]], str] = _pretrain_one,
) -> None:  # fmt: skip
    """Run ``one`` (default: :func:`pretrain`) for each ``(out, kwargs)`` of ``todo`` on ``jobs``
    processes, with a bar of ``total`` priors (the ones already written counted as done)."""
    from agents.parallel import imap_unordered

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=total - len(todo), desc=desc, unit="prior")
    for _ in imap_unordered(one, todo, int(jobs), "process", None):
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()


def _portfolio_done(path: Path) -> bool:
    """Whether the portfolio ``path`` and its pool are both there (older runs wrote no pool)."""
    from agents.transfer.adaptive import pool_path

    return path.exists() and pool_path(path).exists()


def pretrain_leave_one_out(
    leave_out: Sequence[str], out_dir: str | os.PathLike[str], jobs: int = 1, progress: bool = True, **kwargs: Any
) -> list[Path]:
    """One prior and one portfolio per task in ``leave_out``, each built without that task
    and its near-duplicates (:func:`agents.transfer.folds.family`): ``out_dir/<slug>.pt`` and
    ``out_dir/<slug>.json``.

    What an honest evaluation on task T uses (``hpo-rl bench --prior out_dir``, for
    ``rppo-prior`` and the portfolio agents alike). Files already in ``out_dir`` are kept,
    so an interrupted run resumes. ``kwargs`` go to :func:`pretrain` (``tasks``,
    ``table_dir``, ``seed``, settings).
    """
    from agents.transfer.folds import relatives
    from agents.transfer.portfolio import build_portfolio
    from hpo_env.fast.tables import list_tables

    _settings({k: v for k, v in kwargs.items() if k not in ("tasks", "exclude", "table_dir", "seed")})
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    extra = list(kwargs.pop("exclude", ()))
    paths = [out_dir / f"{task_slug(t)}{weights_suffix(kwargs)}" for t in leave_out]
    held = {t: [*relatives(t, [*leave_out, *(kwargs.get("tasks") or list_tables(kwargs.get("table_dir")))]), *extra]
            for t in leave_out}  # fmt: skip
    for t in leave_out:
        if not _portfolio_done(out_dir / f"{task_slug(t)}.json"):
            build_portfolio(out_dir / f"{task_slug(t)}.json", kwargs.get("tasks"), table_dir=kwargs.get("table_dir"),
                            exclude=held[t], seed=kwargs.get("seed", 0))  # fmt: skip
    todo = [(str(p), {**kwargs, "exclude": held[t], "progress": False})
            for t, p in zip(leave_out, paths, strict=True) if not p.exists()]  # fmt: skip
    _pretrain_all(todo, len(paths), jobs, progress, "priors")
    return paths


def write_folds(out_dir: Path, folds: list[list[str]], seed: int) -> list[list[str]]:
    """Write ``out_dir/folds.json`` (which tasks each fold holds out) and return ``folds``; a
    directory that holds other folds is refused, so a rerun resumes only the same split."""
    index = out_dir / "folds.json"
    if index.exists() and json.loads(index.read_text())["folds"] != folds:
        raise ValueError(f"{index} holds other folds; use another directory")
    write_json_atomic(index, {"k": len(folds), "seed": int(seed), "folds": folds})
    return folds


def pretrain_folds(
    tasks: Sequence[str],
    out_dir: str | os.PathLike[str],
    k: int = 5,
    jobs: int = 1,
    progress: bool = True,
    **kwargs: Any,
) -> list[Path]:
    """Grouped k-fold meta-training (:func:`agents.transfer.folds.grouped_folds`): for each fold
    ``i``, a prior ``out_dir/fold<i>.pt`` and a portfolio ``out_dir/fold<i>.json`` built from
    the tables of every other fold, and ``out_dir/folds.json`` saying which tasks each holds
    out. ``hpo-rl bench --prior out_dir`` then tunes each task with the fold that excluded it.
    Files already there are kept (a rerun resumes); ``kwargs`` go to :func:`pretrain`.
    """
    from agents.transfer.folds import grouped_folds
    from agents.transfer.portfolio import build_portfolio

    _settings({x: v for x, v in kwargs.items() if x not in ("table_dir", "seed")})
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = int(kwargs.get("seed", 0))
    folds = write_folds(out_dir, grouped_folds(tasks, k, seed=seed), seed)
    train = [[t for t in tasks if t not in set(fold)] for fold in folds]
    for i, names in enumerate(train):
        if not _portfolio_done(out_dir / f"fold{i}.json"):
            build_portfolio(out_dir / f"fold{i}.json", names, table_dir=kwargs.get("table_dir"), seed=seed)
    paths = [out_dir / f"fold{i}{weights_suffix(kwargs)}" for i in range(len(folds))]
    todo = [(str(p), {**kwargs, "tasks": names, "progress": False})
            for p, names in zip(paths, train, strict=True) if not p.exists()]  # fmt: skip
    _pretrain_all(todo, len(paths), jobs, progress, "fold priors")
    return paths


def episode_batch(env: Any, actions: np.ndarray) -> tuple[th.Tensor, th.Tensor, th.Tensor]:
    """Observations, actions and episode starts of whole episodes played with ``actions``
    (rows of per-hyperparameter actions in space order) on an :class:`~hpo_env.env.HPOEnv`
    with the fixed order, laid out as sb3-contrib's recurrent policies read sequences."""
    n_hp = env.n_hyperparameters
    obs = episode_observations(env, actions)
    acts = np.take(actions, env.order, axis=1).reshape(-1, 1)
    starts = np.zeros(len(actions) * n_hp, np.float32)
    starts[::n_hp] = 1.0
    return th.as_tensor(obs.reshape(-1, obs.shape[-1])), th.as_tensor(acts, dtype=th.float32), th.as_tensor(starts)


def clone_top_configs(policy: Any, env: Any, top: int, steps: int, learning_rate: float) -> float:
    """Fit ``policy`` by maximum likelihood to the ``top`` best measured configurations of
    every task of a :class:`~hpo_env.fast.multitask.MultiTaskSurrogateEnv` (behaviour cloning).

    A warm start for meta-training: the policy starts as a density of configurations that
    were good somewhere, conditioned on the task's meta-features (for a session policy, as
    its first proposal of a session), so its samples spread over every good region instead
    of one average. Returns the final mean log-likelihood.
    """
    batches = []
    for e in env.envs:
        table = e.objective.table
        order = np.argsort(-np.where(table.failed, -np.inf, table.val))[:top]
        # The tanh-squashed Gaussian has no density at exactly +-1.
        batches.append(episode_batch(e, np.clip(table.X[order], -0.995, 0.995)))
    obs, acts, starts = (th.cat(parts) for parts in zip(*batches, strict=True))
    return fit_likelihood(policy, obs, acts, starts, len(starts) // env.n_hyperparameters, steps, learning_rate)


def clone_portfolio_sessions(policy: Any, env: Any, k: int, steps: int, learning_rate: float, seed: int = 0) -> float:
    """Fit a session policy (``carry_state``) by maximum likelihood to the greedy portfolio of
    ``k`` configurations (:mod:`agents.transfer.portfolio`) of the tables of ``env`` (a
    :class:`~hpo_env.fast.multitask.MultiTaskSurrogateEnv`), played as one session per task:
    its j-th proposal is the portfolio's j-th configuration, seen with the session features
    that task's surrogate gives along the way. A warm start that proposes what the portfolio
    does, from which reinforcement learning can learn to react. Returns the final mean
    log-likelihood."""
    from agents.transfer.portfolio import greedy_portfolio, percentile_matrix
    from hpo_env.fast.session import SessionMemory

    cands, pct = percentile_matrix([e.objective.table for e in env.envs], seed)
    actions = cands[greedy_portfolio(pct, int(k))]
    batches = []
    for e in env.envs:
        obs, acts, starts = episode_batch(e, np.clip(actions, -0.995, 0.995))
        memory, feats = SessionMemory(), []
        for a, score in zip(actions, e.objective.predict(actions), strict=True):
            feats.append(np.repeat(memory.features()[None], e.n_hyperparameters, axis=0))
            memory.add(a, float(score))
        starts[1:] = 0.0  # one session: the LSTM state runs across its proposals
        batches.append((th.cat([obs, th.as_tensor(np.concatenate(feats))], dim=1), acts, starts))
    obs, acts, starts = (th.cat(parts) for parts in zip(*batches, strict=True))
    return fit_likelihood(policy, obs, acts, starts, len(env.envs), steps, learning_rate)


def fit_likelihood(
    policy: Any, obs: th.Tensor, acts: th.Tensor, starts: th.Tensor, n_seq: int, steps: int, learning_rate: float
) -> float:
    """``steps`` full-batch Adam steps raising the mean log-likelihood of ``acts`` under the
    recurrent ``policy``, on ``n_seq`` sequences of equal length laid out one after another
    (as sb3-contrib's recurrent policies read them); returns the final mean log-likelihood.
    Observations shorter than the policy's are padded with zeros (a session policy's
    features before its first score)."""
    from sb3_contrib.common.recurrent.type_aliases import RNNStates

    obs = th.nn.functional.pad(obs, (0, policy.observation_space.shape[0] - obs.shape[1]))
    lstm = policy.lstm_actor
    zeros = th.zeros(lstm.num_layers, int(n_seq), lstm.hidden_size)
    states = RNNStates((zeros, zeros), (zeros, zeros))
    opt = th.optim.Adam(policy.parameters(), lr=learning_rate)
    policy.set_training_mode(True)
    ll = float("nan")
    for _ in range(int(steps)):
        _, log_prob, _ = policy.evaluate_actions(obs, acts, states, starts)
        loss = -log_prob.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        ll = -float(loss.detach())
    return ll
