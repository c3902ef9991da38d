"""``hpo-rl bench`` and ``hpo-rl report``: resumable JSONL results and a report with plots."""

import json
import re
import subprocess
import sys
from collections import Counter

from benchmarks.cli import main
from benchmarks.report import make_report
from benchmarks.runner import RESULT_KEYS, run_matrix
from benchmarks.suites import SUITES, resolve_tasks


def lines(path):
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_parallel_matrix_writes_every_run_once_with_all_keys(tmp_path):
    out = tmp_path / "r.jsonl"
    s = run_matrix(["iris", "wine"], ["random", "tpe"], [0, 1], 4, out, jobs=2, progress=False)
    assert s["ran"] == 8 and not s["failed"]
    rows = lines(out)
    assert len(rows) == 8 and all(set(RESULT_KEYS) <= set(r) for r in rows)
    assert {(r["agent"], r["task"], r["seed"]) for r in rows} == {
        (a, t, s) for a in ("random", "tpe") for t in ("iris", "wine") for s in (0, 1)
    }
    for r in rows:
        assert r["n_real_evals"] == 4 and len(r["trajectory"]) == 4 and r["budget"] == 4
    again = run_matrix(["iris", "wine"], ["random", "tpe"], [0, 1], 4, out, jobs=2, progress=False)
    assert again["ran"] == 0 and again["skipped"] == 8 and len(lines(out)) == 8


def test_killed_bench_resumes_without_duplicates_or_losses(tmp_path, kill_midway):
    out = tmp_path / "r.jsonl"
    cmd = [sys.executable, "-m", "benchmarks.cli", "bench", "--tasks", "iris,wine,breast_cancer",
           "--agents", "random,tpe", "--budget", "15", "--seeds", "3", "--out", str(out), "--no-progress"]  # fmt: skip
    kill_midway(cmd, out, 3)
    n_before = len(lines(out))
    assert 3 <= n_before < 18, "the benchmark should have been killed midway"
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    keys = Counter((r["agent"], r["task"], r["seed"]) for r in lines(out))
    assert len(keys) == 18 and set(keys.values()) == {1}


def test_report_writes_markdown_and_plots(tmp_path):
    out = tmp_path / "r.jsonl"
    run_matrix(["iris", "wine"], ["random", "tpe"], [0, 1, 2], 5, out, progress=False)
    assert all(0 < r["eval_s"] <= r["wall_s"] for r in lines(out))
    md = make_report(out, tmp_path / "rep")
    text = md.read_text()
    assert re.search(r"\| tpe \| [\d.]+ \| 5\.0 \| \d+\.\d{4} \|", text), "the cost table gives the agent's own time"
    assert "3 seeds per agent and task" in text and "| iris |" in text and "mean rank" in text
    assert "Win / tie / loss" in text and "normalized regret" in text
    for png in ("mean_rank.png", "best_so_far_evals.png", "best_so_far_time.png"):
        assert (tmp_path / "rep" / png).stat().st_size > 5000


