"""The leave-one-task-out table of the learned prior, from one benchmark results file.

Every run in the file was made at one budget (e.g. 100); the trajectory of each run gives
its best validation score, and the test score of that best, after any smaller number of
evaluations, so budgets 10, 25 and 100 come from the same runs. For each budget it
reports, per task, the mean over seeds of best validation and test-of-best per agent,
and counts the tasks where ``--agent`` is at least as good as ``--versus`` on mean best
validation (ties count as at least as good: validation accuracy is coarse).

    python -m benchmarks.prior_loto RESULTS.jsonl --budgets 10,25,100 --out DIR

writes ``DIR/loto.md``. The runs are made with ``hpo-rl pretrain --leave-one-out`` and
``hpo-rl bench --agents random,tpe,rppo-mb,rppo-prior --prior DIR`` (see the results README).
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hpo_env.history import read_jsonl

__all__ = ["at_budget", "loto_table", "main"]


def at_budget(run: dict[str, Any], budget: int) -> tuple[float | None, float | None]:
    """Best validation and its test score after the first ``budget`` real evaluations of ``run``."""
    traj = run["trajectory"]
    if not traj:
        return None, None
    point = traj[min(budget, len(traj)) - 1]
    return point[2], (point[3] if len(point) > 3 else None)


def _mean(xs: Sequence[float | None]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.fmean(xs) if xs else None


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def loto_table(
    results: str | Path, budgets: Sequence[int], agent: str = "rppo-prior", versus: Sequence[str] = ("tpe",)
) -> str:
    """The Markdown report (see the module docstring)."""
    runs = read_jsonl(results)
    agents = sorted({r["agent"] for r in runs})
    tasks = list(dict.fromkeys(r["task"] for r in runs))
    seeds = sorted({int(r["seed"]) for r in runs})
    lines = [
        f"# `{agent}` on {len(tasks)} tasks its prior was not trained on, seeds {seeds}",
        "",
        f"From `{results}`. Mean over seeds; `val` is the best validation score after the first "
        "B real evaluations, `test` the test score of that configuration.",
        "",
    ]
    summary = []
    for b in budgets:
        per: dict[str, dict[str, list[tuple[float | None, float | None]]]] = defaultdict(lambda: defaultdict(list))
        for r in runs:
            per[r["task"]][r["agent"]].append(at_budget(r, b))
        lines += [f"## Budget {b}", "", "| task | " + " | ".join(f"{a} val | {a} test" for a in agents) + " |"]
        lines.append("|---|" + "---|---|" * len(agents))
        wins: dict[tuple[str, int], int] = defaultdict(int)
        n_tasks: dict[str, int] = defaultdict(int)  # tasks both agents ran
        for t in tasks:
            cells, vals = [], {}
            for a in agents:
                vals[a] = tuple(_mean([x[k] for x in per[t][a]]) for k in (0, 1))
                cells += [_fmt(vals[a][0]), _fmt(vals[a][1])]
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
            if agent not in vals or vals[agent][0] is None:
                continue
            for o in versus:
                if vals.get(o, (None,))[0] is not None:
                    n_tasks[o] += 1
                for k in (0, 1):
                    mine, theirs = vals[agent][k], vals.get(o, (None, None))[k]
                    if mine is not None and theirs is not None and mine >= theirs - 1e-12:
                        wins[o, k] += 1
        lines.append("")
        for o in versus:
            v, t, n = wins[o, 0], wins[o, 1], n_tasks[o]
            share = v / n if n else 0.0
            summary.append(
                f"budget {b}: `{agent}` >= `{o}` on mean best validation on {v}/{n} tasks ({share:.0%}); "
                f"on the test score of that configuration on {t}/{n}"
            )
    # Top level since results have a session's shape; in the agent's extra before.
    over = [r.get("agent_overhead_s_per_eval", (r.get("extra") or {}).get("agent_overhead_s_per_eval"))
            for r in runs if r["agent"] == agent]  # fmt: skip
    over = [x for x in over if x is not None]
    if over:
        summary.append(f"`{agent}` agent overhead per real evaluation: median {statistics.median(over):.3f} s "
                       f"over {len(over)} runs (max {max(over):.3f} s)")  # fmt: skip
    return "\n".join([*lines[:4], "## Summary", "", *[f"- {s}" for s in summary], "", *lines[4:]])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.prior_loto", description=__doc__.split("\n\n")[0])
    p.add_argument("results", help="results JSONL of the leave-one-task-out bench")
    p.add_argument("--budgets", default="10,25,100", help="comma-separated budgets (default: %(default)s)")
    p.add_argument("--agent", default="rppo-prior", help="the agent under test (default: %(default)s)")
    p.add_argument("--versus", default="tpe,random,rppo-mb", help="agents it is counted against")
    p.add_argument("--out", default=None, help="directory for loto.md (default: print)")
    a = p.parse_args(argv)
    text = loto_table(a.results, [int(x) for x in a.budgets.split(",")], a.agent, a.versus.split(","))
    if a.out:
        Path(a.out).mkdir(parents=True, exist_ok=True)
        (Path(a.out) / "loto.md").write_text(text + "\n")
        print(f"wrote {Path(a.out) / 'loto.md'}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
