"""``results_cmp.jsonl`` and ``summary.md``: this folder's ``portfolio-tpe-hyperband`` runs (the cost-aware order,
the default since commit 34236a1) beside every run of ``../multifidelity_b100_rerun``, where
the same agent's runs with the order blind to cost are renamed
``portfolio-tpe-hyperband@62551bd`` (the commit that made them). The same 8 tasks, seeds,
time budgets (``ref.jsonl`` is a copy of that folder's) and fold files.

    python combine.py    # from this folder

``summary.md`` is ``benchmarks.multifidelity``'s summary of ``results_cmp.jsonl`` (time to
reach TPE's final, best validation, test of best), which the benchmark itself could not
write here: this folder's own results hold no ``tpe`` run.
"""

import json
from pathlib import Path

from benchmarks.multifidelity import AGENTS, summary
from hpo_env.history import read_jsonl

HERE = Path(__file__).resolve().parent
BLIND = "portfolio-tpe-hyperband@62551bd"

rows = [{**r, "agent": BLIND} if r["agent"] == "portfolio-tpe-hyperband" else r
        for r in read_jsonl(HERE.parent / "multifidelity_b100_rerun" / "results.jsonl")]  # fmt: skip
rows += read_jsonl(HERE / "results.jsonl")
(HERE / "results_cmp.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
print(len(rows), "runs in results_cmp.jsonl")
lines = summary(read_jsonl(HERE / "ref.jsonl"), rows, [*AGENTS, BLIND])
(HERE / "summary.md").write_text("\n".join(lines) + "\n")