def test_suites_and_bad_input(capsys, tmp_path):
    assert resolve_tasks("quick") == ["breast_cancer", "digits", "iris", "wine"]
    assert len(SUITES["public"]) == 20
    assert main(["bench", "--suite", "nope", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "unknown suite 'nope'" in capsys.readouterr().err
    assert main(["bench", "--tasks", "iris", "--agents", "bogus", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "unknown agent 'bogus'" in capsys.readouterr().err


def test_bench_names_the_agent_auto_stands_for(capsys, tmp_path):
    from hpo_env.history import read_jsonl

    out = tmp_path / "r.jsonl"
    args = ["bench", "--tasks", "wine", "--agents", "auto,tpe", "--budget", "3", "--seeds", "1", "--no-progress"]
    assert main([*args, "--time-budget", "30", "--out", str(out)]) == 0
    assert "auto is portfolio-tpe-hyperband, what hpo-rl tune --agent auto runs" in capsys.readouterr().err
    assert sorted(r["agent"] for r in read_jsonl(out)) == ["portfolio-tpe-hyperband", "tpe"]
    assert main([*args, "--env", "HPO-XGB-Surrogate-v0", "--out", str(tmp_path / "s.jsonl")]) == 0
    assert "auto is rppo-prior" in capsys.readouterr().err


def test_public_suite_tasks_all_load(data_dir):
    from hpo_env import load_task

    for spec in SUITES["public"]:
        t = load_task(spec, data_dir=data_dir)
        assert t.n_classes >= 2 and len(t.test) > 0


def test_quick_suite_smoke_run_of_every_agent(tmp_path):
    """The quick suite with every agent, at a CI-sized budget (the real run: budget 30, 3 seeds)."""
    out = tmp_path / "quick.jsonl"
    args = ["bench", "--suite", "quick", "--agents", "all", "--budget", "4", "--seeds", "1",
            "--jobs", "2", "--out", str(out), "--no-progress", "--report", str(tmp_path / "rep")]  # fmt: skip
    assert main(args) == 0
    rows = lines(out)
    from agents.registry import AGENTS, NEEDS_TRAINING

    everyone = set(AGENTS) - set(NEEDS_TRAINING)
    assert {(r["agent"], r["task"]) for r in rows} == {(a, t) for a in everyone for t in SUITES["quick"]}
    from agents.registry import make_agent

    mf = {a for a in everyone if make_agent(a).multi_fidelity}
    assert all(r["n_real_evals"] == 4 and r["best_val"] is not None for r in rows if r["agent"] not in mf)
    # Multi-fidelity agents count full-evaluation equivalents; smac-mf may make no full one in 4.
    assert all(r["full_evals"] >= 4 and r["n_real_evals"] >= 4 for r in rows if r["agent"] in mf)
    assert (tmp_path / "rep" / "report.md").exists()


def test_a_development_run_of_a_variant_adds_its_own_time_and_resumes(tmp_path):
    from agents.rppo.presets import PRESETS
    from benchmarks.dev_runs import run_variant

    out = tmp_path / "results_x.jsonl"
    preset = PRESETS["rppo-prior"].replace(name="rppo-prior-x", prior_evals=4, model={"min_real_evals": 4})
    run_variant(preset, ["iris"], out, budget=8, seeds=1)
    run_variant(preset, ["iris", "wine"], out, budget=8, seeds=1)  # iris is done: only wine runs
    rows = lines(out)
    assert [(r["agent"], r["task"], r["n_real_evals"]) for r in rows] == [
        ("rppo-prior-x", "iris", 8),
        ("rppo-prior-x", "wine", 8),
    ]
    assert all(r["cpu_s"] > 0 and set(RESULT_KEYS) <= set(r) for r in rows)


def _random_run(agent, task, seed):
    import gymnasium as gym

    from agents.base import run_agent
    from agents.registry import make_agent

    return run_agent(make_agent(agent), gym.make("HPO-XGB-v0", task=task, seed=seed), 3, seed, task=task).to_dict()


def test_parallel_development_runs_append_each_run_once_and_resume(tmp_path, capsys):
    from benchmarks.dev_runs import finished, run_parallel

    out = tmp_path / "results.jsonl"
    jobs = [("random", "iris", 0), ("random", "wine", 0), ("random", "iris", 1)]
    run_parallel(_random_run, jobs[:2], out)
    assert finished(out) == set(jobs[:2]) and len(capsys.readouterr().out.splitlines()) == 2
    run_parallel(_random_run, [j for j in jobs if j not in finished(out)], out)  # only the third runs
    assert sorted((r["agent"], r["task"], r["seed"]) for r in lines(out)) == sorted(jobs)
    assert all(r["n_real_evals"] == 3 for r in lines(out)) and finished(tmp_path / "none.jsonl") == set()


def test_the_multifidelity_summary_times_each_run_against_its_own_reference():
    from benchmarks.multifidelity import summary

    def run(agent, task, seed, best, wall, traj):
        return {"agent": agent, "task": task, "seed": seed, "best_val": best, "test_of_best": best - 0.01,
                "wall_s": wall, "trajectory": traj}  # fmt: skip

    ref = [run("tpe", "a", 0, 0.9, 100.0, []), run("tpe", "a", 1, 0.8, 50.0, []), run("tpe", "b", 0, 0.1, 9.0, [])]
    runs = [
        run("x", "a", 0, 0.95, 100.0, [[1, 10.0, 0.5, 0.5], [2, 30.0, 0.9, 0.89]]),  # reaches 0.9 at 30 of 100 s
        run("x", "a", 1, 0.85, 50.0, [[1, 20.0, 0.85, 0.84]]),  # reaches 0.8 at 20 of 50 s
        run("y", "a", 0, 0.7, 100.0, [[1, 5.0, 0.7, 0.69]]),  # never reaches 0.9
    ]
    text = "\n".join(summary(ref, runs, ["x", "y", "z"]))
    assert "| x | 0.35 | 2/2 | 0.9000 | 0.8900 |" in text  # the median of 0.3 and 0.4
    assert "| y | inf | 0/1 | 0.7000 | 0.6900 |" in text and "| z |" not in text
    assert "Reference TPE runs (2): best val 0.8500, test of best 0.8400." in text  # task b has no runs


def test_the_multifidelity_benchmark_gives_prior_to_every_agent_that_learns_across_tasks(tmp_path):
    from agents.transfer.portfolio import build_portfolio
    from benchmarks.multifidelity import main as multifidelity
    from hpo_env.history import read_jsonl

    held_out = build_portfolio(tmp_path / "folds" / "breast_cancer.json", tasks=["iris", "wine"], k=2)
    out = tmp_path / "mf"
    agents = "tpe,portfolio-tpe-hyperband"
    multifidelity(["--tasks", "breast_cancer", "--evals", "3", "--seeds", "1", "--agents", agents,
                   "--prior", str(tmp_path / "folds"), "--out", str(out)])  # fmt: skip
    extra = {r["agent"]: r["extra"] for r in read_jsonl(out / "results.jsonl")}
    assert extra["portfolio-tpe-hyperband"]["portfolio"] == str(held_out)
    assert extra["portfolio-tpe-hyperband"]["prior_saw_task"] is False and "portfolio" not in extra["tpe"]


def test_combine_keeps_the_named_agents_of_each_file_and_leaves_out_tasks(tmp_path):
    from benchmarks.dev_runs import combine
    from hpo_env.history import read_jsonl

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    rows = [{"agent": x, "task": t} for x in ("tpe", "random") for t in ("iris", "wine")]
    a.write_text("".join(json.dumps(d) + "\n" for d in rows))
    b.write_text(json.dumps({"agent": "new", "task": "wine"}) + "\n")
    assert combine(tmp_path / "c.jsonl", [(a, ("tpe",)), (b, None)], without_tasks=["iris"]) == 2
    assert read_jsonl(tmp_path / "c.jsonl") == [{"agent": "tpe", "task": "wine"}, {"agent": "new", "task": "wine"}]
