"""What a fold's time policy does on its own training tasks, against random actions.

    python benchmarks/results/yahpo_time_rl2_dev/diagnose.py DIR/fold0.time.pt

30 episodes of ``HPO-XGB-YAHPO-TimeSession-v0`` on the policy's training tasks (its fold
excluded), seeds 1000-1029, as it was trained (budget 50 median evaluations, menu of 300):
the mean return (the anytime area), full-fidelity evaluations and evaluations per run, for
random actions, the policy sampling, and the policy's mode.
"""

import sys
import warnings

import numpy as np
import torch as th

from agents.rppo.policy import HPORecurrentPolicy
from hpo_env.yahpo.time_session import YahpoTimeSessionEnv


def episodes(env, act, n=30):
    out = []
    for ep in range(n):
        obs, _ = env.reset(seed=1000 + ep)
        state, start, done, ret, full, evals = None, np.ones(1, bool), False, 0.0, 0, 0
        while not done:
            action, state = act(obs, state, start)
            start = np.zeros(1, bool)
            obs, r, done, _, info = env.step(action)
            ret += r
            if info:
                evals, full = evals + 1, full + (info["fidelity"] == 1.0)
        out.append((ret, full, evals))
    return np.mean(out, axis=0).round(3).tolist()


def main(path):
    warnings.simplefilter("ignore")
    doc = th.load(path, weights_only=True)
    s = doc["train"]["settings"]
    env_kw = {k: s[k] for k in ("budget_evals", "max_evals", "candidates")}
    env = YahpoTimeSessionEnv(exclude=doc["train"]["exclude"], seed=doc["train"]["seed"], **env_kw)
    policy = HPORecurrentPolicy(env.observation_space, env.action_space, lambda _: 0.0, **doc["policy_kwargs"])
    policy.load_state_dict(doc["state_dict"])
    policy.set_training_mode(False)
    env.action_space.seed(0)
    th.manual_seed(0)
    print("return, full evaluations, evaluations per run (mean of 30)")
    print("random actions:", episodes(env, lambda o, st, s0: (env.action_space.sample(), None)))
    for det in (False, True):
        act = lambda o, st, s0: policy.predict(o, state=st, episode_start=s0, deterministic=det)  # noqa: B023, E731
        print("policy, mode" if det else "policy, sampling", episodes(env, act))


if __name__ == "__main__":
    main(sys.argv[1])
