"""The speed probe: time-budgeted runs record how fast the machine was, and the reports flag
runs made at different speeds (benchmarks.speed)."""

import json

from benchmarks.report import make_report
from benchmarks.runner import run_matrix
from benchmarks.speed import SPEED_TOLERANCE, speed_note, speed_spread
from hpo_env.history import read_jsonl


def test_time_budgeted_runs_record_the_machine_speed_and_others_do_not(tmp_path):
    run_matrix(["iris"], ["random"], [0], 1000, tmp_path / "t.jsonl", progress=False, time_budget=0.5)
    run_matrix(["iris"], ["random"], [0], 3, tmp_path / "n.jsonl", progress=False)
    (timed,), (counted,) = read_jsonl(tmp_path / "t.jsonl"), read_jsonl(tmp_path / "n.jsonl")
    assert 0 < timed["speed_probe_s"] < 30 and "speed_probe_s" not in counted
    # The probe is made before the run: the budget's half second is not spent on it.
    assert timed["wall_s"] < 0.5 + 0.3 and timed["n_real_evals"] >= 1


def test_speed_note_flags_different_speeds_and_missing_probes():
    assert speed_note([0.10, 0.11, 0.10]) is None and speed_spread([0.1, None, 0.2]) == 2.0
    assert "0.100 to 0.200 s (2.00x" in speed_note([0.1, 0.2])
    assert speed_note([0.1, 0.1 * SPEED_TOLERANCE * 0.99]) is None
    assert speed_note([0.1, None, float("nan")]) == (
        "2 of 3 timed runs carry no speed probe (made before it was recorded), "
        "so whether all were made at one speed cannot be told."
    )


def test_the_report_flags_time_budgeted_runs_made_at_different_speeds(tmp_path):
    rows = []
    for agent, probe in (("A", 0.1), ("B", 0.2)):  # B ran on a machine half as fast
        for seed in (0, 1):
            traj = [[1, 0.5, 0.8, 0.79], [2, 1.0, 0.9 if agent == "A" else 0.85, 0.8]]
            rows.append({"agent": agent, "task": "t", "seed": seed, "budget": 100, "best_val": traj[-1][2],
                         "test_of_best": 0.8, "best_config": {}, "n_real_evals": 2, "wall_s": 1.0,
                         "trajectory": traj, "time_budget": 1.0, "speed_probe_s": probe})  # fmt: skip
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    head = make_report(path, tmp_path / "rep").read_text().split("## At budgets")[0]
    assert "**Flagged: these timed runs were made at different machine speeds**" in head


def test_the_probe_command_prints_each_process_and_the_spread(capsys):
    from benchmarks.speed import main

    main(["--jobs", "2", "--probes", "2"])
    out = capsys.readouterr().out.splitlines()
    assert [x.split(":")[0] for x in out[:2]] == ["process 0", "process 1"] and len(out[0].split(",")) == 2
    assert out[2].startswith("spread ") and float(out[2].split()[1]) >= 1.0
