"""The multi-fidelity agent a user gets without naming one."""

__all__ = ["DEFAULT_AGENT"]

#: What ``hpo-rl tune --multi-fidelity`` and ``RLSearchCV(multi_fidelity=True)`` tune a
#: classifier with: Hyperband with TPE, the portfolio's cost-aware order proposed first. Paired
#: in the same brackets on the development tasks, it beat the prior's proposals
#: (``rppo-prior-hb``'s design) at 25, 50 and 100% of TPE's 20- and 50-evaluation times
#: (``benchmarks/results/multifidelity_dev/README.md``, "The cost-aware portfolio"); on the 8
#: reported tasks: ``benchmarks/results/multifidelity_b100_cost``.
DEFAULT_AGENT = "portfolio-tpe-hyperband"
