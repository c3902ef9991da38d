"""Issue 15's overhead bar, development runs: ``rppo-prior`` variants that refit its reward
model less often or with fewer trees, on the 13 fold-0 tasks (``dev_tasks.txt``, as in
``../rl2_dev``), fast mode, budget 100, 3 seeds, each with the fold prior that held it out.

Usage, from this folder: ``python run.py NAME GROWTH TREES [SCREEN [pool]]``, e.g.
``python run.py g10 0.1 100``. ``SCREEN``: candidates per proposal (default 1000); ``pool``:
the candidates are sampled and ranked once per model fit, and the proposals between fits
are the next best of them (default: fresh candidates for every proposal).
Writes ``results_NAME.jsonl`` (resumable): the benchmark's result line plus ``cpu_s``, the
run's wall time on this machine (fast mode's evaluations are table look-ups, so it is the
agent's own time; the result's ``wall_s`` is the simulated clock).
"""

import sys
import warnings
from pathlib import Path

import hpo_env.reward_models as rm
from agents.rppo.presets import PRESETS
from benchmarks.dev_runs import run_variant

warnings.filterwarnings("ignore")
name, growth, trees = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
screen = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
if len(sys.argv) > 5 and sys.argv[5] == "pool":
    import numpy as np

    import agents.rppo.model_control as mc
    from agents.rppo.sampling import sample_actions

    _pool: dict = {}

    def pooled(policy, wrapper, m, *_):  # acquisition and uniform_share: their defaults
        base, key = wrapper.env.unwrapped, (id(wrapper), wrapper.fitted_on)
        if _pool.get("key") != key:
            actions = sample_actions(policy, base, m)
            _pool.update(
                key=key, actions=actions, order=list(np.argsort(-wrapper.predict_actions(actions)[0], kind="stable"))
            )
        while _pool["order"]:
            config = base.space.decode(_pool["actions"][_pool["order"].pop(0)])
            if base.history.lookup(config) is None:
                return config
        return base.space.decode(base.np_random.uniform(-1.0, 1.0, len(base.space)))

    mc.screened_proposal = pooled
_init = rm.ExtraTreesRewardModel.__init__
rm.ExtraTreesRewardModel.__init__ = lambda self, n_estimators=trees, min_samples_leaf=2, seed=0: _init(
    self, n_estimators, min_samples_leaf, seed
)
base = PRESETS["rppo-prior"]
preset = base.replace(
    name=f"rppo-prior-{name}",
    prior="../corpus_fast_b100/folds",
    model=base.model.replace(refit_growth=growth, screen=screen),
)
run_variant(preset, Path("dev_tasks.txt").read_text().strip().split(","), f"results_{name}.jsonl")
