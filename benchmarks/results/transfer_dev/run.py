"""Issue 15, development runs of ``adaptive-portfolio-tpe`` (:mod:`agents.transfer.adaptive`) with
K adaptive proposals before TPE, on the 13 fold-0 tasks (``dev_tasks.txt``), fast mode,
budget 100, 3 seeds, each task with the fold portfolio and pool of
``../corpus_fast_b100/folds`` that held it out.

Usage, from this folder: ``python run.py NAME K``, e.g. ``python run.py k25 25``. Writes
``results_NAME.jsonl`` (resumable), the agent named ``ap-NAME``, with ``cpu_s``, the run's
wall time on this machine.
"""

import sys
import warnings
from pathlib import Path

from agents.baselines import PortfolioAgent
from benchmarks.dev_runs import run_variant

warnings.filterwarnings("ignore")
name, k = sys.argv[1], int(sys.argv[2])


def make() -> PortfolioAgent:
    agent = PortfolioAgent("tpe", prior="../corpus_fast_b100/folds", adaptive=True, k=k)
    agent.name = f"ap-{name}"
    return agent


run_variant(make, Path("dev_tasks.txt").read_text().strip().split(","), f"results_{name}.jsonl")
