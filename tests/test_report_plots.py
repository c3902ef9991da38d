"""The report's plots and bold marks, on a small synthetic results file."""

import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from benchmarks.report import load_results, make_report, plot_best_so_far, time_curve


def run(agent, task, seed, vals, step_s=0.5):
    best, traj = None, []
    for i, v in enumerate(vals, 1):
        best = v if best is None else max(best, v)
        traj.append([i, round(i * step_s * (1 + seed), 3), best, best - 0.01])
    return {"agent": agent, "task": task, "seed": seed, "budget": len(vals), "best_val": best,
            "test_of_best": best - 0.01, "best_config": {}, "n_real_evals": len(vals), "wall_s": traj[-1][1],
            "trajectory": traj}  # fmt: skip


@pytest.fixture
def results(tmp_path):
    rows = []
    for s in range(3):
        rows += [run("a", "t1", s, [0.5, 0.7, 0.8, 0.8, 0.9]), run("b", "t1", s, [0.6, 0.6, 0.7, 0.7, 0.75])]
        rows += [run("a", "t2", s, [1.0] * 5), run("b", "t2", s, [1.0] * 5)]  # every agent ties
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_time_curve_reads_best_so_far_at_each_time():
    traj = [[1, 1.0, 0.5, 0.4], [2, 2.0, 0.7, 0.6], [3, 4.0, 0.7, 0.6]]
    np.testing.assert_allclose(time_curve([traj], np.array([0.5, 1.0, 1.5, 3.9, 10.0]))[0],
                               [np.nan, 0.5, 0.5, 0.7, 0.7])  # fmt: skip


def test_plots_have_one_legend_integer_evaluations_and_a_mean_with_a_band(results):
    df = load_results(results)
    from benchmarks.report import _curve

    curves = {(a, t): np.array([_curve(r.trajectory, 5) for r in df[(df.agent == a) & (df.task == t)].itertuples()])
              for a in ("a", "b") for t in ("t1", "t2")}  # fmt: skip
    for kind in ("evals", "time"):
        fig = plot_best_so_far(df, curves, ["a", "b"], ["t1", "t2"], 5, kind)
        (legend,) = fig.legends
        assert [t.get_text() for t in legend.get_texts()] == ["a", "b"]
        for ax in fig.axes[:2]:
            assert len(ax.get_lines()) == 2, "one mean line per agent, not one per seed"
            assert len(ax.collections) == 2, "one band per agent"
            if kind == "evals":
                ticks = [x for x in ax.get_xticks() if 1 <= x <= 5]
                assert ticks and all(float(x).is_integer() for x in ticks)
        matplotlib.pyplot.close(fig)


def test_no_agent_is_bold_when_all_tie(results, tmp_path):
    text = make_report(results, tmp_path / "rep").read_text()
    t1 = next(x for x in text.splitlines() if x.startswith("| t1 |"))
    t2 = next(x for x in text.splitlines() if x.startswith("| t2 |"))
    assert t1.count("**") == 2 and "≈" not in t1.split("|")[2]
    assert "**" not in t2


def test_a_report_that_cannot_start_leaves_no_folder_and_ties_give_no_nan(tmp_path, recwarn):
    from benchmarks.cli import main

    rows = [run(a, t, s, [0.9] * 4) for a in ("a", "b", "c") for t in ("t1", "t2") for s in range(3)]  # all tie
    path = tmp_path / "tie.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["report", str(path), "--out", str(tmp_path / "ref"), "--reference", "foo"]) == 2
    assert not (tmp_path / "ref").exists()
    md = make_report(path, tmp_path / "rep").read_text()
    assert "nan" not in md and "W/T/L" not in md and "≥ ref" not in md  # no reference: no such columns
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    assert not list((tmp_path / "rep").glob("cd_*.png"))  # every agent ties: no Friedman test to draw
    assert "W/T/L" in make_report(path, tmp_path / "rep2", reference="a").read_text()


def test_a_gzipped_results_file_reads_as_the_plain_one(results, tmp_path):
    import gzip

    gz = tmp_path / "r.jsonl.gz"
    gz.write_bytes(gzip.compress(results.read_bytes()))
    assert load_results(gz).equals(load_results(results))


def test_a_plain_name_finds_its_gzipped_copy_as_committed_results_are_stored(results, tmp_path):
    import gzip

    (tmp_path / "r.jsonl.gz").write_bytes(gzip.compress(results.read_bytes()))
    assert load_results(tmp_path / "r.jsonl").equals(load_results(results))
    with pytest.raises(FileNotFoundError):
        load_results(tmp_path / "other.jsonl")


def test_report_reads_only_the_tasks_asked_for(results, tmp_path):
    text = make_report(results, tmp_path / "rep", tasks=["t2"]).read_text()
    assert "1 tasks" in text and "| t2 |" in text and "| t1 |" not in text
    with pytest.raises(ValueError, match=r"\['t3'\] have no run"):
        make_report(results, tmp_path / "rep2", tasks=["t3"])
    assert not (tmp_path / "rep2").exists()
