"""What a new user of ``hpo-rl`` meets: Ctrl-C, resumes, failures, the files it names, its help."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

from benchmarks.cli import build_parser, main
from hpo_env.history import read_jsonl


def _sigint_as_in_a_terminal():
    # A shell's background job (`cmd &`, as CI may be started) inherits SIGINT ignored, and
    # Python then never raises KeyboardInterrupt; a terminal's foreground command has it at
    # its default, which is what these tests are about.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_when(cmd, path, n_lines, timeout=120.0):
    """Run ``cmd`` in its own process group and press Ctrl-C (SIGINT to the group, as a
    terminal does) once ``path`` has ``n_lines`` lines; returns (exit code, stderr).

    stderr goes to a file, not a pipe that nobody reads while the command runs: a chatty
    command cannot block on a full pipe, and the wait is for the command's exit, not for
    every process that may hold the pipe to close it. A command that has not exited
    ``timeout`` seconds after the Ctrl-C fails the test with its threads' Python stacks:
    faulthandler prints them on SIGABRT."""
    with tempfile.TemporaryFile("w+") as err:
        env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True, start_new_session=True, env=env,
                                preexec_fn=_sigint_as_in_a_terminal)  # fmt: skip
        deadline = time.time() + timeout
        while time.time() < deadline and proc.poll() is None:
            if path.exists() and len(read_jsonl(path)) >= n_lines:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGABRT)
            proc.wait(timeout=30)
            err.seek(0)
            pytest.fail(f"{cmd[2:4]} did not exit {timeout:g} s after Ctrl-C; its stacks:\n{err.read()[-20000:]}")
        err.seek(0)
        return proc.returncode, err.read()


def message_lines(err):
    """Lines of stderr that are not a progress bar."""
    return [x for x in err.splitlines() if x.strip() and "it/s" not in x and "eval/s" not in x and "|" not in x]


def one_message(err):
    """The one line of stderr that is not a progress bar; fails showing all of stderr otherwise."""
    lines = message_lines(err)
    assert len(lines) == 1, f"expected one message line, got {len(lines)}; stderr:\n{err[-20000:]}"
    return lines[0]


def test_ctrl_c_in_bench_is_one_line_with_exit_130_and_resumes(tmp_path):
    out = tmp_path / "r.jsonl"
    cmd = [sys.executable, "-m", "benchmarks.cli", "bench", "--tasks", "iris,wine", "--agents",
           "random,tpe", "--budget", "10", "--seeds", "2", "--jobs", "2", "--out", str(out)]  # fmt: skip
    code, err = interrupt_when(cmd, out, 2)
    line = one_message(err)
    assert code == 130 and "interrupted" in line and f"saved in {out}" in line and "same command again" in line
    assert main([*cmd[3:], "--no-progress"]) == 0
    assert len({(r["agent"], r["task"], r["seed"]) for r in read_jsonl(out)}) == 8


def test_ctrl_c_in_the_multifidelity_benchmark_is_one_line_with_exit_130(tmp_path):
    out = tmp_path / "mf"
    cmd = [sys.executable, "-m", "benchmarks.multifidelity", "--tasks", "iris", "--evals", "10", "--seeds", "3",
           "--out", str(out)]  # fmt: skip
    code, err = interrupt_when(cmd, out / "ref.jsonl", 1)
    line = one_message(err)
    assert code == 130 and "benchmarks.multifidelity: interrupted" in line and "same command again" in line
    assert len(read_jsonl(out / "ref.jsonl")) >= 1


def test_ctrl_c_in_tune_then_resume_adds_up_times_and_counts(tmp_path, capsys):
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "benchmarks.cli", "tune", "--task", "iris", "--budget", "20", "--prior", "none",
           "--out", str(run), "--no-refit"]  # fmt: skip
    code, err = interrupt_when(cmd, run / "history.jsonl", 6)
    line = one_message(err)
    assert code == 130 and "real evaluations are saved in" in line
    first = json.loads((run / "result.json").read_text())
    assert not first["finished"] and first["n_episodes"] >= first["n_real_evals"] >= 6
    assert main([*cmd[3:], "--no-progress"]) == 0
    res = json.loads((run / "result.json").read_text())
    hist = read_jsonl(run / "history.jsonl")
    assert res["finished"] and res["n_real_evals"] == 20 and res["n_episodes"] >= 20
    walls = [h["wall_s"] for h in hist]
    assert walls == sorted(walls), "the history's clock goes on after a resume"
    assert res["wall_s"] >= walls[-1] >= first["wall_s"]
    # A finished run says so and leaves its result as it was.
    capsys.readouterr()
    assert main([*cmd[3:], "--no-progress"]) == 0 and "already finished" in capsys.readouterr().out
    assert json.loads((run / "result.json").read_text()) == res


def test_failed_tune_leaves_no_folder_and_one_class_text_label_is_clear(tmp_path, capsys):
    one = tmp_path / "one.csv"
    one.write_text("a,label\n1,x\n2,x\n3,x\n")
    run = tmp_path / "run"
    assert main(["tune", "--task", f"csv:{one}", "--target", "label", "--budget", "3", "--out", str(run)]) == 2
    assert "the target has one class ('x')" in capsys.readouterr().err
    assert not run.exists()


def test_tune_names_only_files_it_wrote_and_logs_every_evaluation(tmp_path, capsys):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tmp_path / "small"  # budget <= prior_evals: the prior's proposals spend it all, no PPO update
    assert main(["tune", "--task", "iris", "--budget", "5", "--out", str(run), "--no-progress"]) == 0
    printed = capsys.readouterr().out.splitlines()[-1]
    assert "checkpoint.zip" not in printed and not (run / "checkpoint.zip").exists()
    run = tmp_path / "default"  # the default agent: the prior's proposals, then screened ones
    assert main(["tune", "--task", "iris", "--budget", "13", "--out", str(run), "--no-progress"]) == 0
    assert "tb/" in capsys.readouterr().out.splitlines()[-1]
    ea = EventAccumulator(str(run / "tb" / "evals"))
    ea.Reload()
    assert [e.step for e in ea.Scalars("eval/val_score")] == list(range(1, 14))
    assert [e.step for e in ea.Scalars("model/abs_error")] == [11, 12, 13]
    best = [e.value for e in ea.Scalars("eval/best_val")]
    assert best == sorted(best) and best[-1] == json.loads((run / "result.json").read_text())["best_val"]


def test_bench_takes_a_target_column(tmp_path):
    csv = tmp_path / "d.csv"
    rows = [f"{i % 7},{(i * 3) % 5},{'ab'[i % 2]}" for i in range(60)]
    csv.write_text("f1,f2,klass\n" + "\n".join(rows) + "\n")
    out = tmp_path / "r.jsonl"
    args = ["bench", "--tasks", f"csv:{csv}", "--target", "klass", "--agents", "random", "--budget", "2"]
    assert main([*args, "--seeds", "1", "--out", str(out), "--no-progress"]) == 0
    assert read_jsonl(out)[0]["n_real_evals"] == 2


def test_an_empty_csv_is_one_error_naming_the_file(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    args = ["bench", "--tasks", f"csv:{empty}", "--agents", "random", "--budget", "2", "--seeds", "1"]
    assert main([*args, "--out", str(tmp_path / "r.jsonl"), "--no-progress"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert str(empty) in line and "cannot read" in line


def test_help_texts_match_the_code():
    sub = build_parser()._subparsers._group_actions[0].choices
    assert "images" in sub["bench"].format_help()
    tune_help = sub["tune"].format_help()
    assert "as they land" not in tune_help and "rppo-prior" in tune_help and "--no-refit" in tune_help
    seed = next(a for a in sub["tune"]._actions if a.dest == "seed")
    assert seed.help


def test_the_parser_loads_no_torch_agent_or_env():
    # What `hpo-rl --help` and an argument error wait for (benchmarks/startup.py times them).
    code = ("import sys; from benchmarks.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('torch', 'sklearn', 'xgboost', 'pandas', 'optuna', 'hpo_env.env', 'agents.base', "
            "'agents.rppo.tuner') if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_ctrl_c_while_the_command_line_starts_is_one_line():
    # From the moment the console script's module is loaded (it prints "up"), as the script runs it;
    # the interpreter's own start-up before that is outside any handler (benchmarks/launch.py).
    code = "import sys; from benchmarks.launch import main; print('up', flush=True); sys.exit(main())"
    interrupted = 0
    for delay in (0.0, 0.01, 0.05, 0.15, 0.3):
        proc = subprocess.Popen([sys.executable, "-c", code, "tune", "--help"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, preexec_fn=_sigint_as_in_a_terminal)  # fmt: skip
        assert proc.stdout.readline().strip() == "up"
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            continue  # it had finished already
        assert proc.returncode == 130 and err.strip() == "hpo-rl: interrupted", err
        interrupted += 1
    assert interrupted  # at 0 s at least, the imports had not finished


@pytest.mark.parametrize(
    ("args", "said"),
    [(["bench", "--seeds", "0"], "argument --seeds: '0'; expected a whole number >= 1"),
     (["bench", "--seeds", "-2"], "argument --seeds: '-2'; expected a whole number >= 1"),
     (["tune", "--seed", "-1"], "argument --seed: '-1'; expected a whole number >= 0"),
     (["tune", "--budget", "x"], "argument --budget: 'x'; expected a whole number >= 1")],
)  # fmt: skip
def test_counts_and_seeds_out_of_range_are_refused_before_anything_runs(args, said, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 2 and said in capsys.readouterr().err


def test_warnings_are_one_line_without_a_source_line(tmp_path):
    rng = np.random.default_rng(0)
    csv = tmp_path / "counts.csv"  # 60 distinct whole numbers in 200 rows: a quantity, tuned as regression
    x, count = rng.normal(size=200), rng.integers(0, 60, 200)
    csv.write_text("x,count\n" + "".join(f"{v:.3f},{c}\n" for v, c in zip(x, count, strict=True)))
    cmd = [sys.executable, "-m", "benchmarks.cli", "tune", "--task", f"csv:{csv}", "--target", "count", "--budget", "2",
           "--prior", "none", "--out", str(tmp_path / "run"), "--no-progress", "--no-refit"]  # fmt: skip
    err = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    said = [x for x in err.splitlines() if "warning:" in x]
    assert said and said[0].startswith("hpo-rl tune: warning: csv:") and "tuned as regression" in said[0]
    again = subprocess.run(cmd, capture_output=True, text=True, check=True)  # finished: nothing is read again
    assert "already finished" in again.stdout and "warning:" not in again.stderr
    assert "warnings.warn" not in err and "stacklevel" not in err
