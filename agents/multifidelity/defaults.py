"""The agents a user gets without naming one, where partial evaluations or seconds count."""

__all__ = ["DEFAULT_AGENT", "partial_default"]

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
