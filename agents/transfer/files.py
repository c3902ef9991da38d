"""Which learned file serves a task, reading a prior's weights, and checking they fit an env.

A learned file (the prior's weights, a portfolio) is named by a path, ``"default"`` (the
shipped one), or a directory of held-out files (``hpo-rl pretrain --folds`` or
``--leave-one-out``), where :func:`resolve_file` picks the one that did not see the task;
:func:`~agents.transfer.folds.flag_saw_task` says whether a file saw it. See
:mod:`agents.prior.pretrain` for how weights are made.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch as th

from hpo_env.fast.tables import task_slug
from hpo_env.meta_features import META_FEATURES
from hpo_env.spaces import SearchSpace

__all__ = [
    "DEFAULT_PRIOR",
    "PRIOR_FORMAT",
    "WEIGHTS_DIR",
    "PriorError",
    "check_prior",
    "fitting_prior",
    "load_prior",
    "read_weights",
    "resolve_file",
    "resolve_prior",
    "served",
]

PRIOR_FORMAT = 1
#: Where the shipped learned files lie (package data).
WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "prior" / "weights"
#: The weights shipped with the package: trained by ``hpo-rl pretrain --exclude wine`` on every
#: shipped table but ``wine`` (78 of the ``corpus`` suite's 79; its ``train["tasks"]``), which is
#: kept out so the docs and the tests can show the prior on a task it did not see.
DEFAULT_PRIOR = WEIGHTS_DIR / "prior_xgb.pt"


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
    return read_weights(p, PRIOR_FORMAT, "prior", f"hpo-rl pretrain --out {p}")


def read_weights(p: Path, fmt: Any, what: str, how: str) -> dict[str, Any]:
    """The weights file ``p`` of format ``fmt``, with its ``path``; a :class:`PriorError` that
    names ``what`` it should hold, says what is wrong, and ``how`` to train one where there is none."""
    if not p.exists():
        raise PriorError(f"no {what} weights at {p}; train them with: {how}")
    try:
        doc = th.load(p, map_location="cpu", weights_only=True)
    except Exception as e:
        raise PriorError(f"{p} is not a readable weights file ({type(e).__name__}: {e})") from e
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise PriorError(f"{p}: not a {what} of format {fmt} (got {got})")
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


def fitting_prior(prior: str | os.PathLike[str] | None, env: Any, task: str | None) -> dict[str, Any]:
    """The weights ``prior`` means for ``task`` (:func:`resolve_prior`), read and checked to fit
    ``env`` (:func:`check_prior`); a :class:`PriorError` that says why not."""
    doc = load_prior(resolve_prior(prior, task))
    check_prior(doc, env)
    return doc


def served(
    load: Callable[[], dict[str, Any]], task: str | None, what: str, key: str, fallback: str | None
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The learned file that serves ``task`` and what a result records of it: ``load()`` reads
    (and checks) it; the record is ``{key: its path, "prior_saw_task": ...}``, where a file
    that saw the task or a near-duplicate is said in a warning naming ``what``
    (:func:`~agents.transfer.folds.flag_saw_task`). A file that cannot be used
    (:class:`PriorError`) gives ``(None, {key: None, "prior_saw_task": False})`` and the
    warning ``"{fallback}: {why}"``, or is raised when ``fallback`` is None.
    """
    from agents.transfer.folds import flag_saw_task

    try:
        doc = load()
    except PriorError as e:
        if fallback is None:
            raise
        warnings.warn(f"{fallback}: {e}", stacklevel=3)
        return None, {key: None, "prior_saw_task": False}
    return doc, {key: doc["path"], "prior_saw_task": flag_saw_task(doc, task, what)}
