"""``results_cmp.jsonl``: the variants' runs beside the same fold-0 tasks' runs of ``tpe``,
``portfolio-tpe`` and ``rppo-prior`` (as gathered in ``../screen_dev/results_cmp.jsonl``)."""

import json
from pathlib import Path

rows = [
    d
    for d in map(json.loads, Path("../screen_dev/results_cmp.jsonl").read_text().splitlines())
    if d["agent"] in ("tpe", "portfolio-tpe", "rppo-prior")
]
for p in sorted(Path().glob("results_*.jsonl")):
    if p.name != "results_cmp.jsonl":
        rows += [json.loads(x) for x in p.read_text().splitlines()]
Path("results_cmp.jsonl").write_text("".join(json.dumps(d) + "\n" for d in rows))
print(len(rows), "runs")
