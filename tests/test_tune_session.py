"""One session module runs every agent in a run directory (agents.session): one result shape,
the task loaded once, the budget counted once from the history."""

import json

import pytest

import hpo_env.tasks
from agents.session import open_session


@pytest.mark.parametrize("agent", ["rppo", "tpe", "tpe-hyperband"])
def test_every_agent_writes_the_same_run_directory_shape(agent, tmp_path):
    out = tmp_path / agent
    r = open_session("wine", 4, 0, out_dir=out, agent=agent, progress=False, tensorboard=False).run()
    on_disk = json.loads((out / "result.json").read_text())
    assert on_disk == r and r["agent"] == agent and r["finished"]
    assert r["full_evals"] >= 4 and r["final_model"]["card"].endswith("model.json")
    history = [json.loads(x) for x in (out / "history.jsonl").read_text().splitlines()]
    assert r["n_real_evals"] == len(history) and r["best_val"] == max(
        h["val_score"] for h in history if not h.get("pruned") and h.get("fidelity") is None
    )
    assert set(r) == set(_shape(tmp_path))
    settings = json.loads((out / "settings.json").read_text())
    assert settings == r["settings"] and settings["agent"] == agent and settings["budget"] == 4


def _shape(tmp_path):
    r = open_session("iris", 2, 0, out_dir=tmp_path / "shape", agent="random", refit=True).run()
    return list(r)


def test_a_benchmark_line_has_the_shape_of_a_run_directory_result(tmp_path):
    from benchmarks.runner import run_one

    line = run_one("tpe", "iris", 0, 3)
    on_disk = open_session("iris", 3, 0, out_dir=tmp_path / "run", agent="tpe", refit=False).run()
    assert set(line) - {"env"} == set(on_disk) and line["out_dir"] is None
    same = ("agent", "task", "seed", "budget", "best_val", "test_of_best", "best_config", "n_real_evals")
    assert {k: line[k] for k in same} == {k: on_disk[k] for k in same} and line["task"] == "iris"
    assert [t[2] for t in line["trajectory"]] == [t[2] for t in on_disk["trajectory"]]


def test_the_task_is_loaded_once_and_a_rerun_changes_nothing(tmp_path, monkeypatch):
    calls = []  # the data read from its spec (a Task passed on is not read again)
    load = hpo_env.tasks.load_task
    record = lambda spec, **kw: (isinstance(spec, str) and calls.append(spec)) or load(spec, **kw)  # noqa: E731
    monkeypatch.setattr(hpo_env.tasks, "load_task", record)
    out = tmp_path / "run"
    r = open_session("breast_cancer", 3, 0, out_dir=out, agent="tpe").run()
    assert len(calls) == 1 and r["n_real_evals"] == 3
    again = open_session("breast_cancer", 3, 0, out_dir=out, agent="tpe").run()
    assert again["already_finished"] and again["n_real_evals"] == 3
    more = open_session("breast_cancer", 5, 0, out_dir=out, agent="tpe").run()
    assert more["n_real_evals"] == 5 and not more.get("already_finished")
    with pytest.raises(
        ValueError, match=r"holds a run with other settings \(agent is \"tpe\" there, \"random\" here\)"
    ):
        open_session("breast_cancer", 5, 0, out_dir=out, agent="random").run()


def test_a_proposal_note_is_kept_in_its_record_and_the_log_follows_any_agent(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    import hpo_env
    from hpo_env.eval_log import EvalLog

    env = hpo_env.make_surrogate_env("iris", seed=0)
    log = EvalLog(env.history, tmp_path / "evals").attach()
    env.reset(options={"note": {"model/predicted": 0.5}})
    for a in env.space.encode(env.space.sample(env.np_random)):
        *_, info = env.step([a])
    env.evaluate(env.space.sample(env.np_random))  # no note
    log.close()
    first, second = env.history.records
    assert first["note"] == {"model/predicted": 0.5} and "note" not in second
    ea = EventAccumulator(str(tmp_path / "evals"))
    ea.Reload()
    assert [e.step for e in ea.Scalars("eval/val_score")] == [1, 2]
    (err,) = ea.Scalars("model/abs_error")
    assert err.step == 1 and err.value == pytest.approx(abs(0.5 - first["val_score"]), abs=1e-6)
    assert env.history.listeners == []


def test_no_prior_is_refused_for_an_agent_that_needs_one_and_means_nothing_for_one_that_does_not(tmp_path):
    with pytest.raises(ValueError, match="agent 'portfolio-tpe' starts from learned files"):
        open_session("iris", 2, out_dir=tmp_path / "a", agent="portfolio-tpe", prior="none")
    r = open_session("iris", 2, out_dir=tmp_path / "b", agent="tpe", prior="none", progress=False, refit=False).run()
    assert r["n_real_evals"] == 2 and r["settings"]["prior"] is None


def test_auto_under_a_time_budget_on_real_xgboost_is_the_agent_that_spends_seconds_best():
    from agents.session import choose_agent

    kw = {"env_id": "HPO-XGB-v0", "kind": "classification", "prior": "auto", "multi_fidelity": False}
    assert choose_agent("auto", **kw) == "rppo-prior"
    assert choose_agent("auto", **kw, time_budget=5.0) == "portfolio-tpe-hyperband"
    assert choose_agent("auto", **{**kw, "kind": "regression"}, time_budget=5.0) == "tpe-hyperband"
    assert choose_agent("auto", **{**kw, "prior": "none"}, time_budget=5.0) == "tpe-hyperband"
    # No partial evaluations on a surrogate: the shipped prior's agent, as without a time budget.
    assert choose_agent("auto", **{**kw, "env_id": "HPO-XGB-Surrogate-v0"}, time_budget=5.0) == "rppo-prior"
    assert choose_agent("tpe", **kw, time_budget=5.0) == "tpe"


def test_auto_on_yahpo_is_what_its_development_tasks_chose(monkeypatch, capsys):
    import sys

    from agents.session import choose_agent

    kw = {"env_id": "HPO-XGB-YAHPO-v0", "kind": None, "prior": "auto", "multi_fidelity": False}
    assert choose_agent("auto", **kw) == "portfolio-tpe"
    assert choose_agent("auto", **kw, time_budget=60.0) == "portfolio-cfo-k1"
    assert choose_agent("auto", **{**kw, "env_id": "HPO-MLP-LCBench-v0"}, time_budget=60.0) == "portfolio-cfo-k1"
    assert choose_agent("auto", **{**kw, "prior": "none"}) == "flaml-cfo"
    assert choose_agent("auto", **{**kw, "prior": "none"}, time_budget=60.0) == "flaml-cfo"
    assert choose_agent("auto", **{**kw, "env_id": "HPO-MLP-LCBench-v0"}) == "portfolio-tpe"
    assert choose_agent("auto", **{**kw, "multi_fidelity": True}) == "portfolio-tpe-hyperband"
    # Without FLAML (a module set to None in sys.modules counts as missing), the time agent
    # falls back and says so in one line that names the extra.
    monkeypatch.setitem(sys.modules, "flaml", None)
    assert choose_agent("auto", **kw, time_budget=60.0) == "portfolio-tpe-hyperband"
    assert choose_agent("auto", **{**kw, "prior": "none"}) == "tpe"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("hpo-rl[peers]" in line and "auto runs" in line for line in err)
