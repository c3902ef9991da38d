"""``results_cmp.jsonl``: the variants' runs beside the same fold-0 tasks' runs of ``tpe`` and
``portfolio-tpe`` (``../corpus_fast_b100``) and of the current ``rppo-prior``
(``../overhead_dev/results_g10.jsonl``, renamed), for ``hpo-rl report``."""

import json
from pathlib import Path

from hpo_env.history import read_jsonl

tasks = set(Path("dev_tasks.txt").read_text().strip().split(","))
rows = [
    d
    for d in read_jsonl("../corpus_fast_b100/results.jsonl")
    if d["task"] in tasks and d["agent"] in ("tpe", "portfolio-tpe")
]
rows += [{**d, "agent": "rppo-prior"} for d in read_jsonl("../overhead_dev/results_g10.jsonl")]
for p in sorted(Path().glob("results_*.jsonl*")):  # committed gzipped
    if not p.name.startswith("results_cmp."):
        rows += read_jsonl(p)
Path("results_cmp.jsonl").write_text("".join(json.dumps(d) + "\n" for d in rows))
print(len(rows), "runs")
