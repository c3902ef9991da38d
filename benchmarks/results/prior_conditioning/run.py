"""Does the prior's proposal move with the task the way the task's best configurations do?

    python run.py          # from this folder: the held-out fold priors, all 79 corpus tasks
    python run.py shipped  # the shipped prior, on the tasks it was trained on (in-sample)
    python run.py DIR      # the held-out fold priors in DIR (``hpo-rl pretrain --folds``)

For each task: 256 samples of the prior (torch seed 0), and the median of each
hyperparameter in action units ([-1, 1], the log scale for log ranges), against the median
of the task's 15 best measured configurations in its table (300 real evaluations,
``hpo_env/fast/tables``). Across tasks: the Spearman correlation of the two medians, and
the spread (standard deviation over tasks) of each, beside the spread of the prior's
samples within a task. A prior that adapts to the task has
medians that spread as the best ones do and rise with them. Fast mode only; about 1 min.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import torch as th
from scipy.stats import spearmanr

import hpo_env
from agents.prior import load_prior, prior_policy, resolve_prior
from agents.rppo.sampling import sample_actions
from benchmarks.suites import SUITES
from hpo_env.fast.tables import Table

FOLDS = Path(__file__).resolve().parents[1] / "corpus_fast_b100" / "folds"
SAMPLES, TOP = 256, 15


def medians(task: str, prior: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The prior's median action, the task's best configurations' one, and the spread (std)
    of the prior's samples; None if the shipped prior (``prior`` None) was not trained on
    the task."""
    th.manual_seed(0)
    env = hpo_env.make_surrogate_env(task, seed=0, meta_features=True)
    try:
        doc = load_prior(resolve_prior(prior, task))
        if prior is None and task not in doc["train"]["tasks"]:
            return None
        actions = np.asarray(sample_actions(prior_policy(doc, env.unwrapped), env.unwrapped, SAMPLES))
    finally:
        env.close()
    table = Table.load(task)
    ok = ~table.failed
    top = np.argsort(-table.val[ok])[:TOP]
    return np.median(actions, 0), np.median(table.X[ok][top], 0), actions.std(0)


def main(which: str | None) -> None:
    warnings.filterwarnings("ignore")  # the shipped prior warns on each task it saw
    th.set_num_threads(1)
    shipped = which == "shipped"
    folds = None if shipped else str(which or FOLDS)
    pairs = [m for t in SUITES["corpus"] if (m := medians(t, folds)) is not None]
    prior, best, within = (np.array(x) for x in zip(*pairs, strict=True))
    names = hpo_env.make_surrogate_env("iris").unwrapped.space.names
    where = "" if shipped else "/".join(Path(folds).parts[-2:])
    which = "shipped prior, in-sample" if shipped else f"held-out fold priors ({where})"
    print(f"{which}: {len(pairs)} tasks\n")
    print("| hyperparameter | Spearman (prior's median, best's median) | std over tasks: prior | best "
          "| std of the prior's samples within a task (mean over tasks) |")  # fmt: skip
    print("|---|---|---|---|---|")
    for j, name in enumerate(names):
        r = spearmanr(prior[:, j], best[:, j]).statistic
        print(f"| {name} | {r:+.2f} | {prior[:, j].std():.3f} | {best[:, j].std():.3f} | {within[:, j].mean():.3f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
