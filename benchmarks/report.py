"""Read benchmark JSONL results and write a Markdown report with PNG plots.

    hpo-rl report results.jsonl --out report/

Statistics, and how noise is treated:
- per task, mean ± std over seeds of best validation and of the test score of that config;
- mean rank of each agent over (task, seed) pairs where every agent ran (1 = best, ties share);
- win/tie/loss between agents, per task, on the paired difference of best validation
  over seeds: a tie when mean ± 2 standard errors contains 0 (with one seed, only an
  exact tie is a tie, and the report says so);
- normalized regret: (best seen on the task - best_val) / (best seen - worst seen), 0 is best.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.speed import speed_note
from benchmarks.stats import (
    BUDGETS,
    budget_lines,
    budget_points,
    log_time_regret,
    median_eval_s,
    paired_differences,
    paired_verdict,
    regret_area,
    time_reach,
    time_to_reach,
)
from hpo_env.history import read_jsonl
from hpo_env.optional import require

__all__ = ["evals_to_reach", "load_results", "make_report", "plot_best_so_far", "time_curve"]


def load_results(path: str | os.PathLike[str], metric: str | None = None) -> pd.DataFrame:
    """The result lines of ``path``; with ``metric``, each run read under that metric (its
    ``by_metric`` trajectory: every metric was scored from the same fits) instead of its own."""
    rows = read_jsonl(path)
    if not rows:
        raise ValueError(f"{path}: no results to report")
    if metric is not None:
        rows = [_under(r, metric, path) for r in rows]
    df = pd.DataFrame(rows)
    df["best_val"] = df["best_val"].astype(float)
    df["test_of_best"] = df["test_of_best"].astype(float)
    return df


def _under(row: dict[str, Any], metric: str, path: Any) -> dict[str, Any]:
    traj = (row.get("by_metric") or {}).get(metric)
    if traj is None:
        have = sorted(row.get("by_metric") or {})
        have = have or "none: it was made before runs kept them"
        raise ValueError(f"{path}: {row['agent']} on {row['task']} seed {row['seed']} has no trajectory under "
                         f"metric {metric!r}; expected one of {have}")  # fmt: skip
    last = traj[-1] if traj else [0, 0.0, None, None]
    return {**row, "trajectory": traj, "best_val": last[2], "test_of_best": last[3]}


def _curve(traj: list[list[Any]], budget: int) -> np.ndarray:
    """Best-so-far after 1..budget real evaluations (NaN before the first success, held after the end)."""
    y = np.full(budget, np.nan)
    for n, _, best, *_ in traj:
        if n <= budget and best is not None:
            y[n - 1] = best
    return pd.Series(y).ffill().to_numpy()


def evals_to_reach(df: pd.DataFrame, agent: str, reference: str) -> list[float]:
    """Per (task, seed): real evaluations ``agent`` needs to reach ``reference``'s final best,
    as a fraction of the reference's own evaluations (``inf`` if it never does)."""
    out = []
    for (_, _), g in df.groupby(["task", "seed"]):
        ref, ag = g[g.agent == reference], g[g.agent == agent]
        if ref.empty or ag.empty or math.isnan(ref.best_val.iloc[0]):
            continue
        target, n_ref = ref.best_val.iloc[0], ref.n_real_evals.iloc[0]
        hit = next((n for n, _, b, *_ in ag.trajectory.iloc[0] if b is not None and b >= target), None)
        out.append(hit / n_ref if hit is not None else math.inf)
    return out


def _fmt(m: float, s: float) -> str:
    return "-" if math.isnan(m) else f"{m:.4f} ± {0.0 if math.isnan(s) else s:.4f}"


def time_curve(trajectories: list[list[list[Any]]], grid: np.ndarray) -> np.ndarray:
    """Best-so-far of each run (rows) at each wall time of ``grid`` (NaN before its first success)."""
    out = np.full((len(trajectories), len(grid)), np.nan)
    for i, traj in enumerate(trajectories):
        pts = [(w, b) for _, w, b, *_ in traj if b is not None]
        if pts:
            w, b = map(np.asarray, zip(*pts, strict=True))
            k = np.searchsorted(w, grid, side="right") - 1
            out[i] = np.where(k >= 0, b[np.clip(k, 0, None)], np.nan)
    return out


