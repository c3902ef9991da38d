"""N copies of one HPO env whose episodes end together and are evaluated in parallel.

PPO can collect ``n_envs`` episodes per step of its vectorised loop. Here the copies
share one objective and one history (one budget, one cache, one incumbent, one JSONL
file), and only the terminal evaluations leave this process: the N configurations of
a step go to N worker processes or Ray actors at once, and their records come back in
order. Everything else (observations, decoding, bookkeeping) stays here, where it costs
microseconds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv

from agents.parallel import check_backend, init_ray, new_pool, shutdown_ray
from hpo_env.env import HPOEnv, safe_evaluate
from hpo_env.objectives.base import Evaluation, Objective

__all__ = ["ParallelEvalVecEnv"]

_WORKER_OBJECTIVE: Objective | None = None


def _init_worker(objective: Objective) -> None:
    global _WORKER_OBJECTIVE
    import torch

    torch.set_num_threads(1)
    _WORKER_OBJECTIVE = objective


def _evaluate_in_worker(config: dict[str, Any]) -> tuple[Evaluation, float]:
    assert _WORKER_OBJECTIVE is not None
    t0 = time.perf_counter()
    ev = safe_evaluate(_WORKER_OBJECTIVE, config)
    return ev, time.perf_counter() - t0


class _RayEvaluator:
    """A Ray actor holding one copy of the objective."""

    def __init__(self, objective: Objective) -> None:
        _init_worker(objective)

    def evaluate(self, config: dict[str, Any]) -> tuple[Evaluation, float]:
        return _evaluate_in_worker(config)


class ParallelEvalVecEnv(VecEnv):
    """``n_envs`` episodes of ``env`` at a time, their evaluations run in parallel.

    Args:
        env: the env whose objective, history and order are shared by all copies.
        n_envs: episodes per vector step (and parallel evaluations).
        backend: ``"process"`` (spawned worker processes) or ``"ray"`` (Ray actors, a
            local Ray with ``n_envs`` CPUs or the cluster at ``address``).
        address: Ray cluster address (``backend="ray"``).
        max_real_evals: the budget. A step whose new configurations would pass it
            evaluates only as many as are left; the others end with the failure score,
            ``info["skipped"]=True`` and no record (training stops at that step anyway).

    Two episodes of one step that build the same configuration share one evaluation: the
    second gets the first's result with ``cached=True``, as a later repeat would.

    The copies' episodes always end on the same step (one step per hyperparameter), so
    a vector step evaluates either nothing or up to ``n_envs`` configurations at once.
    """

    def __init__(
        self,
        env: HPOEnv,
        n_envs: int,
        backend: str = "process",
        address: str | None = None,
        max_real_evals: int | None = None,
    ) -> None:
        check_backend(backend)
        if int(n_envs) < 1:
            raise ValueError(f"n_envs={n_envs!r}; expected >= 1")
        self.base = env
        self.envs = [env]
        self.envs += [env.episode_copy() for _ in range(int(n_envs) - 1)]
        self.max_real_evals = max_real_evals
        self.backend = backend
        self._pool: Any = None
        self._actors: list[Any] = []
        self._ray_started = False
        self._actions: np.ndarray | None = None
        if backend == "process":
            self._pool = new_pool(int(n_envs), _init_worker, (env.objective,))
        else:
            import ray

            self._ray_started = init_ray(address, num_cpus=int(n_envs))
            actor = ray.remote(num_cpus=1)(_RayEvaluator)
            obj = ray.put(env.objective)
            self._actors = [actor.remote(obj) for _ in range(int(n_envs))]
        super().__init__(int(n_envs), env.observation_space, env.action_space)

    # -- VecEnv ---------------------------------------------------------------------------------------

    def reset(self) -> np.ndarray:
        seeds = self._seeds
        obs = [e.reset(seed=None if seeds[i] is None else int(seeds[i]))[0] for i, e in enumerate(self.envs)]
        self._reset_seeds()
        return np.stack(obs)

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self):
        assert self._actions is not None, "step_async first"
        n = self.num_envs
        obs, configs = zip(*(e.advance(self._actions[i]) for i, e in enumerate(self.envs)), strict=True)
        obs = list(obs)
        rewards = np.zeros(n, np.float32)
        dones = np.zeros(n, bool)
        infos: list[dict[str, Any]] = [{} for _ in range(n)]
        ending = [i for i in range(n) if configs[i] is not None]
        for i, info in zip(ending, self._evaluate([configs[i] for i in ending]), strict=True):
            rewards[i], dones[i], infos[i] = self.base.objective.reward(info["val_score"]), True, info
            infos[i]["terminal_observation"] = obs[i]
            obs[i] = self.envs[i].reset()[0]
        return np.stack(obs), rewards, dones, infos

    def _evaluate(self, configs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Terminal infos of ``configs``: cached ones at once, new ones in parallel, within the budget."""
        return self.base.evaluate_many(configs, run=self._run, limit=self.max_real_evals, episodes=True)

    def _run(self, configs: list[dict[str, Any]]) -> list[tuple[Evaluation, float]]:
        if not configs:
            return []
        if self._pool is not None:
            return list(self._pool.map(_evaluate_in_worker, configs))
        import ray

        return ray.get([self._actors[i % len(self._actors)].evaluate.remote(c) for i, c in enumerate(configs)])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._actors:
            import ray

            for a in self._actors:
                ray.kill(a)
            self._actors = []
            if self._ray_started:
                shutdown_ray()

    # -- the rest of VecEnv's interface, answered by the copies ----------------------------------------

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return [getattr(self.envs[i], attr_name) for i in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        for i in self._get_indices(indices):
            setattr(self.envs[i], attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> list[Any]:
        return [getattr(self.envs[i], method_name)(*method_args, **method_kwargs) for i in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [None for _ in self.envs]
