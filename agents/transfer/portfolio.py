"""A greedy portfolio: the simplest use of the same tables the learned prior is trained on.

Every configuration measured on any training table is a candidate. Its score on each
training table comes from that table's surrogate (:class:`~hpo_env.fast.surrogate.SurrogateObjective`),
as a percentile among the table's measured validation scores, so tasks weigh alike. The
portfolio adds, K times, the candidate that most raises the mean over tables of the best
percentile reached so far (the greedy set-cover of Wistuba et al. and of
auto-sklearn 2.0's portfolios). The ``portfolio`` and ``portfolio-tpe`` agents
(:mod:`agents.baselines.ask_tell`) evaluate it first, then go on with random search or TPE.

A second, **cost-aware** order is built beside it from the same candidates: each step's gain
is divided by the candidate's cost relative to its table's median evaluation, so cheap
good configurations come first. Under a wall-clock budget it finds good configurations far
sooner (the blind order's first pick costs about 4 median evaluations); counted in
evaluations it starts worse and ties from about 10 on
(``benchmarks/results/prior_conditioning/menu_time.md``). ``portfolio-tpe-hyperband``, which
always runs under a time budget, uses it.

A portfolio file is JSON: ``format``, ``space``, ``configs`` (in order), ``cost_configs``
(the cost-aware order) and ``train`` (tasks, seed, k), so a run can say whether its
portfolio saw its task. Beside it,
``<stem>.pool.npz`` keeps a sample of the candidates with their percentiles, for the
adaptive portfolio (:mod:`agents.transfer.adaptive`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.transfer.adaptive import POOL_SIZE, TransferPool, pool_path
from agents.transfer.files import WEIGHTS_DIR
from hpo_env.fast.surrogate import SurrogateObjective
from hpo_env.fast.tables import Table, list_tables
from hpo_env.history import write_json_atomic
from hpo_env.spaces import SearchSpace

__all__ = [
    "COST_FLOOR",
    "DEFAULT_PORTFOLIO",
    "YAHPO_PORTFOLIO",
    "YAHPO_PORTFOLIOS",
    "PORTFOLIO_FORMAT",
    "build_portfolio",
    "greedy_portfolio",
    "load_portfolio",
    "percentile_matrix",
    "relative_costs",
    "write_portfolio",
]

PORTFOLIO_FORMAT = 1
#: The portfolio shipped with the package: built from exactly the tables the shipped prior
#: was trained on (``hpo-rl pretrain --portfolio --exclude wine``), K=10.
DEFAULT_PORTFOLIO = WEIGHTS_DIR / "portfolio_xgb.json"
#: The portfolio shipped for YAHPO Gym's ``rbv2_xgboost`` space (``HPO-XGB-YAHPO-v0``), built
#: by ``hpo-rl pretrain --portfolio --env HPO-XGB-YAHPO-v0`` over all 119 of its tasks.
YAHPO_PORTFOLIO = WEIGHTS_DIR / "portfolio_yahpo_xgb.json"
#: The portfolio shipped for each YAHPO scenario (``lcbench``: ``HPO-MLP-LCBench-v0``, built by
#: ``hpo-rl pretrain --portfolio --env HPO-MLP-LCBench-v0`` over all 35 of its tasks).
YAHPO_PORTFOLIOS = {"rbv2_xgboost": YAHPO_PORTFOLIO, "lcbench": WEIGHTS_DIR / "portfolio_yahpo_lcbench.json"}
#: In the cost-aware order, a relative cost below this counts as this: the seconds of the
#: cheapest evaluations are mostly overhead and timing noise, not what they would cost on
#: a larger task.
COST_FLOOR = 0.1


def percentile_matrix(tables: Sequence[Table], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Candidates (every successful measured row of every table, as actions) and their
    predicted percentile on each table: ``(candidates (n, d), percentiles (n, n_tables))``."""
    cands = np.concatenate([t.X[~t.failed] for t in tables])
    cols = []
    for t in tables:
        measured = np.sort(t.val[~t.failed])
        pred = SurrogateObjective(t, seed=seed).predict(cands)
        cols.append(np.searchsorted(measured, pred, side="right") / len(measured))
    return cands, np.column_stack(cols)


def relative_costs(tables: Sequence[Table]) -> np.ndarray:
    """Each candidate's seconds (in :func:`percentile_matrix`'s order) over the median seconds
    of its own table. The ratio is much the same from task to task (a median Spearman of
    0.90 between two tasks, ``benchmarks/results/prior_conditioning/menu_time.md``), so it
    stands for what the candidate costs on any task."""
    return np.concatenate([t.seconds[~t.failed] / np.median(t.seconds[~t.failed]) for t in tables])


def greedy_portfolio(percentiles: np.ndarray, k: int, cost: np.ndarray | None = None) -> list[int]:
    """Row indices of ``k`` candidates, each the one that most raises the mean over tables of
    the best percentile so far (the first wins ties). With ``cost`` (one per candidate, as
    :func:`relative_costs`), the rise is divided by the cost, floored at :data:`COST_FLOOR`."""
    best = np.zeros(percentiles.shape[1])
    chosen: list[int] = []
    for _ in range(min(int(k), len(percentiles))):
        gain = np.maximum(percentiles, best).mean(axis=1)
        if cost is not None:
            gain = (gain - best.mean()) / np.maximum(cost, COST_FLOOR)
        gain[chosen] = -np.inf
        i = int(np.argmax(gain))
        chosen.append(i)
        best = np.maximum(best, percentiles[i])
    return chosen


