"""``results_cmp.jsonl``: this folder's runs (``adaptive-portfolio-tpe``, and ``portfolio-tpe`` and
``tpe`` run again beside it) with ``random`` and the current ``rppo-prior`` of
``../overhead_real`` and ``smac`` of ``../corpus_real_b100`` (same 30 tasks, seeds and fold
files); ``results_rest.jsonl``: the same without the development fold's tasks
(``../transfer_dev/dev_tasks.txt``), where K was chosen."""

import json
from pathlib import Path


def read(path: str, agents: tuple[str, ...]) -> list[dict]:
    return [d for d in map(json.loads, Path(path).read_text().splitlines()) if d["agent"] in agents]


rows = read("results.jsonl", ("adaptive-portfolio-tpe", "portfolio-tpe", "tpe"))
rows += read("../overhead_real/results.jsonl", ("random", "rppo-prior"))
rows += read("../corpus_real_b100/results.jsonl", ("smac",))
dev = set(Path("../transfer_dev/dev_tasks.txt").read_text().strip().split(","))
Path("results_cmp.jsonl").write_text("".join(json.dumps(d) + "\n" for d in rows))
Path("results_rest.jsonl").write_text("".join(json.dumps(d) + "\n" for d in rows if d["task"] not in dev))
print(len(rows), "runs,", len({d["task"] for d in rows if d["task"] not in dev}), "tasks outside the development fold")
