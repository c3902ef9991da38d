"""Issue 15, development runs: ``rppo-prior`` variants that screen differently (expected
improvement instead of the predicted score, a share of uniform candidates) or start
screening sooner (fewer ``prior_evals``), on the 13 fold-0 tasks (``dev_tasks.txt``, as in
``../overhead_dev``), fast mode, budget 100, 3 seeds, each with the fold prior that held it out.

``start=portfolio`` (dev only, no agent does this): the first ``prior_evals`` evaluations are
the fold portfolio's configurations (as ``portfolio-tpe``'s), not the policy's samples, to
measure screening against TPE from the same start.

Usage, from this folder: ``python run.py NAME [FIELD=VALUE ...]``, e.g.
``python run.py ei model.acquisition=ei`` or ``python run.py pe5 prior_evals=5 model.min_real_evals=5``.
``FIELD`` is a field of :class:`~agents.rppo.presets.RPPOPreset`, or ``model.FIELD`` one of its
:class:`~agents.rppo.presets.ModelSettings`. Writes ``results_NAME.jsonl`` (resumable), with
the agent named ``rppo-prior-NAME`` and ``cpu_s``, the run's wall time on this machine.
"""

import sys
import warnings
from pathlib import Path

import torch as th

from agents.rppo.presets import PRESETS
from benchmarks.dev_runs import run_variant

warnings.filterwarnings("ignore")
th.set_num_threads(1)
name, changes, model = sys.argv[1], {}, {}
FOLDS = "../corpus_fast_b100/folds"
if "start=portfolio" in sys.argv:
    import agents.prior as prior
    from agents.base import task_spec
    from agents.transfer.portfolio import load_portfolio

    def portfolio_start(policy, env, n, max_episodes=None, on_episode=None):
        base = env.unwrapped
        configs = load_portfolio(FOLDS, task_spec(base))["configs"][:n]
        infos = base.evaluate_many([dict(c) for c in configs], episodes=True)
        for info in infos:
            if on_episode is not None:
                on_episode(int(info["real"]))
        return infos

    prior.propose = portfolio_start
    sys.argv.remove("start=portfolio")
for arg in sys.argv[2:]:
    key, value = arg.split("=", 1)
    value = float(value) if value.replace(".", "", 1).isdigit() and "." in value else value
    value = int(value) if isinstance(value, str) and value.isdigit() else value
    (model if key.startswith("model.") else changes)[key.removeprefix("model.")] = value
base = PRESETS["rppo-prior"]
preset = base.replace(name=f"rppo-prior-{name}", prior=FOLDS, model=model, **changes)
run_variant(preset, Path("dev_tasks.txt").read_text().strip().split(","), f"results_{name}.jsonl")
