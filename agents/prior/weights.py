"""A prior's weights file: where it is, reading it, checking it fits an env, and
proposing configurations with it (see :mod:`agents.prior.pretrain` for how one is made)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch as th

from agents.base import max_episodes as max_episodes_for
from hpo_env.fast.tables import task_slug
from hpo_env.meta_features import META_FEATURES
from hpo_env.spaces import SearchSpace

__all__ = [
    "DEFAULT_PRIOR",
    "PRIOR_FORMAT",
    "PriorError",
    "check_prior",
    "load_prior",
    "load_prior_into",
    "prior_policy",
    "propose",
    "resolve_file",
    "resolve_prior",
]

PRIOR_FORMAT = 1
#: The weights shipped with the package: trained by ``hpo-rl pretrain --exclude wine`` on every
#: shipped table but ``wine`` (78 of the ``corpus`` suite's 79; its ``train["tasks"]``), which is
#: kept out so the docs and the tests can show the prior on a task it did not see.
DEFAULT_PRIOR = Path(__file__).resolve().parent / "weights" / "prior_xgb.pt"


class PriorError(ValueError):
    """Weights that are missing, unreadable, or were trained for another space or observation."""


def resolve_file(path: str | os.PathLike[str] | None, task: str | None, default: Path, suffix: str) -> Path:
    """The file meant by ``path``: ``default`` for None or ``"default"``; for a directory of
    held-out files, the one that did not see ``task``: ``fold<i><suffix>`` of the fold that
    holds it out when the directory has a ``folds.json`` (``hpo-rl pretrain --folds``), else
    ``<slug><suffix>`` (``--leave-one-out``); else ``path`` itself."""
    if path is None or str(path) == "default":
        return default
    p = Path(path)
    if not p.is_dir():
        return p
    if task is None:
        raise PriorError(f"{str(p)!r} is a directory; a task is needed to pick its file")
    index = p / "folds.json"
    if index.exists():
        folds = json.loads(index.read_text())["folds"]
        held = [i for i, fold in enumerate(folds) if task in fold]
        if not held:
            raise PriorError(f"{task} is in no fold of {index}; every fold's files saw it or a near-duplicate")
        return p / f"fold{held[0]}{suffix}"
    return p / f"{task_slug(task)}{suffix}"


def resolve_prior(prior: str | os.PathLike[str] | None, task: str | None = None) -> Path:
    """The weights file meant by ``prior``: the shipped one for None or ``"default"``; for a
    directory of leave-one-task-out weights, the file named after ``task`` (``<slug>.pt``)."""
    return resolve_file(prior, task, DEFAULT_PRIOR, ".pt")


def load_prior(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read a weights file written by :func:`pretrain`; a clear :class:`PriorError` if it cannot be used."""
    p = resolve_prior(path)
    if not p.exists():
        raise PriorError(f"no prior weights at {p}; train them with: hpo-rl pretrain --out {p}")
    try:
        doc = th.load(p, map_location="cpu", weights_only=True)
    except Exception as e:
        raise PriorError(f"{p} is not a readable weights file ({type(e).__name__}: {e})") from e
    if not isinstance(doc, dict) or doc.get("format") != PRIOR_FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise PriorError(f"{p}: not a prior of format {PRIOR_FORMAT} (got {got})")
    doc["path"] = str(p)
    return doc


def check_prior(prior: dict[str, Any], env: Any) -> None:
    """Refuse a prior not trained for ``env``, naming the difference (:class:`PriorError`).

    The space must be the one the prior was trained on and the observation must carry the
    same meta-features (``meta_features=True``).
    """
    diff = SearchSpace.from_list(prior["space"]).difference(env.space, "the prior", "the env")
    if diff is not None:
        raise PriorError(
            f"the prior {prior.get('path')} was trained on another search space: {diff}. "
            "Pretrain one for this space with hpo-rl pretrain."
        )
    have, want = list(prior.get("session_features") or []), list(getattr(env, "session_features", ()))
    if have != want:
        kind = "a session (RL²) prior, for agents.prior.RL2Agent" if have else "not a session (RL²) prior"
        how = "hpo-rl pretrain --rl2" if want else "hpo-rl pretrain"
        raise PriorError(f"the prior {prior.get('path')} is {kind}; train one with {how}")
    obs_dim = int(env.observation_space.shape[0])
    if list(prior["meta_features"]) != list(META_FEATURES) or int(prior["obs_dim"]) != obs_dim:
        raise PriorError(
            f"the prior {prior.get('path')} expects observations of size {prior['obs_dim']} with meta-features "
            f"{prior['meta_features']}; the env gives size {obs_dim}. Make the env with meta_features=True."
        )


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


def propose(
    policy: Any,
    env: Any,
    n: int,
    deterministic: bool = False,
    max_episodes: int | None = None,
    on_episode: Any = None,
) -> list[dict[str, Any]]:
    """Play episodes of ``policy`` on ``env`` until ``n`` were real evaluations (episodes
    answered from the cache do not count; at most ``max_episodes`` in all), and return
    every final ``info``. An env without ``n_real_evals`` counts every episode.
    ``on_episode(k)`` is called after each episode with the real evaluations it made (0 or 1)."""
    out: list[dict[str, Any]] = []
    base = getattr(env, "unwrapped", env)
    counts = hasattr(base, "n_real_evals")
    n_before = base.n_real_evals if counts else 0
    limit = int(max_episodes) if max_episodes is not None else max_episodes_for(int(n))

    def made() -> int:
        return base.n_real_evals - n_before if counts else len(out)

    while len(out) < limit and made() < int(n):
        k = made()
        obs, _ = env.reset()
        state, first, done = None, np.ones(1, dtype=bool), False
        while not done:
            action, state = policy.predict(obs, state=state, episode_start=first, deterministic=deterministic)
            first = np.zeros(1, dtype=bool)
            obs, _, done, _, info = env.step(action)
        out.append(info)
        if on_episode is not None:
            on_episode(made() - k)
    return out
