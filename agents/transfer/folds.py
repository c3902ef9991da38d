"""Held-out folds over tasks that keep families of near-duplicate data sets on one side.

Anything learned across tasks (a prior, a portfolio) is scored only on tasks it did not
see. Some tasks are the same data under two names, so holding out one name is not
enough: :data:`FAMILIES` lists them, and :func:`grouped_folds` never puts two members of a
family in different folds (scikit-learn's ``GroupKFold`` idea, with a seeded shuffle of
the groups so fold sizes stay within one group of each other).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["FAMILIES", "family", "flag_saw_task", "grouped_folds", "relatives", "saw_task"]

#: Tasks that are (nearly) the same data set, by family name. Measured or documented:
#: scikit-learn's ``breast_cancer`` (WDBC) with PMLB's Wisconsin ``breast``, and ``digits``
#: with ``optdigits`` (shared/datasets/README.md); ``credit_a`` is ``australian`` (690 rows,
#: classes 307/383) and ``splice`` is ``dna`` (3188 against 3186 rows).
FAMILIES: dict[str, tuple[str, ...]] = {
    "wisconsin": ("breast_cancer", "pmlb:breast"),
    "digits": ("digits", "pmlb:optdigits"),
    "australian": ("pmlb:australian", "pmlb:credit_a"),
    "splice": ("pmlb:dna", "pmlb:splice"),
}
_FAMILY_OF = {t: f for f, members in FAMILIES.items() for t in members}


def family(task: str) -> str:
    """The family a task spec belongs to: its :data:`FAMILIES` name, else the task itself."""
    return _FAMILY_OF.get(task, task)


def grouped_folds(tasks: Sequence[str], k: int = 5, seed: int = 0) -> list[list[str]]:
    """``k`` disjoint folds of ``tasks`` (each a list in the input order), families kept whole.

    Families are shuffled with ``seed`` and dealt to the currently smallest fold, largest
    family first, so fold sizes differ by at most the size of one family.
    """
    tasks = list(dict.fromkeys(tasks))
    groups: dict[str, list[str]] = {}
    for t in tasks:
        groups.setdefault(family(t), []).append(t)
    if not 2 <= int(k) <= len(groups):
        raise ValueError(f"k={k!r} folds; expected 2 to {len(groups)} (the number of task families given)")
    names = list(groups)
    order = np.random.default_rng(seed).permutation(len(names))
    shuffled = sorted((names[i] for i in order), key=lambda g: -len(groups[g]))  # stable: ties keep the shuffle
    folds: list[list[str]] = [[] for _ in range(int(k))]
    for g in shuffled:
        min(folds, key=len).extend(groups[g])
    rank = {t: i for i, t in enumerate(tasks)}
    return [sorted(f, key=rank.__getitem__) for f in folds]


def relatives(task: str, among: Sequence[str]) -> list[str]:
    """``task`` and the tasks of ``among`` in its family: what to hold out with it."""
    return list(dict.fromkeys([task, *(t for t in among if family(t) == family(task))]))


def saw_task(trained_on: Sequence[str], task: str) -> bool:
    """Whether something trained on ``trained_on`` saw ``task`` or a near-duplicate of it."""
    return family(task) in {family(t) for t in trained_on}


def flag_saw_task(doc: dict[str, Any], task: str | None, what: str) -> bool:
    """Whether the prior or portfolio ``doc`` (its ``train["tasks"]``, its ``path``) saw
    ``task`` or a near-duplicate; if so, say on stderr that the run is no held-out result.
    ``what`` names it in the warning (e.g. ``"rppo-prior: the prior"``)."""
    saw = task is not None and saw_task(doc["train"]["tasks"], task)
    if saw:
        warnings.warn(f"{what} {doc['path']} was trained on {task} (or a near-duplicate): no held-out result",
                      stacklevel=3)  # fmt: skip
    return saw
