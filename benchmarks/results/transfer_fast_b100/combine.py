"""``results_cmp.jsonl``: the ``adaptive-portfolio-tpe`` runs (``results.jsonl``) beside the
same tasks' runs of ``../corpus_fast_b100`` (random, tpe, portfolio, portfolio-tpe,
rppo-prior; same env, seeds and folds), and ``results_rest.jsonl``: the same without the 13
development tasks of fold 0 (``../transfer_dev/dev_tasks.txt``), where K was chosen."""

from benchmarks.dev_runs import combine_outside

sources = [("../corpus_fast_b100/results.jsonl", None), ("results.jsonl", None)]
combine_outside(sources, "../transfer_dev/dev_tasks.txt")