def _band(ax: Any, x: np.ndarray, runs: np.ndarray, color: str, label: str) -> None:
    """The mean over runs as a line, and mean ± one standard deviation as a band, from the
    first x at which every run has a value (so a run joining late cannot make the mean dip)."""
    full = ~np.isnan(runs).any(axis=0)
    m = np.where(full, runs.mean(axis=0), np.nan)
    sd = np.where(full, runs.std(axis=0), np.nan)
    ax.plot(x, m, color=color, label=label)
    if len(runs) > 1:
        ax.fill_between(x, m - sd, m + sd, color=color, alpha=0.2, linewidth=0)


def plot_best_so_far(
    df: pd.DataFrame, curves: dict[tuple[str, str], np.ndarray], agents: list[str], tasks: list[str],
    budget: int, kind: str,
) -> Any:  # fmt: skip
    """One panel per task: each agent's mean best-so-far over seeds with a ± 1 std band,
    against real evaluations (``kind="evals"``) or wall seconds on a log axis (``"time"``).
    One legend for the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, NullFormatter

    ncol = min(4, len(tasks))
    nrow = math.ceil(len(tasks) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 3 * nrow + 0.5), squeeze=False)
    for ax, t in zip(axes.flat, tasks, strict=False):
        for a in agents:
            color = f"C{agents.index(a)}"
            if kind == "evals":
                if curves[(a, t)].size:
                    _band(ax, np.arange(1, budget + 1), curves[(a, t)], color, a)
                continue
            trajs = [r.trajectory for r in df[(df.agent == a) & (df.task == t)].itertuples()]
            walls = [w for tr in trajs for _, w, *_ in tr if w > 0]
            if walls:
                grid = np.geomspace(min(walls), max(walls), 200)
                _band(ax, grid, time_curve(trajs, grid), color, a)
        if kind == "time":
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # 2x10^0, 3x10^0... overlap on a narrow range
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(t, fontsize=9)
        ax.set_xlabel("real evaluations" if kind == "evals" else "wall seconds (log)")
        ax.set_ylabel("best validation so far")
    for ax in axes.flat[len(tasks) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(agents), 6), fontsize=8, frameon=False)
    fig.suptitle("mean over seeds, band: ± 1 standard deviation", fontsize=8, y=0.0, va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1 - 0.35 / (3 * nrow + 0.5)))
    return fig


def make_report(
    results: str | os.PathLike[str],
    out: str | os.PathLike[str],
    title: str | None = None,
    reference: str | None = None,
    budgets: tuple[int, ...] = BUDGETS,
    metric: str | None = None,
    tasks: list[str] | None = None,
) -> Path:
    """Write ``report.md`` and PNG plots into ``out``; returns the Markdown path.

    It leads with tie-aware statistics at ``budgets`` (:mod:`benchmarks.stats`). With
    ``reference`` (an agent name), those include paired win/tie/loss against it, and the
    report adds how many real evaluations each other agent needs to reach the reference's
    final score, as a fraction of the reference's budget. With ``metric``, every run is read
    under that metric instead of the one it was run with (:func:`load_results`). With
    ``tasks``, only the runs on those tasks are read (each must be in the results).
    """
    require("hpo-rl report (its plots and tests)", "matplotlib", "scikit_posthocs")
    df = _only_tasks(load_results(results, metric), tasks)
    agents = sorted(df.agent.unique())
    tasks = list(dict.fromkeys(df.task))
    if reference is not None and reference not in agents:
        raise ValueError(f"reference agent {reference!r} is not in the results; agents: {agents}")
    out = Path(out)  # made only once the input is known to be good
    out.mkdir(parents=True, exist_ok=True)
    under = [] if metric is None else [f"Every run read under `{metric}` (scored from the same fits).", ""]
    lines = [f"# {title or 'Benchmark report'}", "", *under, *_source(df, results, agents, tasks)]
    lines += _anytime(df, out, reference)
    lines += budget_lines(df, out, reference, budgets)
    lines += _per_task_tables(df, agents, tasks)
    lines += _summary(df, agents)
    if reference is not None:
        lines += _reach_section(df, agents, reference)
    lines += _win_tie_loss(df, agents, tasks)
    lines += _plots(df, agents, tasks, out)
    md = out / "report.md"
    md.write_text("\n".join(lines))
    return md


def _only_tasks(df: pd.DataFrame, tasks: list[str] | None) -> pd.DataFrame:
    """The runs on ``tasks`` (all runs for None); a one-line error names a task with no run."""
    if tasks is None:
        return df
    missing = [t for t in tasks if t not in set(df.task)]
    if missing:
        held = sorted(set(df.task))
        more = f" and {len(held) - 10} more" if len(held) > 10 else ""
        raise ValueError(f"tasks {missing} have no run in the results; they hold {held[:10]}{more}")
    return df[df.task.isin(tasks)].reset_index(drop=True)


def _anytime(df: pd.DataFrame, out: Path, reference: str | None) -> list[str]:
    """For time-budgeted runs, first of all: mean normalized regret over tasks against log time
    in the task's median evaluations, one line per agent, and the area under each line; with
    a ``reference``, the time each agent needs to reach its final score."""
    unit, units = budget_points(df)
    if unit != "median":
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reach = time_reach(df)
    curve = log_time_regret(df, np.geomspace(1.0, reach, 30))
    fig, ax = plt.subplots(figsize=(6, 4))
    for a in curve.columns:
        ax.plot(curve.index, curve[a], label=a)
    ax.set_xscale("log")
    ax.set_xlabel("time, in the task's median evaluations (log)")
    ax.set_ylabel("mean normalized regret (0 = best seen)")
    ax.set_title(f"anytime: {df.task.nunique()} tasks, {df.seed.nunique()} seeds")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "regret_time.png", dpi=90)
    plt.close(fig)
    area = regret_area(curve).sort_values()
    lines = ["## Anytime", "", f"Mean normalized regret over tasks against time, from 1 to {reach:.0f} of each "
             "task's median evaluations (its evaluations' median seconds per full evaluation over its runs), on "
             "each run's clock with the agent's own time; the area is the mean regret over that range on a log "
             "axis (0 is best).", "", "![regret against log time](regret_time.png)", "",
             "| agent | area under regret vs log time |", "|---|---|"]  # fmt: skip
    lines += [*(f"| {a} | {v:.3f} |" for a, v in area.items()), ""]
    return lines + ([] if reference is None else _reach_time(df, reference))


def _reach_time(df: pd.DataFrame, reference: str) -> list[str]:
    """Per agent, the median over task-seeds of the time to reach the reference run's final
    best validation score, in the task's median evaluations (a run that never does: inf)."""
    med, ref = median_eval_s(df), df[df.agent == reference].set_index(["task", "seed"])
    lines = [f"| agent | median time to reach {reference}'s final (median evaluations) | reached |", "|---|---|---|"]
    for a in sorted(df.agent.unique()):
        runs = [r for r in df[df.agent == a].itertuples() if (r.task, r.seed) in ref.index]
        t = [time_to_reach(r._asdict(), ref.loc[(r.task, r.seed), "best_val"], med[r.task]) for r in runs]
        if t:
            lines.append(f"| {a} | {np.median(t):.1f} | {sum(np.isfinite(t))}/{len(t)} |")
    return [*lines, ""]


