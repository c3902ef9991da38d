"""Build the files the README's reports read, from this folder's runs.

- ``results_all.jsonl``: this folder's ``results.jsonl`` (random, tpe, portfolio-tpe and
  ``rppo-prior``, run side by side) plus SMAC3's runs of ``../corpus_real_b100`` (same tasks,
  seeds and budget; SMAC3 learns nothing across tasks and its scores do not depend on time).
- ``results_final23.jsonl``: the same without the 7 tasks of the development fold
  (``../overhead_dev/dev_tasks.txt``), on which ``refit_growth`` was chosen.
- ``results_f6b7ad6.jsonl`` holds ``rppo-prior`` before this change, run from a checkout of
  commit f6b7ad6; its lines are renamed ``rppo-prior@f6b7ad6`` into ``results_cost.jsonl``
  beside this folder's runs, for the cost table.
"""

import json
from pathlib import Path

from hpo_env.history import read_jsonl as lines  # committed gzipped: it reads NAME.jsonl.gz


def write(path: str, rows: list[dict]) -> None:
    Path(path).write_text("".join(json.dumps(r) + "\n" for r in rows))


new = lines("results.jsonl")
smac = [r for r in lines("../corpus_real_b100/results.jsonl") if r["agent"] == "smac"]
dev = set(Path("../overhead_dev/dev_tasks.txt").read_text().strip().split(","))
write("results_all.jsonl", new + smac)
write("results_final23.jsonl", [r for r in new + smac if r["task"] not in dev])
old = [{**r, "agent": "rppo-prior@f6b7ad6"} for r in lines("results_f6b7ad6.jsonl")]
write("results_cost.jsonl", new + old)
