"""The multi-fidelity comparison: every agent given the wall time TPE needs for N full evaluations.

    python -m benchmarks.multifidelity --tasks pmlb:satimage,pmlb:optdigits --evals 30 --seeds 3 \
        --jobs 2 --prior DIR --out DIR

1. TPE makes ``--evals`` full evaluations per task and seed (``OUT/ref.jsonl``). A task's
   time budget is the median of those runs' wall times.
2. ``--agents`` (default tpe, tpe-hyperband, smac-mf, rppo-prior-hb and its same-data
   baseline portfolio-tpe-hyperband) run with that time budget, their evaluations capped
   at 50 times ``--evals`` (``OUT/results.jsonl``). ``tpe`` here is TPE again, under the
   time budget, so all are cut the same way.
3. ``OUT/summary.md``: per agent, the wall time it needs to reach the reference TPE run's
   final best validation score, as a fraction of that run's wall time (median over
   task-seeds; a run that never reaches it counts as infinite), a warning if the runs were
   made at different machine speeds (each records ``speed_probe_s``), then the report of
   ``hpo-rl report`` (mean rank, regret and paired W/T/L at 25, 50 and 100% of the
   time budget) in ``OUT/report``.

Everything resumes: a rerun skips the runs already in the JSONL files.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks.speed import speed_note
from benchmarks.stats import time_to_reach
from hpo_env.history import read_jsonl

__all__ = ["main", "time_budgets"]

#: The agents compared by default.
AGENTS = ("tpe", "tpe-hyperband", "smac-mf", "rppo-prior-hb", "portfolio-tpe-hyperband")


def _mean(xs: Any) -> float:
    """The mean of the values that are not None (NaN if none: a run with no full evaluation)."""
    xs = [x for x in xs if x is not None]
    return statistics.mean(xs) if xs else math.nan


def time_budgets(ref: list[dict[str, Any]]) -> dict[str, float]:
    """Each task's time budget: the median wall time of its reference TPE runs."""
    walls: dict[str, list[float]] = {}
    for r in ref:
        walls.setdefault(r["task"], []).append(float(r["wall_s"]))
    return {t: float(statistics.median(w)) for t, w in walls.items()}


def summary(ref: list[dict[str, Any]], runs: list[dict[str, Any]], agents: list[str]) -> list[str]:
    """The summary's lines: time to reach the reference's final best, and test-of-best, per agent."""
    tasks = {r["task"] for r in runs}  # the reference line covers the tasks run so far, as the report does
    refs = {(r["task"], r["seed"]): r for r in ref if r["best_val"] is not None and r["task"] in tasks}
    lines = [
        "| agent | median time to reach TPE's final (fraction of TPE's wall) | reached | best val | test of best |",
        "|---|---|---|---|---|",
    ]
    for a in agents:
        mine = [r for r in runs if r["agent"] == a and (r["task"], r["seed"]) in refs]
        if not mine:
            continue
        fr = [
            time_to_reach(r, refs[r["task"], r["seed"]]["best_val"], refs[r["task"], r["seed"]]["wall_s"]) for r in mine
        ]
        val, test = (_mean(r[k] for r in mine) for k in ("best_val", "test_of_best"))
        reached = sum(math.isfinite(f) for f in fr)
        lines.append(f"| {a} | {statistics.median(fr):.2f} | {reached}/{len(fr)} | {val:.4f} | {test:.4f} |")
    ref_val = statistics.mean(r["best_val"] for r in refs.values())
    ref_test = _mean(r["test_of_best"] for r in refs.values())  # NaN where the env gives no test score
    lines += ["", f"Reference TPE runs ({len(refs)}): best val {ref_val:.4f}, test of best {ref_test:.4f}.", ""]
    note = speed_note([r.get("speed_probe_s") for r in [*refs.values(), *runs] if r["task"] in tasks])
    lines += [note, ""] if note else []
    return lines


def main(argv: list[str] | None = None) -> None:
    from agents.registry import prior_agents
    from benchmarks.report import make_report
    from benchmarks.runner import run_matrix
    from benchmarks.suites import resolve_tasks

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", required=True, help="comma-separated task specs")
    p.add_argument("--agents", default=",".join(AGENTS), help="agents given the time budget (default: %(default)s)")
    p.add_argument("--evals", type=int, default=100, help="TPE's full evaluations that set the time budget")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..K-1 (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=1, help="parallel runs, one XGBoost thread each")
    p.add_argument("--prior", default=None, help="held-out folds for the agents that learn across tasks")
    p.add_argument("--data-dir", default=None, help="directory holding pmlb/ (default: $HPO_ENV_DATA_DIR)")
    p.add_argument("--env", default="HPO-XGB-v0", help="registered env id (default: %(default)s)")
    p.add_argument("--out", required=True, help="directory for ref.jsonl, results.jsonl, summary.md and report/")
    argv = sys.argv[1:] if argv is None else argv
    a = p.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    tasks, agents = resolve_tasks(None, a.tasks), [x for x in a.agents.split(",") if x]
    env_kwargs = {} if a.data_dir is None else {"data_dir": a.data_dir}
    run_matrix(
        tasks,
        ["tpe"],
        range(a.seeds),
        a.evals,
        out / "ref.jsonl",
        jobs=a.jobs,
        env_id=a.env,
        env_kwargs=env_kwargs,
        probe=True,
    )
    ref = read_jsonl(out / "ref.jsonl")
    agent_kwargs = {x: {"prior": a.prior} for x in agents if x in prior_agents()} if a.prior else {}
    for task, seconds in time_budgets([r for r in ref if r["task"] in tasks]).items():
        run_matrix([task], agents, range(a.seeds), 50 * a.evals, out / "results.jsonl", jobs=a.jobs, env_id=a.env,
                   env_kwargs=env_kwargs, agent_kwargs=agent_kwargs, time_budget=round(seconds, 1))  # fmt: skip
    runs = read_jsonl(out / "results.jsonl")
    md = make_report(out / "results.jsonl", out / "report", title="Multi-fidelity, at TPE's time", reference="tpe")
    link = md.relative_to(out)
    text = ["# Multi-fidelity: every agent given TPE's wall time for its full evaluations", "",
            f"Command: `python -m benchmarks.multifidelity {' '.join(argv)}`", "",
            *summary(ref, runs, agents), f"The rank, regret and W/T/L tables: [{link}]({link})"]  # fmt: skip
    (out / "summary.md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    from benchmarks.cli import guarded

    saved = "the finished runs are saved in the --out folder's ref.jsonl and results.jsonl (runs in flight are lost)"
    sys.exit(guarded("benchmarks.multifidelity", main, lambda: f"{saved}; run the same command again to resume"))