def _source(df: pd.DataFrame, results: Any, agents: list[str], tasks: list[str]) -> list[str]:
    seeds_per = df.groupby(["agent", "task"]).seed.nunique()
    n_min, n_max = int(seeds_per.min()), int(seeds_per.max())
    budgets = sorted(df.budget.unique())
    lines = [
        f"Source: `{results}`. {len(df)} runs, {len(agents)} agents, {len(tasks)} tasks, "
        f"{n_min}{'' if n_min == n_max else f' to {n_max}'} seeds per agent and task, "
        f"budget {', '.join(map(str, budgets))} real evaluations.",
        "",
    ]
    if n_max < 2:
        lines += ["**One seed per task:** no difference can be told from noise; every comparison is anecdotal.", ""]
    return lines + _flags(df)


def _flags(df: pd.DataFrame) -> list[str]:
    """Warnings that the results do not compare as they should: a prior that saw its task, or
    time-budgeted runs made at different machine speeds (or with no speed on record)."""
    lines = []
    saw = (
        df[[isinstance(e, dict) and bool(e.get("prior_saw_task")) for e in df["extra"]]]
        if "extra" in df
        else df.iloc[:0]
    )
    if len(saw):
        pairs = sorted({f"{a} on {t}" for a, t in zip(saw.agent, saw.task, strict=True)})
        lines += [
            f"**Flagged: {len(saw)} runs used a prior or portfolio trained on their task (or a near-duplicate)**, "
            f"so they are not held-out results: {', '.join(pairs)}.",
            "",
        ]
    if "time_budget" in df and df.time_budget.notna().any():
        timed = df[df.time_budget.notna()]
        note = speed_note(list(timed["speed_probe_s"]) if "speed_probe_s" in timed else [None] * len(timed))
        lines += [note, ""] if note else []
    return lines


