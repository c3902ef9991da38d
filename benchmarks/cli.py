"""The ``hpo-rl`` command line: ``tune``, ``predict``, ``bench``, ``experiment``, ``collect``,
``pretrain`` and ``report``. Each subcommand's ``--help`` says what it does."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hpo_env.metrics import METRICS
from hpo_env.optional import MissingExtraError, require

__all__ = ["guarded", "main"]

METRIC_HELP = (
    "validation metric (default: r2 for a continuous target or whole numbers with more than 20 distinct "
    "values and 5%% of rows, a regression task, else accuracy: classes)"
)

#: ``hpo-rl tune --help``'s description.
TUNE_HELP = """Tune one task with our agent, then refit the best configuration as the final model.

On HPO-XGB-v0 and HPO-XGB-Surrogate-v0 the default agent is rppo-prior: the shipped
meta-trained prior proposes, and a reward model fitted on the task's evaluations picks
each one to evaluate. With --time-budget on HPO-XGB-v0 it is portfolio-tpe-hyperband,
which trains configurations partially first and spends seconds best. On YAHPO's envs it
is portfolio-tpe (flaml-cfo with --time-budget or --prior none), what their development
tasks chose. --prior none runs the paper's recurrent PPO from scratch elsewhere, and
--agent NAME any other variant (rppo-mb is the paper's model-based loop) or any registered
agent (tpe, flaml-cfo, ...): every agent writes the same run directory.

  hpo-rl tune --task breast_cancer --budget 30 --seed 0
  hpo-rl tune --task csv:data.csv --target label --budget 50
  hpo-rl tune --task pmlb:adult --data-dir ../shared/datasets --budget 100
  hpo-rl predict runs/breast_cancer-seed0 --data new.csv

The run directory (runs/TASK-seedN, or --out) holds result.json, settings.json,
history.jsonl, the final model (model.ubj, model.json) and tb/; run the same command
again to resume."""


def whole(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``least``, else argparse's one-line error naming it."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < least:
            raise argparse.ArgumentTypeError(f"{text!r}; expected a whole number >= {least}")
        return value

    parse.__name__ = f"whole number >= {least}"
    return parse


def _add_task_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("task")
    g.add_argument("--env", default="HPO-XGB-v0", help="registered env id (default: %(default)s)")
    g.add_argument(
        "--task", default="breast_cancer",
        help="breast_cancer|digits|wine|iris, pmlb:NAME or csv:PATH; with --env HPO-CNN-v0: digits|usps|mnist5k",
    )  # fmt: skip
    g.add_argument("--target", default="target", help="label column of a csv: task (default: %(default)s)")
    g.add_argument("--data-dir", default=None, help="directory holding pmlb/ (default: $HPO_ENV_DATA_DIR)")
    g.add_argument("--metric", default=None, choices=list(METRICS), help=METRIC_HELP)
    g.add_argument("--cv-folds", type=int, default=None, help="k-fold CV on the non-test rows instead of one split")
    g.add_argument("--order", default="fixed", choices=["fixed", "shuffle"], help="hyperparameter order per episode")
    g.add_argument("--nthread", type=int, default=1, help="threads per evaluation (default: %(default)s)")
    g.add_argument("--time-limit", type=float, default=None, help="seconds per evaluation (default: the env's)")


def _env_kwargs(a: argparse.Namespace) -> dict:
    """Only what the user set, so each env keeps its own defaults (the CNN env has no target column)."""
    kw = {"order": a.order, "nthread": a.nthread}
    for key, default in (("target", "target"), ("metric", None), ("cv_folds", None),
                         ("time_limit", None), ("data_dir", None)):  # fmt: skip
        if getattr(a, key) != default:
            kw[key] = getattr(a, key)
    return kw


def _parse_env_args(items: list[str] | None) -> dict:
    """``KEY=VALUE`` pairs for gym.make; a value is read as JSON if it parses (numbers, true, null), else as text."""
    out: dict = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"--env-arg {item!r}; expected KEY=VALUE, e.g. noise_std=0.01")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _default_out(task: str, seed: int) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(task).stem if task.startswith("csv:") else task)
    return Path("runs") / f"{slug}-seed{seed}"


def _preset_changes(a: argparse.Namespace) -> dict[str, Any]:
    """The flags that replace fields of an rppo preset (:func:`~agents.rppo.tuner.make_preset`)."""
    ppo = {k: v for k, v in (("learning_rate", a.lr), ("episodes_per_update", a.episodes_per_update),
                             ("n_epochs", a.n_epochs)) if v is not None}  # fmt: skip
    model = {k: v for k, v in (("kl_threshold", a.kl_threshold), ("screen", a.screen), ("finetune", a.finetune))
             if v is not None}  # fmt: skip
    changes = {"ppo_kwargs": ppo, "model_based": a.model, "model_kwargs": model}
    return {k: v for k, v in changes.items() if v}


def _cmd_tune(a: argparse.Namespace) -> int:
    from agents.session import open_session

    out = Path(a.out) if a.out else _default_out(a.task, a.seed)
    fresh = not out.exists()
    try:
        r = open_session(
            a.task, a.budget, a.seed, out_dir=out, agent=a.agent, env_id=a.env, env_kwargs=_env_kwargs(a),
            prior=a.prior, preset_changes=_preset_changes(a), multi_fidelity=a.multi_fidelity,
            time_budget=a.time_budget, refit=a.refit, progress=not a.no_progress, tensorboard=not a.no_tensorboard,
            n_envs=a.n_envs, backend=a.backend, address=a.address,
        ).run()  # fmt: skip
    except BaseException:
        if fresh and _n_lines(out / "history.jsonl") == 0:
            shutil.rmtree(out, ignore_errors=True)  # nothing was computed: leave no empty run behind
        raise
    if r.get("already_finished"):
        print(f"{out} is already finished: {r['full_evals']:g} evaluations of a budget of {a.budget}. "
              "Nothing to do; a larger --budget continues it.")  # fmt: skip
    keys = ("best_config", "best_val", "test_of_best", "n_real_evals", "full_evals", "n_episodes", "wall_s",
            "agent_overhead_s_per_eval", "final_model")  # fmt: skip
    shown = {k: r[k] for k in keys if k in r}
    if r.get("extra", {}).get("n_model_episodes"):  # the episodes the reward model answered
        shown["n_model_episodes"] = r["extra"]["n_model_episodes"]
    print(json.dumps(shown, indent=2))
    print(_written(out))
    return 0


def _n_lines(path: Path) -> int:
    """Lines of a JSONL file (0 if there is none)."""
    from hpo_env.history import read_jsonl

    return len(read_jsonl(path)) if path.exists() else 0


def _interrupted(a: argparse.Namespace) -> str:
    """What an interrupted command saved, and how to go on."""
    again = "run the same command again to resume"
    if a.command == "tune":
        out = Path(a.out) if a.out else _default_out(a.task, a.seed)
        return f"{_n_lines(out / 'history.jsonl')} real evaluations are saved in {out}/history.jsonl; {again}"
    if a.command in ("bench", "experiment"):
        return f"{_n_lines(Path(a.out))} finished runs are saved in {a.out} (runs in flight are lost); {again}"
    if a.command == "collect":
        return f"every finished evaluation is saved under {a.out}/raw/; {again}"
    if a.command == "pretrain" and a.leave_one_out is not None:
        return f"finished priors are kept in {a.out or 'priors'}; {again}"
    return "nothing was saved"


def _written(out: Path) -> str:
    """What the run directory holds, naming only files that exist."""
    names = ["result.json", "history.jsonl", "settings.json", "checkpoint.zip", "model.ubj", "model.json"]
    files = [n for n in names if (out / n).exists()]
    line = f"wrote {out}/: {', '.join(files)}"
    if (out / "tb").is_dir() and any((out / "tb").rglob("events.*")):
        line += f", tb/ (tensorboard --logdir {out}/tb)"
    return line


def _cmd_predict(a: argparse.Namespace) -> int:
    from hpo_env.final_model import FinalModel
    from hpo_env.tasks import read_table

    model = FinalModel.load(a.run_dir)
    source = str(a.data)
    rows = read_table(a.data, source)
    frame = model.prediction_frame(rows, source)
    scored = None
    if model.schema.target in rows.columns:  # scored before anything is written: all said in one go
        try:
            scored = f"{model.metric.name} against its {model.schema.target!r} column: {model.score(rows, source):.6g}"
        except ValueError as e:
            scored = f"not scored against its {model.schema.target!r} column: {e}"
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    print(f"wrote {len(frame)} predictions to {out}")
    if scored is not None:
        print(scored)
    return 0


def _presets() -> list[str]:
    from agents.rppo.presets import PRESETS

    return list(PRESETS)


def _suites() -> list[str]:
    from benchmarks.suites import SUITES

    return list(SUITES)


def _matrix_args(p: argparse.ArgumentParser, default_agents: str | None) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--suite", default=None, help=f"a named suite: {', '.join(_suites())} (default: quick)")
    g.add_argument("--tasks", default=None, help="comma-separated task specs, csv: paths included")
    if default_agents is not None:
        p.add_argument(
            "--agents",
            default=default_agents,
            help="agents, comma-separated (auto: the one hpo-rl tune --agent auto runs), or all (default: %(default)s)",
        )
    p.add_argument("--budget", type=whole(1), default=30, help="real evaluations per run (default: %(default)s)")
    p.add_argument(
        "--time-budget", type=float, default=None, metavar="SECONDS",
        help="stop every run at this wall-clock budget (the env's clock: simulated seconds in fast mode); "
        "--budget then caps the evaluations, so make it large (default: no time budget)",
    )  # fmt: skip
    p.add_argument("--seeds", type=whole(1), default=3, help="seeds 0..K-1 per agent and task (default: %(default)s)")
    p.add_argument("--jobs", type=whole(1), default=1, help="parallel runs, one XGBoost thread each (default: 1)")
    p.add_argument("--out", default="results.jsonl", help="JSONL results; rerun to resume (default: %(default)s)")
    p.add_argument(
        "--env", default="HPO-XGB-v0",
        help="registered env id: HPO-XGB-v0, HPO-CNN-v0, or fast mode HPO-XGB-Surrogate-v0 / HPO-XGB-Tabular-v0 "
        "(default: %(default)s)",
    )  # fmt: skip
    p.add_argument("--data-dir", default=None, help="directory holding pmlb/ (default: $HPO_ENV_DATA_DIR)")
    p.add_argument("--target", default="target", help="label column of csv: tasks (default: %(default)s)")
    p.add_argument("--metric", default=None, choices=list(METRICS), help=METRIC_HELP + "; the regression suite: r2")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per evaluation (default: the env's)")
    p.add_argument(
        "--env-arg", action="append", metavar="KEY=VALUE",
        help="more gym.make arguments, repeatable (e.g. noise_std=0.01, table_dir=DIR); new ones need a new --out",
    )  # fmt: skip
    p.add_argument(
        "--prior", default=None,
        help="what the agents that learn across tasks start from (rppo-prior's weights, the portfolios): a file "
        "from hpo-rl pretrain, or a directory from hpo-rl pretrain --folds or --leave-one-out, where each task "
        "gets the files that held it out (default: the shipped ones)",
    )  # fmt: skip
    p.add_argument("--report", default=None, help="also write the report into this directory")
    p.add_argument(
        "--backend", default="process", choices=["process", "ray"],
        help="where runs go: local worker processes, or Ray tasks (needs the [ray] extra) (default: %(default)s)",
    )  # fmt: skip
    p.add_argument("--address", default=None, help="Ray cluster address (default: $RAY_ADDRESS, else a local Ray)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _run_matrix(a: argparse.Namespace, agents: list[str]) -> int:
    from benchmarks.report import make_report
    from benchmarks.runner import run_matrix
    from benchmarks.suites import SUITE_METRICS, resolve_tasks

    if a.report:  # checked now, not after the runs
        require("--report", "matplotlib")
    suite = a.suite if (a.suite or a.tasks) else "quick"
    tasks = resolve_tasks(suite if a.tasks is None else None, a.tasks)
    env_kwargs: dict = {} if a.time_limit is None else {"time_limit": a.time_limit}
    if a.data_dir is not None:
        env_kwargs["data_dir"] = a.data_dir
    if a.target != "target":
        env_kwargs["target"] = a.target
    metric = a.metric or SUITE_METRICS.get(suite if a.tasks is None else "")
    if metric is not None:
        env_kwargs["metric"] = metric
    env_kwargs.update(_parse_env_args(a.env_arg))
    from agents.registry import prior_agents

    agent_kwargs = {n: {"prior": a.prior} for n in agents if n in prior_agents() and a.prior is not None}
    summary = run_matrix(
        tasks, agents, range(a.seeds), a.budget, a.out, jobs=a.jobs, env_id=a.env,
        env_kwargs=env_kwargs, progress=not a.no_progress, backend=a.backend, address=a.address,
        agent_kwargs=agent_kwargs, time_budget=a.time_budget,
    )  # fmt: skip
    print(f"{summary['ran']} runs appended to {a.out}, {summary['skipped']} already there")
    for f in summary["failed"]:
        print(f"run crashed: {f['agent']} {f['task']} seed {f['seed']}:\n{f['error']}", file=sys.stderr)
    if a.report:
        print(f"report: {make_report(a.out, a.report, reference=agents[0])}")
    return 1 if summary["failed"] else 0


def _cmd_bench(a: argparse.Namespace) -> int:
    from agents.registry import AGENTS, NEEDS_TRAINING

    names = [x.strip() for x in a.agents.split(",") if x.strip()]
    everyone = [n for n in AGENTS if n not in NEEDS_TRAINING]
    return _run_matrix(a, everyone if names == ["all"] else _named_auto(names, a))


def _named_auto(names: list[str], a: argparse.Namespace) -> list[str]:
    """``auto`` replaced by the agent it stands for (:func:`agents.session.choose_agent`) on a
    classification task of ``--env``, under ``--time-budget`` if one is given; said in one line."""
    if "auto" not in names:
        return names
    from agents.session import choose_agent

    prior = "auto" if a.prior is None else a.prior
    name = choose_agent("auto", env_id=a.env, kind=None, prior=prior, multi_fidelity=False, time_budget=a.time_budget)
    why = " under a time budget" if a.time_budget is not None else ""
    print(f"hpo-rl bench: auto is {name}, what hpo-rl tune --agent auto runs on a classification task{why}",
          file=sys.stderr)  # fmt: skip
    return list(dict.fromkeys(name if x == "auto" else x for x in names))


def _cmd_experiment(a: argparse.Namespace) -> int:
    from benchmarks.experiments import EXPERIMENTS

    return _run_matrix(a, list(EXPERIMENTS[a.name]["agents"]))


def _cmd_report(a: argparse.Namespace) -> int:
    from benchmarks.report import make_report
    from benchmarks.suites import expand_suites, resolve_tasks

    try:
        budgets = tuple(int(b) for b in a.budgets.split(","))
    except ValueError:
        raise ValueError(f"--budgets {a.budgets!r}; expected comma-separated numbers of evaluations") from None
    tasks = None if a.tasks is None else expand_suites(resolve_tasks(None, a.tasks))
    md = make_report(a.results, a.out, reference=a.reference, budgets=budgets, metric=a.metric, tasks=tasks)
    print(f"report: {md}")
    return 0


def _cmd_collect(a: argparse.Namespace) -> int:
    from benchmarks.collect import collect
    from benchmarks.suites import SUITES, resolve_tasks

    if a.suite is None and a.tasks is None:
        tasks = [*SUITES["quick"], *SUITES["public"]]
    else:
        tasks = resolve_tasks(a.suite, a.tasks)
    r = collect(
        tasks, a.out, n_random=a.n_random, n_tpe=a.n_tpe, seed=a.seed, time_limit=a.time_limit,
        data_dir=a.data_dir, jobs=a.jobs, progress=not a.no_progress,
    )  # fmt: skip
    print(f"{len(r['done'])} tables in {a.out}")
    for task, err in r["failed"].items():
        print(f"collect failed on {task}:\n{err}", file=sys.stderr)
    return 1 if r["failed"] else 0


def _cmd_pretrain_check(a: argparse.Namespace) -> int:
    from agents.prior import check_rebuild

    r = check_rebuild(a.check, table_dir=a.table_dir, progress=not a.no_progress)
    verdict = "matches" if r["identical"] else "does not match"
    print(f"a rebuild from the recorded settings {verdict} {r['path']} ({r['seconds']} s to rebuild)")
    print(f"  tensors that differ: {r['n_differ']} of {r['n_tensors']}; largest |difference| {r['max_abs_diff']:.4g}"
          f" (in {r['worst_tensor']})")  # fmt: skip
    print("  build environment, recorded -> now:" if r["environment"] else "  same build environment")
    for line in r["environment"]:
        print(f"    {line}")
    return 0 if r["identical"] else 1


def _cmd_pretrain(a: argparse.Namespace) -> int:
    from agents.prior import DEFAULT_PRIOR, pretrain, pretrain_leave_one_out
    from benchmarks.suites import expand_suites, resolve_tasks

    if a.check is not None:
        return _cmd_pretrain_check(a)
    tasks = None if a.tasks is None else expand_suites(resolve_tasks(None, a.tasks))
    exclude = [] if a.exclude is None else expand_suites(resolve_tasks(None, a.exclude))
    if a.env is not None:
        return _cmd_pretrain_yahpo(a)
    if a.time:
        raise ValueError("--time trains on YAHPO's simulated clock: give --env HPO-XGB-YAHPO-v0")
    if a.portfolio:
        from agents.transfer.portfolio import DEFAULT_PORTFOLIO, build_portfolio

        out = build_portfolio(a.out or DEFAULT_PORTFOLIO, tasks, k=a.k, table_dir=a.table_dir, exclude=exclude,
                              seed=a.seed)  # fmt: skip
        print(f"wrote {out}")
        return 0
    kw = {"tasks": tasks, "exclude": exclude, "table_dir": a.table_dir, "seed": a.seed, **_parse_env_args(a.set)}
    if a.rl2:
        kw["carry_state"] = True
    if a.folds is not None:
        from agents.prior import pretrain_folds
        from hpo_env.fast.tables import list_tables

        out = Path(a.out or "priors")
        names = [t for t in (tasks or list_tables(a.table_dir)) if t not in exclude]
        kw = {k: v for k, v in kw.items() if k not in ("tasks", "exclude")}
        paths = pretrain_folds(names, out, a.folds, jobs=a.jobs, progress=not a.no_progress, **kw)
        print(f"{len(paths)} fold priors and portfolios in {out}, folds in {out / 'folds.json'} "
              f"(use: hpo-rl bench --agents rppo-prior,portfolio-tpe --prior {out})")  # fmt: skip
        return 0
    if a.leave_one_out is not None:
        from benchmarks.suites import SUITES
        from hpo_env.fast.tables import list_tables

        if a.leave_one_out == "all":
            leave = [t for t in (tasks or list_tables(a.table_dir)) if t not in exclude]
        elif a.leave_one_out in SUITES:
            leave = list(SUITES[a.leave_one_out])
        else:
            leave = resolve_tasks(None, a.leave_one_out)
        out = Path(a.out or "priors")
        paths = pretrain_leave_one_out(leave, out, jobs=a.jobs, progress=not a.no_progress, **kw)
        print(f"{len(paths)} leave-one-task-out priors and portfolios in {out} "
              f"(use: hpo-rl bench --agents rppo-prior,portfolio-tpe --prior {out})")  # fmt: skip
        return 0
    out = Path(a.out) if a.out else (Path("rl2.pt") if a.rl2 else DEFAULT_PRIOR)
    pretrain(out, progress=not a.no_progress, **kw)
    print(f"wrote {out}")
    return 0


def _cmd_pretrain_yahpo(a: argparse.Namespace) -> int:
    from agents.prior.yahpo import build_yahpo_folds, build_yahpo_portfolio
    from hpo_env.yahpo import YAHPO_ENVS

    scenario = YAHPO_ENVS[a.env]
    if a.time:
        return _cmd_pretrain_time(a, scenario)
    if not a.portfolio:
        raise ValueError(f"--env {a.env} builds portfolios or time policies: give --portfolio or --time "
                         "(and --folds K for held-out ones)")  # fmt: skip
    if not a.folds:
        print(f"wrote {build_yahpo_portfolio(a.out, a.k, seed=a.seed, scenario=scenario)}")
        return 0
    out = Path(a.out or f"yahpo_portfolios_{scenario}")
    paths = build_yahpo_folds(out, a.folds, a.k, seed=a.seed, scenario=scenario)
    print(f"{len(paths)} fold portfolios in {out}, folds in {out / 'folds.json'} "
          f"(use: hpo-rl bench --env {a.env} --agents portfolio-tpe --prior {out})")  # fmt: skip
    return 0


def _cmd_pretrain_time(a: argparse.Namespace, scenario: str) -> int:
    from agents.prior.time_agent import pretrain_time, pretrain_time_folds

    kw = {"scenario": scenario, "seed": a.seed, "progress": not a.no_progress, **_parse_env_args(a.set)}
    if not a.folds:
        print(f"wrote {pretrain_time(a.out or 'rl2-time.time.pt', **kw)}")
        return 0
    out = Path(a.out or f"time_policies_{scenario}")
    paths = pretrain_time_folds(out, a.folds, a.jobs, **kw)
    print(f"{len(paths)} fold time policies in {out}, folds in {out / 'folds.json'} "
          f"(use: python -m benchmarks.multifidelity --env {a.env} --agents rl2-time --prior {out})")  # fmt: skip
    return 0


def _tune_parser(sub: Any) -> None:
    t = sub.add_parser("tune", help="tune one task with our agent and save the final model", description=TUNE_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    _add_task_args(t)
    t.add_argument("--budget", type=whole(1), default=30, help="real evaluations to spend (default: %(default)s)")
    t.add_argument("--seed", type=whole(0), default=0, help="seeds the split, XGBoost and the agent (default: 0)")
    t.add_argument("--out", default=None, help="run directory (default: runs/TASK-seedN); rerun it to resume")
    t.add_argument(
        "--agent", default="auto",
        help="the agent: auto (rppo-prior where the shipped prior applies, else rppo; with --time-budget on "
        "HPO-XGB-v0 or --multi-fidelity, portfolio-tpe-hyperband; on the YAHPO envs portfolio-tpe, or flaml-cfo "
        "with --time-budget), a preset of our agent (see "
        "docs/tuning.md, 'Agent variants'): " + ", ".join(_presets()) + ", or any other registered agent (hpo-rl "
        "bench --help lists them) (default: %(default)s). The flags below up to --finetune replace fields of a "
        "preset. With --multi-fidelity, a multi-fidelity agent",
    )  # fmt: skip
    t.add_argument("--lr", type=float, default=None, help="PPO learning rate (default: the preset's)")
    t.add_argument("--episodes-per-update", type=int, default=None, help="episodes per PPO update (preset: 8)")
    t.add_argument("--n-epochs", type=int, default=None, help="PPO epochs per update (preset: 10)")
    t.add_argument(
        "--model", default=None, choices=["none", "kl", "fixed"],
        help="reward model use: none, kl (dynamic KL horizon, the paper) or fixed (default: the preset's)",
    )  # fmt: skip
    t.add_argument("--kl-threshold", type=float, default=None, help="KL that ends a stretch of model use")
    t.add_argument(
        "--screen", type=int, default=None,
        help="each real evaluation is the reward model's pick of this many samples of the policy; 0: the "
        "policy's own samples, the paper's loop (default: the preset's, 1000 for rppo-prior)",
    )  # fmt: skip
    t.add_argument(
        "--finetune", action=argparse.BooleanOptionalAction, default=None,
        help="PPO trains the policy on the reward model between evaluations (rppo-prior: off; "
        "rppo-prior with --finetune is rppo-prior-ft)",
    )  # fmt: skip
    t.add_argument(
        "--prior", default="auto",
        help="meta-trained weights to start from: default (the shipped ones), a file from hpo-rl pretrain, "
        "none (from scratch), or auto: the preset's (default: %(default)s)",
    )  # fmt: skip
    t.add_argument("--n-envs", type=int, default=1, help="episodes side by side, evaluated in parallel (default: 1)")
    t.add_argument(
        "--backend", default="process", choices=["process", "ray"],
        help="where --n-envs evaluations run: worker processes or Ray (the [ray] extra) (default: %(default)s)",
    )  # fmt: skip
    t.add_argument("--address", default=None, help="Ray cluster address (default: $RAY_ADDRESS, else a local Ray)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    t.add_argument("--no-tensorboard", action="store_true", help="no TensorBoard logs")
    t.add_argument(
        "--multi-fidelity", action="store_true",
        help="tune with a multi-fidelity agent instead: Hyperband on partial XGBoost trainings (a fraction of the "
        "boosting rounds). --agent auto is portfolio-tpe-hyperband (TPE, the shipped portfolio's cost-aware order "
        "first); also rppo-prior-hb (the learned prior's proposals), tpe-hyperband, smac-mf. --budget then counts "
        "full-evaluation equivalents (HPO-XGB-v0 and the YAHPO envs)",
    )  # fmt: skip
    t.add_argument(
        "--time-budget", type=float, default=None, metavar="SECONDS",
        help="also stop after this many seconds of this session; on HPO-XGB-v0 --agent auto then runs "
        "portfolio-tpe-hyperband, which spends seconds best (docs/multifidelity.md), on the YAHPO envs flaml-cfo "
        "(default: none)",
    )  # fmt: skip
    t.add_argument(
        "--refit", action=argparse.BooleanOptionalAction, default=True,
        help="end by refitting the best configuration on train + valid, scoring it on test and saving it as "
        "OUT/model.ubj with OUT/model.json (for hpo-rl predict) (default: on)",
    )  # fmt: skip
    t.set_defaults(func=_cmd_tune)


def _other_parsers(sub: Any) -> None:
    pr = sub.add_parser(
        "predict", help="apply a tuned run's final model to new rows",
        description="Reads new rows (CSV, or TSV by name) the way the training rows were read: the same columns "
        "in the same order, text levels unseen in training as missing values. Writes one row per input row: "
        "prediction and proba_<label> per class. If the label column is there, prints the metric too.",
    )  # fmt: skip
    pr.add_argument("run_dir", help="a run directory of hpo-rl tune (holding model.json and model.ubj)")
    pr.add_argument("--data", required=True, help="CSV of rows to predict")
    pr.add_argument("--out", default="predictions.csv", help="CSV to write (default: %(default)s)")
    pr.set_defaults(func=_cmd_predict)

    from agents.registry import AGENTS
    from benchmarks.experiments import EXPERIMENTS

    b = sub.add_parser("bench", help="run agents x tasks x seeds, appending results to JSONL",
                       description=f"Agents: {', '.join(AGENTS)}.")  # fmt: skip
    _matrix_args(b, "random,tpe,rppo")
    b.set_defaults(func=_cmd_bench)

    e = sub.add_parser(
        "experiment", help="one of the paper's ablations as a benchmark matrix",
        description="\n".join(f"{k}: {v['doc']} ({', '.join(v['agents'])})" for k, v in EXPERIMENTS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    e.add_argument("name", choices=sorted(EXPERIMENTS))
    _matrix_args(e, None)
    e.set_defaults(func=_cmd_experiment)

    c = sub.add_parser(
        "collect", help="measure many configurations per task with the real objective, as fast-mode tables",
        description="Writes OUT/<task>.json.gz per task (raw JSONL under OUT/raw/; rerun to resume). "
        "Default tasks: the quick and public suites.",
    )  # fmt: skip
    g = c.add_mutually_exclusive_group()
    g.add_argument("--suite", default=None, help="a suite: quick, public, corpus... (default: quick and public)")
    g.add_argument("--tasks", default=None, help="comma-separated task specs")
    c.add_argument("--n-random", type=int, default=250, help="uniform random configurations (default: %(default)s)")
    c.add_argument("--n-tpe", type=int, default=50, help="then TPE proposals, warm-started (default: %(default)s)")
    c.add_argument("--seed", type=whole(0), default=0, help="split, XGBoost and sampling seed (default: %(default)s)")
    c.add_argument("--time-limit", type=float, default=60.0, help="seconds per evaluation (default: %(default)s)")
    c.add_argument("--data-dir", default=None, help="directory holding pmlb/ (default: $HPO_ENV_DATA_DIR)")
    c.add_argument("--jobs", type=whole(1), default=1, help="tasks in parallel, one thread each (default: %(default)s)")
    c.add_argument("--out", default="tables", help="table directory (default: %(default)s)")
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.set_defaults(func=_cmd_collect)

    _pretrain_parser(sub)

    r = sub.add_parser("report", help="Markdown report and PNG plots from JSONL results")
    r.add_argument("results", help="a results JSONL file written by bench or experiment")
    r.add_argument("--out", default="report", help="directory for report.md and the plots (default: %(default)s)")
    r.add_argument(
        "--reference", default=None,
        help="agent the others are paired against (win/tie/loss) and race to (e.g. tpe)",
    )  # fmt: skip
    r.add_argument(
        "--metric", default=None, choices=sorted(METRICS),
        help="read every run under this metric instead of its own (every metric is scored from the same fits; "
        "runs made before they were kept have none) (default: the metric each run was made with)",
    )  # fmt: skip
    r.add_argument(
        "--budgets", default="10,25,50,100",
        help="budgets the report leads with, read off the trajectories (default: %(default)s)",
    )  # fmt: skip
    r.add_argument(
        "--tasks", default=None,
        help="report only these tasks: comma-separated specs or suite names, as the results name them "
        "(e.g. a development subset apart from the final tasks) (default: every task in the results)",
    )  # fmt: skip
    r.set_defaults(func=_cmd_report)


def _pretrain_parser(sub: Any) -> None:
    pt = sub.add_parser(
        "pretrain", help="meta-train the recurrent policy across the fast-mode tables (the rppo-prior weights)",
        description="Trains on HPO-XGB-MultiTask-v0: one task per episode, meta-features in the observation, "
        "percentile rewards. Default output: the weights the package ships (agents/prior/weights/prior_xgb.pt).",
    )  # fmt: skip
    pt.add_argument("--out", default=None, help="weights file, or with --leave-one-out a directory (default: priors)")
    pt.add_argument("--tasks", default=None, help="comma-separated tasks or suites to train on (default: every table)")
    pt.add_argument(
        "--portfolio", action="store_true",
        help="build the greedy portfolio of the same tables instead (default --out: the shipped one)",
    )  # fmt: skip
    pt.add_argument(
        "--folds", type=int, default=None, metavar="K",
        help="grouped K-fold: one prior and one portfolio per fold, each without that fold's tasks and their "
        "near-duplicates, into --out DIR (default: priors)",
    )  # fmt: skip
    pt.add_argument(
        "--rl2", action="store_true",
        help="a session (RL²) policy for agents.prior.RL2Agent, on HPO-XGB-MetaSession-v0: its state runs "
        "across a session's configurations (--set carry_state=true; default --out: rl2.pt; with --folds "
        "or --leave-one-out, files end .rl2.pt)",
    )  # fmt: skip
    pt.add_argument(
        "--time", action="store_true",
        help="with --env HPO-XGB-YAHPO-v0: the learned agent for time (rl2-time), meta-trained on "
        "HPO-XGB-YAHPO-TimeSession-v0 (settings: agents.prior.time_agent.TIME_DEFAULTS, --set KEY=VALUE); "
        "with --folds K the held-out ones, fold<i>.time.pt, on the portfolios' folds",
    )  # fmt: skip
    pt.add_argument("--k", type=int, default=10, help="configurations in a portfolio (default: %(default)s)")
    pt.add_argument("--exclude", default=None, help="comma-separated tasks to leave out")
    pt.add_argument(
        "--leave-one-out", default=None, metavar="TASKS",
        help="train one prior per task (comma-separated, a suite, or all), each without that task, into --out DIR",
    )  # fmt: skip
    pt.add_argument(
        "--check", nargs="?", const="default", default=None, metavar="WEIGHTS",
        help="train again from what a weights file records (default: the shipped one) and say whether the two "
        "match, how far apart they are and what differs in the build environment; exit 1 if they differ",
    )  # fmt: skip
    pt.add_argument("--table-dir", default=None, help="fast-mode tables (default: $HPO_ENV_TABLE_DIR, else shipped)")
    pt.add_argument(
        "--env", default=None, choices=["HPO-XGB-YAHPO-v0", "HPO-MLP-LCBench-v0"],
        help="with --portfolio: build the portfolio on that YAHPO scenario's tasks (119 and 35) instead of our "
        "tables (default --out: the shipped one), with --folds K the held-out ones",
    )  # fmt: skip
    pt.add_argument("--seed", type=whole(0), default=0)
    pt.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a pretraining setting, repeatable")
    pt.add_argument("--jobs", type=whole(1), default=1, help="priors trained in parallel, --leave-one-out (default: 1)")
    pt.add_argument("--no-progress", action="store_true", help="no progress bar")
    pt.set_defaults(func=_cmd_pretrain)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hpo-rl", description="Hyperparameter optimisation as reinforcement learning.")
    sub = p.add_subparsers(dest="command", required=True)
    _tune_parser(sub)
    _other_parsers(sub)
    return p


def guarded(prog: str, run: Callable[[], int | None], interrupted: Callable[[], str]) -> int:
    """``run()``'s exit code; bad input (exit 2) and Ctrl-C (exit 130) end in one line on
    stderr, which for Ctrl-C says what ``interrupted()`` says was saved, not in a traceback."""
    try:
        return run() or 0
    except (ValueError, FileNotFoundError, MissingExtraError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted; {interrupted()}", file=sys.stderr)
        return 130


def one_line_warnings(prog: str) -> None:
    """Print each warning as one line, ``PROG: warning: MESSAGE``, without the source line
    Python's default shows under it (the user did not write that code)."""
    import warnings

    def one_line(message: Any, category: Any, filename: str, lineno: int, line: Any = None) -> str:
        return f"{prog}: warning: {message}\n"

    warnings.formatwarning = one_line  # what the default showwarning prints; tests' recorders bypass it


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:
        print("\nhpo-rl: interrupted", file=sys.stderr)
        return 130
    one_line_warnings(f"hpo-rl {args.command}")
    return guarded(f"hpo-rl {args.command}", lambda: args.func(args), lambda: _interrupted(args))


if __name__ == "__main__":
    sys.exit(main())
