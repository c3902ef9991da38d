"""``results_cmp.jsonl``: the ``adaptive-portfolio-tpe`` runs (``results.jsonl``) beside the
same tasks' runs of ``../corpus_fast_b100`` (random, tpe, portfolio, portfolio-tpe,
rppo-prior; same env, seeds and folds), and ``results_rest.jsonl``: the same without the 13
development tasks of fold 0 (``../transfer_dev/dev_tasks.txt``), where K was chosen."""

import json
from pathlib import Path

rows = [json.loads(x) for x in Path("../corpus_fast_b100/results.jsonl").read_text().splitlines()]
rows += [json.loads(x) for x in Path("results.jsonl").read_text().splitlines()]
dev = set(Path("../transfer_dev/dev_tasks.txt").read_text().strip().split(","))
Path("results_cmp.jsonl").write_text("".join(json.dumps(d) + "\n" for d in rows))
Path("results_rest.jsonl").write_text("".join(json.dumps(d) + "\n" for d in rows if d["task"] not in dev))
print(len(rows), "runs,", sum(d["task"] not in dev for d in rows), "outside the development fold")