def _per_task_tables(df: pd.DataFrame, agents: list[str], tasks: list[str]) -> list[str]:
    """Best validation per task (best mean in bold, ties with the best marked ≈), and test-of-best."""
    header = ["| task | " + " | ".join(agents) + " |", "|---" * (len(agents) + 1) + "|"]
    lines = ["## Best validation score per task (mean ± std over seeds)", ""]
    lines += [
        "Bold: best mean. ≈: paired difference to the best within 2 standard errors (inside the noise). "
        "Unmarked: worse than the best by more than the noise.",
        "",
        *header,
    ]
    test_lines = list(header)
    for t in tasks:
        dt = df[df.task == t]
        stats = dt.groupby("agent").agg(m=("best_val", "mean"), s=("best_val", "std"))
        tstats = dt.groupby("agent").agg(m=("test_of_best", "mean"), s=("test_of_best", "std"))
        best = stats.m.idxmax()
        # Every agent at the best mean is bold; if all are, nothing stands out and none is.
        top = set(stats.index[np.isclose(stats.m, stats.m.max(), rtol=0.0, atol=1e-12)])
        cells, tcells = [], []
        for a in agents:
            if a not in stats.index:
                cells.append("-")
                tcells.append("-")
                continue
            c = _fmt(stats.m[a], stats.s[a])
            if a in top and len(top) < len(stats):
                c = f"**{c}**"
            elif a not in top and paired_verdict(paired_differences(dt, best, a)) == "tie":
                c = f"≈ {c}"
            cells.append(c)
            tcells.append(_fmt(tstats.m[a], tstats.s[a]))
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
        test_lines.append(f"| {t} | " + " | ".join(tcells) + " |")
    return [*lines, "", "## Test score of the best-on-validation configuration (mean ± std)", "", *test_lines, ""]


def _summary(df: pd.DataFrame, agents: list[str]) -> list[str]:
    """What each agent cost (rank and regret are in the budget table at the top)."""
    lines = ["## Cost", "", "Agent s/eval: the median over runs of (wall - the evaluations' own seconds) / real "
             "evaluations, the agent's own time (— for results without `eval_s`).", "",
             "| agent | mean wall s | mean real evals | agent s/eval |", "|---|---|---|---|"]  # fmt: skip
    for a in agents:
        da = df[df.agent == a]
        own = (da.wall_s - da.eval_s) / da.n_real_evals if "eval_s" in da else pd.Series(dtype=float)
        cell = f"{own.median():.4f}" if own.notna().any() else "—"
        lines.append(f"| {a} | {da.wall_s.mean():.1f} | {da.n_real_evals.mean():.1f} | {cell} |")
    return [*lines, ""]


