"""One tuning run of any registered agent in a run directory: what ``hpo-rl tune`` runs.

A run directory holds, whatever the agent:
    ``settings.json``   every setting of the run (a resumed run must match; the budget may grow)
    ``history.jsonl``   every real evaluation, partial ones included, appended as it happens
    ``result.json``     the incumbent and the accounting over all sessions, in one shape
    ``model.ubj``, ``model.json``   the final model (real XGBoost; :func:`refit`)
    ``checkpoint.zip``, ``tb/``     where the agent trains a policy (the ``rppo`` presets)

The task is loaded once, and the budget is counted once, from the history, in
full-evaluation equivalents (:func:`~hpo_env.fidelity.full_evals`): the number of real
evaluations for an agent that makes only full ones. Running the same session again
resumes it; rerunning a finished one changes nothing.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym

import hpo_env  # noqa: F401 - registers the envs for gym.make
from agents.base import Agent, by_metric, run_agent, summarize, task_spec
from agents.rppo.presets import RPPOPreset
from agents.rppo.tuner import make_preset
from agents.run_dir import check_same_settings, json_safe, previous_result
from hpo_env.env import HPOEnv
from hpo_env.eval_log import EvalLog, ProgressBar
from hpo_env.fidelity import full_evals
from hpo_env.history import write_json_atomic
from hpo_env.yahpo.objective import YAHPO_ENVS

__all__ = [
    "FIDELITY_ENVS",
    "PRIOR_ENVS",
    "FinishedSession",
    "Session",
    "check_prior",
    "choose_agent",
    "label",
    "make_session_agent",
    "open_session",
    "refit",
    "tune",
]

#: Envs whose default search space the shipped prior was trained on.
PRIOR_ENVS = ("HPO-XGB-v0", "HPO-XGB-Surrogate-v0")
#: Envs that take partial evaluations (:mod:`hpo_env.fidelity`): real XGBoost (fewer boosting
#: rounds or rows) and YAHPO's surrogates (a fraction of their trainsize or epochs).
FIDELITY_ENVS = ("HPO-XGB-v0", *YAHPO_ENVS)


def choose_agent(name: str, *, env_id: str, kind: str | None, prior: str, multi_fidelity: bool,
                 time_budget: float | None = None) -> str:  # fmt: skip
    """The agent ``auto`` stands for: with ``multi_fidelity``, or a ``time_budget`` on real
    XGBoost, the default multi-fidelity agent (:func:`~agents.multifidelity.defaults.partial_default`;
    ``tpe-hyperband`` with ``prior='none'``); on a YAHPO env, the agent its development tasks
    chose (:func:`~agents.multifidelity.defaults.yahpo_default`); else ``rppo-prior`` where the
    shipped prior fits (an XGBoost env's default space, a classification task, ``prior`` not
    ``none``), else ``rppo``. Any other name is returned."""
    from agents.multifidelity.defaults import partial_default, yahpo_default

    if name != "auto":
        return name
    if multi_fidelity or (time_budget is not None and env_id == "HPO-XGB-v0"):
        return "tpe-hyperband" if prior == "none" else partial_default(kind)
    if env_id in YAHPO_ENVS:
        return yahpo_default(time_budget is not None, prior)
    if prior == "none" or (prior == "auto" and env_id not in PRIOR_ENVS):
        return "rppo"
    if kind == "regression":
        print("a regression task: the learned prior is for classification, so this runs the paper's agent "
              "(rppo: recurrent PPO from scratch, no prior)", file=sys.stderr)  # fmt: skip
        return "rppo"
    return "rppo-prior"


def make_session_agent(name: str, *, prior: str, preset_changes: dict[str, Any], rppo: dict[str, Any]) -> Agent:
    """The registered agent ``name``: an ``rppo`` preset with ``preset_changes`` (its run files
    in ``rppo``'s ``out_dir``), or any other agent, which takes no preset field."""
    from agents.registry import make_agent, preset_agent, prior_agents
    from agents.rppo.presets import PRESETS

    if name in PRESETS:
        preset = make_preset(name, prior=None if prior == "auto" else prior, **preset_changes)
        return preset_agent(preset, **rppo)
    if preset_changes:
        fields = ", ".join(sorted(preset_changes))
        raise ValueError(f"agent {name!r} is not an rppo preset; its fields ({fields}: --lr, --model, --screen "
                         "and the like) apply to those only")  # fmt: skip
    if rppo.get("n_envs", 1) > 1:
        raise ValueError(f"agent {name!r} evaluates one configuration at a time; --n-envs is for the rppo presets")
    if prior == "none":
        if name in prior_agents():
            raise ValueError(f"prior='none': agent {name!r} starts from learned files; for no prior pick one that "
                             "does not (tpe, or tpe-hyperband with multi_fidelity)")  # fmt: skip
        prior = "auto"
    return make_agent(name, **({} if prior in ("auto", "default") else {"prior": prior}))


def check_prior(agent: Agent, env: HPOEnv) -> str | None:
    """The weights file of an ``rppo`` preset's prior for this env's task; it must load and fit
    ``env``, or a :class:`~agents.prior.PriorError` says what to do (a benchmark falls back to
    a random policy; a run the user asked for does not)."""
    preset = getattr(agent, "preset", None)
    if preset is None or preset.prior is None:
        return None
    from agents.transfer.files import fitting_prior

    return fitting_prior(preset.prior, env, task_spec(env))["path"]


def label(agent: Agent) -> str:
    """The name results record: an ``rppo`` preset's registered twin (``NAME+custom`` if none)."""
    preset = getattr(agent, "preset", None)
    return agent.name if preset is None else preset.canonical().name


class Session:
    """One tuning run of ``agent`` on ``env`` in ``out_dir`` (the module docstring lists its files).

    Args:
        agent: any :class:`~agents.base.Agent` (:func:`open_session` builds one by name).
        env: the env, built with ``history_path=out_dir/history.jsonl`` so a session resumes.
        budget: full-evaluation equivalents over all sessions of the run directory.
        seed: seeds the agent.
        out_dir: the run directory, or None for a session in memory (a benchmark's run): no
            files, no resume, no final model.
        task: the task's name in the result (default: the env's, :func:`~agents.base.task_spec`).
        settings: what identifies the run besides the agent, the env and the budget
            (``env_id``, ``env_kwargs``...); recorded in ``settings.json``.
        time_budget: seconds on the env's clock for this session, or None.
        refit: end by refitting the incumbent as the final model (real XGBoost only).
        tensorboard: log every evaluation to ``out_dir/tb/evals`` as it is made
            (:class:`~hpo_env.eval_log.EvalLog`), whatever the agent.
        progress: show a progress bar of the budget, whatever the agent.
    """

    def __init__(self, agent: Agent, env: HPOEnv, budget: int, seed: int, out_dir: str | os.PathLike[str] | None,
                 *, task: str | None = None, settings: dict[str, Any] | None = None, time_budget: float | None = None,
                 refit: bool = True, tensorboard: bool = False, progress: bool = False) -> None:  # fmt: skip
        if int(budget) < 1:
            raise ValueError(f"budget={budget!r}; expected a number of full evaluations >= 1")
        self.agent, self.env, self.budget, self.seed = agent, env, int(budget), int(seed)
        self.out = None if out_dir is None else Path(out_dir)
        self.task, self.time_budget, self.refit = task, time_budget, refit and out_dir is not None
        self.tensorboard, self.progress = tensorboard, progress
        self.settings = json_safe({**self._own_settings(), **(settings or {})})

    def _own_settings(self) -> dict[str, Any]:
        env, preset = self.env, getattr(self.agent, "preset", None)
        return {
            "agent": label(self.agent),
            "preset": None if preset is None else preset.canonical().to_dict(),
            "task": getattr(env.objective, "task", None) and env.objective.task.describe(),
            "budget": self.budget,
            "seed": self.seed,
            "time_budget": self.time_budget,
            "objective": env.objective.describe(),
            "space": env.space.to_list(),
            "order": env.order_name,
        }

    def run(self) -> dict[str, Any]:
        """Run what is left of the budget and return ``result.json``'s content; it is written
        also on an interrupt or an error (the counts so far, which a resumed session adds to)."""
        prev = self._previous()
        spent = full_evals(self.env.history.records)
        if prev.get("finished") and spent >= self.budget and prev.get("settings") == self.settings:
            return {**prev, "already_finished": True}
        left = math.ceil(self.budget - spent - 1e-9)
        run, episodes0, listeners = None, self.env.n_episodes, self._listeners(spent)
        try:
            if left >= 1:
                run = run_agent(self.agent, self.env, left, self.seed, time_budget=self.time_budget)
        finally:
            for listener in listeners:
                listener.close()
            extra = self.agent.extra_so_far() if run is None else run.extra
            result = self.result(prev, extra, self.env.n_episodes - episodes0)
            self._write(result)
        final = refit(self.env, result["best_config"], self.out) if self.refit and result["best_config"] else None
        if final is not None:
            result["final_model"] = final
            self._write(result)
        return result

    def _previous(self) -> dict[str, Any]:
        """The run directory's last ``result.json`` (its settings must match); {} in memory."""
        if self.out is None:
            return {}
        self.out.mkdir(parents=True, exist_ok=True)
        check_same_settings(self.out / "settings.json", self.settings)
        return previous_result(self.out)

    def _write(self, result: dict[str, Any]) -> None:
        if self.out is not None:
            write_json_atomic(self.out / "result.json", result)

    def _listeners(self, spent: float) -> list[Any]:
        """The live logs that follow the history: TensorBoard and a progress bar."""
        history, out = self.env.history, []
        if self.tensorboard and self.out is not None:
            out.append(EvalLog(history, self.out / "tb" / "evals").attach())
        if self.progress:
            out.append(ProgressBar(history, self.budget, spent).attach())
        return out

    def result(self, prev: dict[str, Any], extra: dict[str, Any], n_episodes: int) -> dict[str, Any]:
        """``result.json``, or a benchmark's result line: the incumbent (always a full evaluation)
        and the accounting over all sessions, read from the history (:func:`~agents.base.summarize`,
        times on the env's clock from its first session's start); the agent's ``extra`` and this
        session's ``n_episodes`` add to the previous session's."""
        env, settings = self.env, self.settings
        seen, wall = summarize(env.history.records), env.elapsed()
        extra = _add_extra(prev.get("extra", {}), extra)
        n = seen["n_real_evals"]
        return {
            "agent": label(self.agent),
            "task": self.task or task_spec(env),
            "seed": self.seed,
            "budget": self.budget,
            "time_budget": self.time_budget,
            **seen,
            # The run read under every metric its evaluations were scored by (hpo-rl report --metric).
            "by_metric": by_metric(env.history.records),
            "n_episodes": int(prev.get("n_episodes", 0)) + n_episodes,
            "wall_s": wall,
            # The env's clock counts a simulated objective's (fast mode) reported seconds, so what
            # is left after the evaluations' seconds is the agent's own time either way.
            "agent_overhead_s_per_eval": (wall - seen["eval_s"]) / n if n else None,
            "extra": extra,
            "finished": seen["full_evals"] >= self.budget or bool(extra.get("stalled")),
            "settings": settings,
            "out_dir": None if self.out is None else str(self.out),
        }


def _add_extra(before: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """An agent's ``extra`` over two sessions: counts (``n_*``) add up, lists join, and any
    other value is this session's."""
    out = {**before, **now}
    for k, v in now.items():
        if k in before and isinstance(v, list):
            out[k] = [*before[k], *v]
        elif k in before and k.startswith("n_") and isinstance(v, int):
            out[k] = before[k] + v
    return out


class FinishedSession:
    """A run directory that holds the same request finished within the budget: :meth:`run`
    returns its result (``already_finished`` set) and changes nothing."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result

    @classmethod
    def of(cls, out: Path, request: dict[str, Any], budget: int) -> FinishedSession | None:
        prev = previous_result(out)
        same = prev.get("settings", {}).get("request") == request
        if prev.get("finished") and same and prev.get("full_evals", 0) >= budget - 1e-9:
            return cls({**prev, "already_finished": True})
        return None

    def run(self) -> dict[str, Any]:
        return self.result


def refit(env: HPOEnv, config: dict[str, Any], out: Path) -> dict[str, Any] | None:
    """The final model: ``config`` refitted on train + valid by the env's own objective and saved
    in ``out``; None (said on stderr) when the env does not train XGBoost for real."""
    from hpo_env.final_model import refit_final_model
    from hpo_env.objectives.xgboost import XGBoostObjective

    if not isinstance(env.objective, XGBoostObjective):
        print(f"no final model: refitting needs real XGBoost training (HPO-XGB-v0), not "
              f"{type(env.objective).__name__}", file=sys.stderr)  # fmt: skip
        return None
    return refit_final_model(env.objective, config, out)


def open_session(task: Any, budget: int, seed: int = 0, *, out_dir: str | os.PathLike[str], agent: str = "auto",
                 env_id: str = "HPO-XGB-v0", env_kwargs: dict[str, Any] | None = None, prior: str = "auto",
                 preset_changes: dict[str, Any] | None = None, multi_fidelity: bool = False,
                 time_budget: float | None = None, refit: bool = True, progress: bool = True,
                 tensorboard: bool = True, n_envs: int = 1, backend: str = "process",
                 address: str | None = None) -> Session | FinishedSession:  # fmt: skip
    """Build the env once and the agent by name, for a :class:`Session` in ``out_dir``; a
    :class:`FinishedSession` when ``out_dir`` holds this request finished within ``budget``
    (then nothing is loaded, and no data warning is repeated).

    Args:
        task: a task spec (``breast_cancer``, ``pmlb:NAME``, ``csv:PATH``...), loaded once.
        agent: a registered agent, or ``auto`` (:func:`choose_agent`).
        prior: ``auto`` (the shipped files where they fit), ``default``, ``none``, or a
            weights/portfolio file or directory for an agent that learns across tasks.
        preset_changes: fields of an ``rppo`` preset to replace (:func:`~agents.rppo.tuner.make_preset`).
        multi_fidelity: the agent must train configurations partially (an env of FIDELITY_ENVS).
        progress: show a progress bar (the ``rppo`` presets, as all below).
        tensorboard: write TensorBoard logs under ``out_dir/tb``.
        n_envs: episodes played side by side (:class:`~agents.rppo.tuner.Tuner`).
        backend: where they are evaluated, ``process`` or ``ray``.
        address: a Ray cluster's address.

    The other arguments are as in :class:`Session`.
    """
    out, env_kwargs = Path(out_dir), dict(env_kwargs or {})
    request = json_safe({"task": task if isinstance(task, str) else repr(task), "seed": seed, "agent": agent,
                         "env_id": env_id, "env_kwargs": env_kwargs, "prior": prior,
                         "preset_changes": preset_changes or {}, "multi_fidelity": multi_fidelity,
                         "time_budget": time_budget})  # fmt: skip
    if (done := FinishedSession.of(out, request, budget)) is not None:
        return done
    loaded = _load_task(task, env_id, seed, env_kwargs)
    name = choose_agent(agent, env_id=env_id, kind=getattr(loaded, "kind", None), prior=prior,
                        multi_fidelity=multi_fidelity, time_budget=time_budget)  # fmt: skip
    # The session shows the progress and logs every evaluation; the Tuner its PPO curves.
    rppo = {"out_dir": out, "tensorboard": tensorboard, "n_envs": n_envs, "backend": backend, "address": address}
    tuner = make_session_agent(name, prior=prior, preset_changes=dict(preset_changes or {}), rppo=rppo)
    _check_fidelity(tuner, env_id, multi_fidelity)
    out.mkdir(parents=True, exist_ok=True)
    env = gym.make(env_id, task=loaded, seed=seed, **tuner.env_overrides, **env_kwargs,
                   history_path=out / "history.jsonl").unwrapped  # fmt: skip
    weights = check_prior(tuner, env)
    settings = {"request": request, "env_id": env_id, "env_kwargs": env_kwargs, "n_envs": n_envs,
                "prior": weights if weights is not None or prior in ("auto", "none") else prior}  # fmt: skip
    return Session(tuner, env, budget, seed, out, settings=settings, time_budget=time_budget, refit=refit,
                   tensorboard=tensorboard, progress=progress)  # fmt: skip


def tune(
    task: Any = "breast_cancer",
    budget: int = 30,
    seed: int = 0,
    *,
    agent: str | RPPOPreset = "rppo",
    env_id: str = "HPO-XGB-v0",
    env_kwargs: dict[str, Any] | None = None,
    env: HPOEnv | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    policy_kwargs: dict[str, Any] | None = None,
    ppo_kwargs: dict[str, Any] | None = None,
    model_based: str | None = None,
    model_kwargs: dict[str, Any] | None = None,
    prior: str | os.PathLike[str] | None = None,
    prior_evals: int | None = None,
    progress: bool = True,
    tensorboard: bool = True,
    **tuner: Any,
) -> dict[str, Any]:
    """Tune ``task`` for ``budget`` real evaluations with an ``rppo`` preset whose PPO updates
    (:class:`~agents.rppo.tuner.Tuner`), in a :class:`Session`: the result is ``result.json``'s
    content, and ``out_dir`` (if given) a run directory that a second call resumes. A preset
    that never updates (``rppo-prior``) is a proposer: :func:`open_session` runs it.

    Args:
        task: task spec for the env (``breast_cancer``, ``pmlb:NAME``, ``csv:PATH``...).
        budget: real evaluations to spend (cached repeats are free).
        seed: seeds the split, XGBoost, the env's RNG and the policy.
        agent: the agent variant: a name in :data:`~agents.rppo.presets.PRESETS` (default
            ``"rppo"``, the paper's agent without the model) or an
            :class:`~agents.rppo.presets.RPPOPreset`. The arguments below that are given
            replace fields of it (:func:`~agents.rppo.tuner.make_preset`).
        env_id: a registered env id (``HPO-XGB-v0``); built with the preset's
            ``env_overrides`` (the task's meta-features for a prior).
        env_kwargs: more ``gym.make`` arguments (``data_dir``, ``target``, ``metric``, ...).
        env: an already built :class:`HPOEnv` (e.g. a synthetic objective) instead of
            ``env_id``/``task``; its history is used as it is.
        out_dir: the run directory (see the module docstring); None writes nothing.
        policy_kwargs: override :func:`~agents.rppo.policy.default_policy_kwargs` (and a prior's).
        ppo_kwargs: replace fields of the preset's :class:`~agents.rppo.presets.PPOSettings`.
        model_based: ``"kl"`` (the paper's reward model with the dynamic KL horizon) or
            ``"fixed"`` turns the model on with that horizon; None keeps the preset's.
        model_kwargs: replace fields of the preset's :class:`~agents.rppo.presets.ModelSettings`.
        prior: weights to start from (a path, or ``"default"``); unfitting ones raise a PriorError.
        prior_evals: with a prior, its own samples evaluated before anything else.
        progress: show a progress bar.
        tensorboard: write TensorBoard logs under ``out_dir/tb``.
        **tuner: more :class:`~agents.rppo.tuner.Tuner` arguments (``max_episodes``,
            ``torch_threads``, ``n_envs``, ``backend``, ``address``), recorded in the settings.
    """
    from agents.prior.screened import is_screen_only
    from agents.rppo.agent import RecurrentPPOAgent

    preset = make_preset(agent, ppo_kwargs=ppo_kwargs, model_based=model_based, model_kwargs=model_kwargs,
                         prior=prior, prior_evals=prior_evals)  # fmt: skip
    if is_screen_only(preset):
        raise ValueError(f"{preset.name!r} never updates its policy: it is a proposer, not PPO training; run it "
                         "with agents.session.open_session")  # fmt: skip
    if env is None:
        kw = {"task": task, "seed": seed, **preset.env_overrides, **(env_kwargs or {})}
        if out_dir is not None:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
            kw["history_path"] = Path(out_dir) / "history.jsonl"
        env = gym.make(env_id, **kw).unwrapped
    ppo = RecurrentPPOAgent(preset, out_dir=out_dir, policy_kwargs=policy_kwargs, tensorboard=tensorboard, **tuner)
    # The policy's arguments are the preset's (its prior's among them) with these replaced.
    settings = {"env_id": env_id, "env_kwargs": env_kwargs or {}, "policy_kwargs": policy_kwargs or {},
                "tuner": tuner, "prior": check_prior(ppo, env)}  # fmt: skip
    return Session(ppo, env, budget, seed, out_dir, settings=settings, refit=False, tensorboard=tensorboard,
                   progress=progress).run()  # fmt: skip


def _load_task(task: Any, env_id: str, seed: int, env_kwargs: dict[str, Any]) -> Any:
    """The real XGBoost env's task, loaded once here (its kind chooses the agent); other envs
    load their own."""
    if env_id != "HPO-XGB-v0":
        return task
    from hpo_env.tasks import load_task

    data = ("target", "metric", "data_dir", "valid_size", "test_size", "cv_folds")
    kw = {k: env_kwargs.pop(k) for k in data if k in env_kwargs}
    return load_task(task, seed=seed, **kw)


def _check_fidelity(agent: Agent, env_id: str, multi_fidelity: bool) -> None:
    """A multi-fidelity agent only where it was asked for, and only on an env that takes
    partial evaluations (:data:`FIDELITY_ENVS`)."""
    from agents.registry import multi_fidelity_agents

    if multi_fidelity and not agent.multi_fidelity:
        multi = list(multi_fidelity_agents())
        raise ValueError(f"agent {agent.name!r} is not a multi-fidelity agent; expected one of {multi}")
    if agent.multi_fidelity and env_id not in FIDELITY_ENVS:
        raise ValueError(f"{agent.name} makes partial evaluations, which {env_id} does not take; expected one of "
                         f"{list(FIDELITY_ENVS)}")  # fmt: skip
