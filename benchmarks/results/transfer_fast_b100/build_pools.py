"""The pools of ``../corpus_fast_b100/folds``' portfolios, built as ``hpo-rl pretrain --folds 5``
builds them (those folds were made before portfolios had pools), two folds at a time.

Usage, from this folder: ``python build_pools.py``. The portfolio files it rewrites come out
identical (``git diff ../corpus_fast_b100/folds`` shows nothing).
"""

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from agents.transfer.portfolio import build_portfolio

FOLDS = Path("../corpus_fast_b100/folds")


def build(i: int) -> str:
    train = json.loads((FOLDS / f"fold{i}.json").read_text())["train"]  # the tables it was built from
    return str(build_portfolio(FOLDS / f"fold{i}.json", train["tasks"], k=train["k"], seed=train["seed"]))


if __name__ == "__main__":
    with ProcessPoolExecutor(2) as ex:
        for path in ex.map(build, range(5)):
            print(path)