def _reach_section(df: pd.DataFrame, agents: list[str], reference: str) -> list[str]:
    """Real evaluations each agent needs to reach the reference's final score."""
    lines = [f"## Real evaluations to reach {reference}'s final score", ""]
    lines += [
        f"Per (task, seed): the first real evaluation at which the agent's best validation score is at "
        f"least {reference}'s final best, divided by {reference}'s evaluations. Below 1: faster.",
        "",
        "| agent | median fraction | reached | mean fraction where reached |",
        "|---|---|---|---|",
    ]
    for a in agents:
        if a == reference:
            continue
        f = evals_to_reach(df, a, reference)
        reached = [x for x in f if math.isfinite(x)]
        med = float(np.median(f)) if f else float("nan")
        lines.append(
            f"| {a} | {'never' if math.isinf(med) else f'{med:.2f}'} | {len(reached)}/{len(f)} | "
            f"{np.mean(reached) if reached else float('nan'):.2f} |"
        )
    return [*lines, ""]


def _win_tie_loss(df: pd.DataFrame, agents: list[str], tasks: list[str]) -> list[str]:
    lines = ["## Win / tie / loss (row agent against column agent, over tasks)", ""]
    lines += ["| | " + " | ".join(agents) + " |", "|---" * (len(agents) + 1) + "|"]
    for a in agents:
        cells = []
        for b in agents:
            if a == b:
                cells.append("—")
                continue
            v = [paired_verdict(paired_differences(df[df.task == t], a, b)) for t in tasks]
            cells.append(f"{v.count('win')}/{v.count('tie')}/{v.count('loss')}")
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    return [*lines, "", "A tie: the mean paired difference over seeds is within 2 standard errors of 0.", ""]


def _plots(df: pd.DataFrame, agents: list[str], tasks: list[str], out: Path) -> list[str]:
    """Best-so-far curves (against evaluations and wall time) and the mean-rank curve, as PNGs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    budget = int(df.budget.max())
    curves = {
        (a, t): np.array([_curve(r.trajectory, budget) for r in df[(df.agent == a) & (df.task == t)].itertuples()])
        for a in agents
        for t in tasks
    }
    for kind in ("evals", "time"):
        fig = plot_best_so_far(df, curves, agents, tasks, budget, kind)
        fig.savefig(out / f"best_so_far_{kind}.png", dpi=90)
        plt.close(fig)
    fig = _mean_rank_plot(df, agents, tasks, budget)
    fig.savefig(out / "mean_rank.png", dpi=90)
    plt.close(fig)
    return ["## Plots", "", "![mean rank](mean_rank.png)", "", "![best so far against real evaluations]"
            "(best_so_far_evals.png)", "", "![best so far against wall time](best_so_far_time.png)", ""]  # fmt: skip


def _mean_rank_plot(df: pd.DataFrame, agents: list[str], tasks: list[str], budget: int) -> Any:
    """Mean rank of each agent after each real evaluation, over the (task, seed) pairs all ran."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6, 4))
    pairs = [(t, s) for t in tasks for s in sorted(df[df.task == t].seed.unique())]
    rank_curves: dict[str, list[np.ndarray]] = {a: [] for a in agents}
    for t, s in pairs:
        rows = {r.agent: _curve(r.trajectory, budget) for r in df[(df.task == t) & (df.seed == s)].itertuples()}
        if set(rows) != set(agents):
            continue
        mat = pd.DataFrame({a: rows[a] for a in agents}).fillna(-np.inf)
        rk = mat.rank(axis=1, ascending=False, method="average")
        for a in agents:
            rank_curves[a].append(rk[a].to_numpy())
    for a in agents:
        if rank_curves[a]:
            ax.plot(np.arange(1, budget + 1), np.mean(rank_curves[a], axis=0), label=a)
    ax.set_xlabel("real evaluations")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("mean rank (1 = best)")
    ax.set_title(f"mean rank over {len(rank_curves[agents[0]])} task-seeds")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
