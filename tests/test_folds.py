"""Held-out folds keep near-duplicate data sets on one side (agents.prior.folds)."""

import pytest

from agents.prior.folds import FAMILIES, family, grouped_folds, saw_task
from benchmarks.suites import SUITES
from hpo_env.fast.tables import list_tables


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_corpus_folds_never_split_a_family_and_cover_every_task_once(seed):
    tasks = SUITES["corpus"]
    folds = grouped_folds(tasks, k=5, seed=seed)
    flat = [t for f in folds for t in f]
    assert sorted(flat) == sorted(tasks) and len(flat) == len(set(flat)) == 79
    fold_of = {t: i for i, f in enumerate(folds) for t in f}
    for members in FAMILIES.values():
        assert len({fold_of[t] for t in members}) == 1, members
    sizes = sorted(len(f) for f in folds)
    assert sizes[-1] - sizes[0] <= max(len(m) for m in FAMILIES.values())


def test_folds_are_seeded_and_refuse_too_many_folds():
    tasks = SUITES["corpus"]
    assert grouped_folds(tasks, 5, seed=0) == grouped_folds(tasks, 5, seed=0)
    assert grouped_folds(tasks, 5, seed=0) != grouped_folds(tasks, 5, seed=1)
    with pytest.raises(ValueError, match=r"k=3 folds; expected 2 to 2"):
        grouped_folds(["breast_cancer", "pmlb:breast", "iris"], k=3)


def test_saw_task_counts_a_near_duplicate_as_seen():
    assert saw_task(["pmlb:australian", "iris"], "pmlb:credit_a")
    assert saw_task(["digits"], "pmlb:optdigits") and not saw_task(["digits"], "wine")
    assert family("pmlb:vehicle") == "pmlb:vehicle"


def test_every_corpus_task_ships_a_table():
    assert set(SUITES["corpus"]) == set(list_tables())
