"""``results_cmp.jsonl``: the variants' runs beside the same fold-0 tasks' runs of ``tpe`` and
``portfolio-tpe`` (``../corpus_fast_b100``) and of the current ``rppo-prior``
(``../overhead_dev/results_g10.jsonl``, renamed), for ``hpo-rl report``."""

import json
from pathlib import Path

tasks = set(Path("dev_tasks.txt").read_text().strip().split(","))
rows = [
    d
    for d in map(json.loads, Path("../corpus_fast_b100/results.jsonl").read_text().splitlines())
    if d["task"] in tasks and d["agent"] in ("tpe", "portfolio-tpe")
]
rows += [
    {**d, "agent": "rppo-prior"}
    for d in map(json.loads, Path("../overhead_dev/results_g10.jsonl").read_text().splitlines())
]
for p in sorted(Path().glob("results_*.jsonl")):
    if p.name != "results_cmp.jsonl":
        rows += [json.loads(x) for x in p.read_text().splitlines()]
Path("results_cmp.jsonl").write_text("".join(json.dumps(d) + "\n" for d in rows))
print(len(rows), "runs")
