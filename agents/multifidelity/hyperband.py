"""Hyperband by early stopping: Optuna's ``HyperbandPruner`` on the env's learning curves.

Each configuration is trained at full fidelity with a reporter (:mod:`hpo_env.fidelity`):
at each point of its learning curve the pruner compares it with the configurations that
reached that point before and stops the training when it is not among the best. Only a
configuration that ran to the end is a full evaluation, so only such a one can become
the incumbent.

- ``tpe-hyperband``: Optuna's TPE proposes each configuration.
- ``rppo-prior-hb`` (:mod:`agents.multifidelity.prior_hb`): the learned prior and a reward
  model over fidelities propose it, through the same loop and the same pruner.
"""

from __future__ import annotations

from typing import Any, ClassVar

from agents.base import Agent, max_episodes, play_episode
from agents.baselines.ask_tell import optuna_ask_tell
from hpo_env.env import HPOEnv
from hpo_env.fidelity import CURVE_STEPS, full_evals
from hpo_env.optional import require
from hpo_env.spaces import SearchSpace

__all__ = ["HYPERBAND", "PrunedOptunaAgent", "TPEHyperbandAgent"]

#: Optuna ``HyperbandPruner`` settings of both agents, in learning-curve steps
#: (:data:`~hpo_env.fidelity.CURVE_STEPS` make all rounds): rungs at 1/27, 1/9, 1/3 and 1.
HYPERBAND: dict[str, int] = {"min_resource": 1, "max_resource": CURVE_STEPS, "reduction_factor": 3}


class PrunedOptunaAgent(Agent):
    """The shared loop: ask an Optuna study, train with the pruner as reporter, tell.

    The budget counts full-evaluation equivalents (``RunResult.full_evals``): a pruned
    configuration costs the fraction of its rounds it trained. Subclasses may enqueue
    their own proposal before each ask (:meth:`propose`); the study's TPE proposes otherwise.

    Args:
        brackets: the name the pruner hashes, with the seed, to put each trial in a
            Hyperband bracket; None: the agent's own name. Two agents given the same one
            have the same brackets on a seed, so a comparison of them is paired: only
            their proposals differ (``benchmarks/results/multifidelity_dev/same_brackets``).
    """

    requires: ClassVar[tuple[str, ...]] = ("optuna",)
    multi_fidelity: ClassVar[bool] = True

    def __init__(self, brackets: str | None = None) -> None:
        if brackets is not None and not (isinstance(brackets, str) and brackets):
            raise ValueError(f"brackets={brackets!r}; expected a non-empty name, or None for the agent's own")
        self.brackets = brackets
        self._extra: dict[str, Any] = {}  # the result's extra fields, set by begin()

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        require(f"agent {self.name!r}", *self.requires)
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        base = env.unwrapped
        start = base.n_real_evals
        study = optuna.create_study(
            study_name=f"{self.brackets or self.name}-seed{seed}",  # the pruner's brackets hash it
            direction="maximize",
            sampler=optuna.samplers.TPESampler(seed=seed),
            pruner=optuna.pruners.HyperbandPruner(**HYPERBAND),
        )
        self.begin(env, seed)
        ask, tell = optuna_ask_tell(study, self.search_space(env))
        for _ in range(max_episodes(budget)):
            if full_evals(base.history.records[start:]) >= budget:
                break
            proposal = self.propose(env)
            if proposal is not None:
                study.enqueue_trial(proposal)
            trial, config = ask()
            reward, info = play_episode(env, base.space.encode(config), {"report": _reporter(trial, base)})
            if info.get("pruned"):
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                tell(trial, reward)
        return self.extra_so_far()

    def begin(self, env: HPOEnv, seed: int) -> None:
        """Called once before the first proposal."""

    def propose(self, env: HPOEnv) -> dict[str, Any] | None:
        """The next configuration to try, or None to let TPE choose."""
        return None

    def extra_so_far(self) -> dict[str, Any]:
        return dict(self._extra)

    def search_space(self, env: HPOEnv) -> SearchSpace:
        """The space TPE proposes in, asked after :meth:`begin`: the env's, or a part of it
        (every configuration in it must also be in the env's)."""
        return env.unwrapped.space


def _reporter(trial: Any, env: HPOEnv) -> Any:
    """The env's ``report`` for one Optuna trial: report the reward at each step, stop if pruned."""

    def report(step: int, score: float) -> bool:
        trial.report(env.objective.reward(score), step)
        return bool(trial.should_prune())

    return report


class TPEHyperbandAgent(PrunedOptunaAgent):
    """Optuna's TPE with its ``HyperbandPruner`` (:data:`HYPERBAND`) on the learning curves."""

    name = "tpe-hyperband"
