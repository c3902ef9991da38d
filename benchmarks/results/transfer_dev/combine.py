"""``results_cmp.jsonl``: the variants' runs beside the same fold-0 tasks' runs of ``tpe``,
``portfolio-tpe`` and ``rppo-prior`` (as gathered in ``../screen_dev/results_cmp.jsonl``)."""

from pathlib import Path

from benchmarks.dev_runs import combine

# committed gzipped
variants = [(p, None) for p in sorted(Path().glob("results_*.jsonl*")) if not p.name.startswith("results_cmp.")]
print(
    combine(
        "results_cmp.jsonl", [("../screen_dev/results_cmp.jsonl", ("tpe", "portfolio-tpe", "rppo-prior")), *variants]
    ),
    "runs",
)
