"""Held-out folds keep near-duplicate data sets on one side (agents.transfer.folds)."""

import json

import pytest

from agents.transfer.folds import FAMILIES, family, grouped_folds, saw_task
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


def test_cli_pretrain_folds_holds_each_task_out_of_the_files_bench_gives_it(tmp_path):
    from agents.prior import load_prior
    from agents.transfer.portfolio import load_portfolio
    from benchmarks.cli import main
    from hpo_env.history import read_jsonl

    out, tasks = tmp_path / "folds", ["iris", "wine", "breast_cancer", "pmlb:breast"]
    tiny = ["--set=timesteps=600", "--set=n_envs=2", "--set=episodes_per_env=2", "--set=bc_top=5", "--set=bc_steps=5"]
    assert (
        main(["pretrain", "--tasks", ",".join(tasks), "--folds", "2", "--out", str(out), "--no-progress", *tiny]) == 0
    )
    folds = json.loads((out / "folds.json").read_text())["folds"]
    assert sorted(t for f in folds for t in f) == sorted(tasks)
    for i, fold in enumerate(folds):  # each fold's prior and portfolio saw only the other fold's tasks
        trained = load_prior(out / f"fold{i}.pt")["train"]["tasks"]
        assert sorted(trained) == sorted(t for t in tasks if t not in fold)
        assert load_portfolio(out / f"fold{i}.json")["train"]["tasks"] == trained
    res = tmp_path / "r.jsonl"
    args = ["--tasks", "breast_cancer,iris", "--agents", "rppo-prior,portfolio", "--budget", "12", "--seeds", "1"]
    assert main(["bench", "--env", "HPO-XGB-Surrogate-v0", *args, "--prior", str(out), "--out", str(res),
                 "--no-progress"]) == 0  # fmt: skip
    lines = read_jsonl(res)
    assert len(lines) == 4 and not any(x["extra"]["prior_saw_task"] for x in lines)
    for x in lines:
        i = next(i for i, f in enumerate(folds) if x["task"] in f)
        used = x["extra"]["prior"] if x["agent"] == "rppo-prior" else x["extra"]["portfolio"]
        assert used == str(out / f"fold{i}.{'pt' if x['agent'] == 'rppo-prior' else 'json'}")
