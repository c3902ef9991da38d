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
#: partial evaluations, chosen on the 30 development tasks of ``rbv2_xgboost`` and confirmed on
#: the 89 others:
#:
#: - ``"time"``, under a time budget: ``portfolio-cfo-k1``, FLAML's CFO with the scenario's
#:   portfolio's first cost-aware pick evaluated right after its cheap start. On the development
#:   tasks it tied ``flaml-cfo`` with the smaller area (``benchmarks/results/yahpo_time_dev_k``);
#:   on the 89 final tasks it beat it on 15 tasks and lost on 5 at 2 median evaluations, 8 to 0
#:   at 25, area 0.415 against 0.426 (``yahpo_time_k1``). On lcbench, a space it was not chosen
#:   on, it is 1/34/0 against ``flaml-cfo`` at every time read, but the whole portfolio
#:   (``portfolio-cfo``) and ``portfolio-tpe-hyperband`` beat it there (``lcbench_time``);
#: - ``"no prior"``, under a time budget with ``prior='none'`` (no learned files): ``flaml-cfo``,
#:   whose area was 0.182 against 0.376 for TPE on the development tasks (``yahpo_time_dev``);
#:   also what runs counted in evaluations with ``prior='none'``: it had the best mean rank at 50
#:   and 100 evaluations there (``yahpo_b100``);
#: - ``"count"``, counted in evaluations: ``portfolio-tpe`` on the scenario's shipped portfolio,
#:   the best mean rank at 10 and 25 evaluations and the lowest normalized regret at every
#:   budget (``yahpo_b100``, held-out folds), where the paper's ``rppo`` ranked 6th of 8; the 89
#:   other tasks confirm it (``yahpo_full``), and on lcbench it was best at every budget
#:   (``lcbench_b100``).
YAHPO_DEFAULTS = {"time": "portfolio-cfo-k1", "no prior": "flaml-cfo", "count": "portfolio-tpe"}


def yahpo_default(time_budget: bool, prior: str) -> str:
    """The agent ``auto`` runs on a YAHPO env, from :data:`YAHPO_DEFAULTS`: its ``count`` agent
    without a time budget; else its ``time`` agent, or its ``no prior`` one with
    ``prior='none'`` (also without a time budget). Without FLAML (the ``[peers]`` extra) these
    two fall back to ``portfolio-tpe-hyperband`` (``tpe`` with ``prior='none'``), said in one
    line on stderr."""
    if not time_budget and prior != "none":
        return YAHPO_DEFAULTS["count"]
    agent = YAHPO_DEFAULTS["no prior" if prior == "none" else "time"]
    try:
        require(f"auto's {agent}", "flaml")
    except MissingExtraError as e:
        fallback = "tpe" if prior == "none" else DEFAULT_AGENT
        print(f"{e}; auto runs {fallback} instead", file=sys.stderr)
        return fallback
    return agent
