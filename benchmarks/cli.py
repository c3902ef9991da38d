"""The ``hpo-rl`` command line: ``tune`` (train our agent on one task) and, as they land, more.

hpo-rl tune --task breast_cancer --budget 30 --seed 0
hpo-rl tune --task csv:data.csv --target label --budget 50
hpo-rl tune --task pmlb:adult --data-dir ../shared/datasets --budget 100
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

__all__ = ["main"]


def _add_task_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("task")
    g.add_argument("--env", default="HPO-XGB-v0", help="registered env id (default: %(default)s)")
    g.add_argument("--task", default="breast_cancer", help="breast_cancer|digits|wine|iris, pmlb:NAME or csv:PATH")
    g.add_argument("--target", default="target", help="label column of a csv: task (default: %(default)s)")
    g.add_argument("--data-dir", default=None, help="directory holding pmlb/ (default: $HPO_ENV_DATA_DIR)")
    g.add_argument("--metric", default="accuracy", choices=["accuracy", "balanced_accuracy", "roc_auc", "neg_log_loss"])
    g.add_argument("--cv-folds", type=int, default=None, help="k-fold CV on the non-test rows instead of one split")
    g.add_argument("--order", default="fixed", choices=["fixed", "shuffle"], help="hyperparameter order per episode")
    g.add_argument("--nthread", type=int, default=1, help="XGBoost threads per evaluation (default: %(default)s)")
    g.add_argument("--time-limit", type=float, default=60.0, help="seconds per evaluation (default: %(default)s)")


def _env_kwargs(a: argparse.Namespace) -> dict:
    kw = {"target": a.target, "metric": a.metric, "cv_folds": a.cv_folds, "order": a.order,
          "nthread": a.nthread, "time_limit": a.time_limit}  # fmt: skip
    if a.data_dir is not None:
        kw["data_dir"] = a.data_dir
    return kw


def _default_out(task: str, seed: int) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(task).stem if task.startswith("csv:") else task)
    return Path("runs") / f"{slug}-seed{seed}"


def _cmd_tune(a: argparse.Namespace) -> int:
    from agents.trainer import tune

    out = Path(a.out) if a.out else _default_out(a.task, a.seed)
    ppo = {"learning_rate": a.lr, "episodes_per_update": a.episodes_per_update, "n_epochs": a.n_epochs}
    r = tune(
        a.task, a.budget, a.seed, env_id=a.env, env_kwargs=_env_kwargs(a), out_dir=out,
        ppo_kwargs=ppo, progress=not a.no_progress, tensorboard=not a.no_tensorboard,
    )  # fmt: skip
    summary = {k: getattr(r, k) for k in ("best_val", "test_of_best", "n_real_evals", "n_episodes", "wall_s")}
    summary["agent_overhead_s_per_eval"] = r.agent_overhead_s_per_eval
    print(json.dumps({"best_config": r.best_config, **summary}, indent=2))
    print(f"wrote {out}/result.json, history.jsonl, checkpoint.zip, tb/ (tensorboard --logdir {out}/tb)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hpo-rl", description="Hyperparameter optimisation as reinforcement learning.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tune", help="tune one task with the recurrent PPO agent", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    _add_task_args(t)
    t.add_argument("--budget", type=int, default=30, help="real evaluations to spend (default: %(default)s)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", default=None, help="run directory (default: runs/TASK-seedN); rerun it to resume")
    t.add_argument("--lr", type=float, default=7e-3, help="PPO learning rate (paper: %(default)s)")
    t.add_argument("--episodes-per-update", type=int, default=8, help="episodes per PPO update (default: %(default)s)")
    t.add_argument("--n-epochs", type=int, default=10, help="PPO epochs per update (default: %(default)s)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    t.add_argument("--no-tensorboard", action="store_true", help="no TensorBoard logs")
    t.set_defaults(func=_cmd_tune)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as e:
        print(f"hpo-rl {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