def build_portfolio(
    out: str | os.PathLike[str],
    tasks: Sequence[str] | None = None,
    k: int = 10,
    table_dir: str | os.PathLike[str] | None = None,
    exclude: Sequence[str] = (),
    seed: int = 0,
) -> Path:
    """Build a portfolio of ``k`` configurations from the tables of ``tasks`` (default: all
    in ``table_dir``) but ``exclude``, and write it to ``out``."""
    if int(k) < 1:
        raise ValueError(f"k={k!r}; expected a portfolio of >= 1 configurations")
    names = [t for t in (tasks if tasks is not None else list_tables(table_dir)) if t not in set(exclude)]
    if not names:
        raise ValueError("no tables left to build a portfolio from")
    tables = [Table.load(t, table_dir) for t in names]
    space = tables[0].space
    for t in tables[1:]:
        t.check_space(space)
    cands, pct = percentile_matrix(tables, seed)
    return write_portfolio(out, space, cands, pct, relative_costs(tables), names, exclude, seed, k)


def write_portfolio(
    out: str | os.PathLike[str], space: SearchSpace, cands: np.ndarray, pct: np.ndarray, costs: np.ndarray,
    names: Sequence[str], exclude: Sequence[str] = (), seed: int = 0, k: int = 10,
) -> Path:  # fmt: skip
    """Write the portfolio file of ``k`` of the candidates ``cands`` (actions; their percentiles
    ``pct`` on the tables ``names``, their relative ``costs``), in both orders, with its pool."""
    chosen = greedy_portfolio(pct, int(k))
    cheap = greedy_portfolio(pct, int(k), costs)
    doc = {
        "format": PORTFOLIO_FORMAT,
        "space": space.to_list(),
        "configs": [space.decode(cands[i]) for i in chosen],
        "cost_configs": [space.decode(cands[i]) for i in cheap],
        "mean_best_percentile": [float(np.max(pct[chosen[: j + 1]], axis=0).mean()) for j in range(len(chosen))],
        "train": {"tasks": list(names), "exclude": list(exclude), "seed": int(seed), "k": int(k)},
    }
    _sample_pool(cands, pct, chosen, list(names), seed).save(pool_path(out))
    write_json_atomic(out, doc)  # last: a portfolio file means its pool is there too
    return Path(out)


def _sample_pool(cands: np.ndarray, pct: np.ndarray, chosen: list[int], tasks: list[str], seed: int) -> TransferPool:
    """The portfolio's rows first, then up to :data:`~agents.transfer.adaptive.POOL_SIZE` others
    drawn uniformly (seeded) from the candidates."""
    rest = np.setdiff1d(np.arange(len(cands)), chosen)
    rest = np.random.default_rng(seed).choice(rest, min(POOL_SIZE, len(rest)), replace=False)
    rows = np.concatenate([np.asarray(chosen, int), rest])
    return TransferPool(cands[rows], pct[rows], list(tasks))


def _shipped_for(space: SearchSpace | None) -> Path:
    """The shipped portfolio built on ``space``: a YAHPO scenario's where it is that space, else ours."""
    for path in YAHPO_PORTFOLIOS.values():
        if space is not None and path.exists() and json.loads(path.read_text())["space"] == space.to_list():
            return path
    return DEFAULT_PORTFOLIO


def load_portfolio(
    path: str | os.PathLike[str] | None = None,
    task: str | None = None,
    space: SearchSpace | None = None,
    cost_aware: bool = False,
) -> dict[str, Any]:
    """Read a portfolio file: the shipped one for None or ``"default"`` (of ``space``:
    the one of :data:`YAHPO_PORTFOLIOS` for a YAHPO space, else :data:`DEFAULT_PORTFOLIO`), a file, or from a
    directory of held-out ones the file of ``task`` (``<slug>.json``); a clear error
    (:class:`~agents.transfer.files.PriorError`) if it cannot be used, or was built on
    another search space than ``space``. With ``cost_aware``, its ``configs`` are the
    cost-aware order."""
    from agents.transfer.files import PriorError, resolve_file

    p = resolve_file(path, task, _shipped_for(space), ".json")
    if not p.exists():
        raise PriorError(f"no portfolio at {p}; build one with: hpo-rl pretrain --portfolio --out {p}")
    try:
        doc = json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise PriorError(f"{p} is not a portfolio file ({e})") from e
    if not isinstance(doc, dict) or doc.get("format") != PORTFOLIO_FORMAT:
        raise PriorError(f"{p}: not a portfolio of format {PORTFOLIO_FORMAT}")
    diff = None if space is None else SearchSpace.from_list(doc["space"]).difference(space, "the portfolio", "the env")
    if diff is not None:
        raise PriorError(f"the portfolio {p} was built on another search space: {diff}")
    if cost_aware:
        if "cost_configs" not in doc:
            raise PriorError(f"{p} has no cost-aware order (built before it existed); rebuild it with hpo-rl pretrain")
        doc["configs"] = doc["cost_configs"]
    doc["path"] = str(p)
    return doc
