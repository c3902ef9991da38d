"""``results_cmp.jsonl``: this folder's runs (``adaptive-portfolio-tpe``, and ``portfolio-tpe`` and
``tpe`` run again beside it) with ``random`` and the current ``rppo-prior`` of
``../overhead_real`` and ``smac`` of ``../corpus_real_b100`` (same 30 tasks, seeds and fold
files); ``results_rest.jsonl``: the same without the development fold's tasks
(``../transfer_dev/dev_tasks.txt``), where K was chosen."""

from benchmarks.dev_runs import combine_outside

sources = [
    ("results.jsonl", ("adaptive-portfolio-tpe", "portfolio-tpe", "tpe")),
    ("../overhead_real/results.jsonl", ("random", "rppo-prior")),
    ("../corpus_real_b100/results.jsonl", ("smac",)),
]
combine_outside(sources, "../transfer_dev/dev_tasks.txt")
