"""The agents a user gets without naming one, where partial evaluations or seconds count."""

import sys

from hpo_env.optional import MissingExtraError, require

__all__ = ["DEFAULT_AGENT", "YAHPO_DEFAULTS", "partial_default", "yahpo_default"]

#: What ``hpo-rl tune --multi-fidelity`` and ``RLSearchCV(multi_fidelity=True)`` tune a
#: classifier with: Hyperband with TPE, the portfolio's cost-aware order proposed first. Paired
#: in the same brackets on the development tasks, it beat the prior's proposals
#: (``rppo-prior-hb``'s design) at 25, 50 and 100% of TPE's 20- and 50-evaluation times
#: (``benchmarks/results/multifidelity_dev/README.md``, "The cost-aware portfolio"); on the 8
#: reported tasks: ``benchmarks/results/multifidelity_b100_cost``. It is also what ``auto``
#: runs under a time budget on real XGBoost: on 15 data sets no part of the project had seen,
#: at 0.2 to 20 s, it had the best or a tied mean rank up to 5 s, where ``rppo-prior`` was
#: last of 6 at every time (issue 35's table).
DEFAULT_AGENT = "portfolio-tpe-hyperband"


def partial_default(kind: str | None) -> str:
    """The agent ``auto`` runs where evaluations may be partial (``--multi-fidelity``, or a
    time budget on real XGBoost): :data:`DEFAULT_AGENT` for a classification task, and
    ``tpe-hyperband`` for a regression one, as the portfolio is learned from classification."""
    return "tpe-hyperband" if kind == "regression" else DEFAULT_AGENT


#: What ``auto`` runs on YAHPO Gym's envs (``HPO-XGB-YAHPO-v0``, ``HPO-MLP-LCBench-v0``) without
#: partial evaluations, chosen on the 30 development tasks of ``rbv2_xgboost``:
#:
#: - ``"time"``, under a time budget (or with no learned files, ``prior='none'``): FLAML's CFO,
#:   whose area under regret against log simulated time was 0.182, against 0.227 for
#:   ``portfolio-tpe-hyperband`` and 0.376 for TPE (``benchmarks/results/yahpo_time_dev``); it
#:   also had the best mean rank at 50 and 100 evaluations there (``yahpo_b100``);
#: - ``"count"``, counted in evaluations: ``portfolio-tpe`` on the scenario's shipped portfolio,
#:   the best mean rank at 10 and 25 evaluations and the lowest normalized regret at every
#:   budget (``yahpo_b100``, held-out folds), where the paper's ``rppo`` ranked 6th of 8.
#:
#: The 89 other tasks confirm both (``yahpo_time``, ``yahpo_full``), and ``lcbench`` is a test of
#: the same choice on a space it was not made on (``lcbench_b100``).
YAHPO_DEFAULTS = {"time": "flaml-cfo", "count": "portfolio-tpe"}


def yahpo_default(time_budget: bool, prior: str) -> str:
    """The agent ``auto`` runs on a YAHPO env: :data:`YAHPO_DEFAULTS`' ``time`` agent under a time
    budget or with ``prior='none'``, else its ``count`` agent. Without FLAML (the ``[peers]``
    extra) the time agent is ``portfolio-tpe-hyperband`` (``tpe`` with ``prior='none'``), said in
    one line on stderr."""
    if not time_budget and prior != "none":
        return YAHPO_DEFAULTS["count"]
    try:
        require(f"auto's {YAHPO_DEFAULTS['time']}", "flaml")
    except MissingExtraError as e:
        fallback = "tpe" if prior == "none" else DEFAULT_AGENT
        print(f"{e}; auto runs {fallback} instead", file=sys.stderr)
        return fallback
    return YAHPO_DEFAULTS["time"]
