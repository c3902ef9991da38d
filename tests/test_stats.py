"""The report's tie-aware statistics, checked on a small synthetic results file whose answers
are known by construction (benchmarks.stats)."""

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.report import load_results, make_report
from benchmarks.stats import (
    at_budget,
    budget_points,
    budget_table,
    log_time_regret,
    median_eval_s,
    paired_verdict,
    regret_area,
)

TASKS = ("t1", "t2", "t3", "t4")


def traj(first: float, final: float, budget: int = 10) -> list[list]:
    """Best-so-far rising from ``first`` at evaluation 1 to ``final`` at evaluation 6, then flat."""
    vals = [first + (final - first) * min(i, 5) / 5 for i in range(budget)]
    return [[i + 1, float(i), v, v - 0.01] for i, v in enumerate(vals)]


def results(tmp_path):
    """A is best on every task by far; B and C differ by +-0.001 noise that cancels over seeds."""
    rows = []
    for t in TASKS:
        for s, noise in enumerate((0.001, -0.001, 0.0)):
            for a, final in (("A", 0.95), ("B", 0.80 + noise), ("C", 0.80 - noise)):
                tr = traj(0.5, final)
                rows.append({"agent": a, "task": t, "seed": s, "budget": 10, "best_val": tr[-1][2],
                             "test_of_best": tr[-1][3], "best_config": {}, "n_real_evals": 10, "wall_s": 10.0,
                             "trajectory": tr, "n_episodes": 10, "n_failed": 0, "extra": {}})  # fmt: skip
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_paired_verdict_counts_differences_within_two_standard_errors_as_ties():
    assert paired_verdict(np.array([0.1, 0.1, 0.1])) == "win"
    assert paired_verdict(np.array([0.01, -0.01, 0.005])) == "tie"
    assert paired_verdict(np.array([-0.2, -0.1, -0.15])) == "loss"


def test_budget_table_ranks_regret_and_wins_match_the_construction(tmp_path):
    df = load_results(results(tmp_path))
    t = budget_table(df, 10, reference="C")
    assert t.loc["A", "mean_rank"] == 1.0 and t.loc["A", "regret"] == pytest.approx(0.0, abs=1e-12)
    assert t.loc["A", "wtl"] == "4/0/0" and t.loc["B", "wtl"] == "0/4/0"
    assert t.loc["B", "at_least"] == 4  # B's mean equals C's on every task (the noise cancels)
    # Regret: per task hi = 0.95 (A), lo = 0.5 (every first evaluation), so B's is 0.15 / 0.45.
    assert t.loc["B", "regret"] == pytest.approx(0.15 / 0.45)
    assert t.loc["A", "test_of_best"] == pytest.approx(0.94)


def test_smaller_budgets_are_read_off_the_trajectories(tmp_path):
    df = load_results(results(tmp_path))
    d = at_budget(df, 2)  # one fifth of the way from 0.5: A at 0.59, B and C at 0.56
    assert d[d.agent == "A"].best_val.to_numpy() == pytest.approx(0.59)
    t = budget_table(df, 2, reference="C")
    assert t.loc["A", "mean_rank"] == 1.0 and t.loc["A", "wtl"] == "4/0/0"


def test_report_leads_with_the_budget_table_and_draws_critical_difference_diagrams(tmp_path):
    md = make_report(results(tmp_path), tmp_path / "rep", reference="C", budgets=(2, 5, 10)).read_text()
    head = md.split("## Best validation score per task")[0]
    assert "## At budgets 2, 5, 10" in head and "| 10 | A | 1.00 | 0.000 |" in head and "| 4/0/0 | 4 |" in head
    assert all((tmp_path / "rep" / f"cd_{b}.png").stat().st_size > 0 for b in (2, 5, 10))


def test_a_run_with_no_success_yet_ranks_last_and_loses(tmp_path):
    df = load_results(results(tmp_path))
    late = df[df.agent == "A"].copy()
    late["agent"] = "D"  # A's scores, but nothing succeeded before evaluation 5
    late["trajectory"] = [[[n, w, b if n >= 5 else None, *rest] for n, w, b, *rest in tr] for tr in late.trajectory]
    df = pd.concat([df, late], ignore_index=True)
    t = budget_table(df, 2, reference="C")
    assert t.loc["D", "mean_rank"] == 4.0 and t.loc["D", "regret"] == pytest.approx(1.0)
    assert t.loc["D", "wtl"] == "0/0/4"
    assert budget_table(df, 10, reference="C").loc["D", "wtl"] == "4/0/0"


def test_time_budgeted_runs_are_read_at_fractions_of_their_budget(tmp_path):
    df = load_results(results(tmp_path))
    df["time_budget"] = 10.0  # the trajectories' walls are 0, 1, ..., 9 s
    d = at_budget(df, 25, unit="pct")  # 2.5 s: three evaluations, A two fifths of the way from 0.5
    assert d[d.agent == "A"].best_val.to_numpy() == pytest.approx(0.68)
    assert budget_table(df, 25, reference="C", unit="pct").loc["A", "wtl"] == "4/0/0"


def test_time_budgeted_runs_are_read_in_each_tasks_median_evaluations(tmp_path):
    df = load_results(results(tmp_path))
    # t1's evaluations take 0.5 s, the others' 0.1 s; A's run on t1 was half partial evaluations.
    df["eval_s"] = np.where(df.task == "t1", 5.0, 1.0)
    df["full_evals"] = np.where((df.task == "t1") & (df.agent == "A"), 5.0, 10.0)
    df["time_budget"] = 9.0
    med = median_eval_s(df)  # A's 1 s per full evaluation on t1 is outvoted by B's and C's 0.5 s
    assert med["t1"] == pytest.approx(0.5) and med["t2"] == pytest.approx(0.1)
    d = at_budget(df, 5, unit="median")  # t1: 2.5 s, three evaluations; t2: 0.5 s, one evaluation
    a = d[d.agent == "A"].set_index(["task", "seed"]).best_val
    assert a["t1", 0] == pytest.approx(0.68) and a["t2", 0] == pytest.approx(0.5)
    assert budget_points(df) == ("median", [2.0, 5.0, 10.0])  # t1's 9 s reach 18 median evaluations
    # At 1: every run's first evaluation (regret 1). At 18: A is done on t1 (0) and at its
    # second evaluation elsewhere (1.8 s: 0.59, regret 0.8).
    curve = log_time_regret(df, np.array([1.0, 18.0]))
    assert curve.loc[1.0, "A"] == pytest.approx(1.0) and curve.loc[18.0, "A"] == pytest.approx(0.6)
    assert regret_area(curve)["A"] == pytest.approx(0.8)
    path = tmp_path / "timed.jsonl"
    df.to_json(path, orient="records", lines=True)
    text = make_report(path, tmp_path / "rep").read_text()
    assert "## Anytime" in text and "## At 2, 5, 10 of the task's median evaluations" in text
    assert (tmp_path / "rep" / "regret_time.png").exists()
    # A passes C's final (0.80) at its fifth evaluation, 4 s: 8 median evaluations on t1, 40 elsewhere.
    text = make_report(path, tmp_path / "rep_c", reference="C").read_text()
    assert "| A | 40.0 | 12/12 |" in text and "| C | 50.0 | 12/12 |" in text
