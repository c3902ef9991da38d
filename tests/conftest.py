"""Shared fixtures: the real data directory, found the way CI lays it out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``$HPO_ENV_DATA_DIR`` or ``../shared/datasets``; CI must have it, elsewhere the test skips."""
    d = Path(os.environ.get("HPO_ENV_DATA_DIR", REPO.parent / "shared" / "datasets"))
    if not (d / "pmlb").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the real data sets at {d} (set HPO_ENV_DATA_DIR)")
        pytest.skip(f"no data directory at {d}; set HPO_ENV_DATA_DIR")
    return d


@pytest.fixture(scope="session")
def yahpo_data(data_dir) -> Path:
    """YAHPO Gym's surrogates: ``yahpo_data`` beside the data sets (CI's layout), with onnxruntime."""
    pytest.importorskip("onnxruntime", reason="the YAHPO envs are the [yahpo] extra")
    d = data_dir.parent / "yahpo_data"
    if not (d / "rbv2_xgboost" / "model.onnx").exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs YAHPO Gym's surrogates at {d}")
        pytest.skip(f"no YAHPO surrogates at {d}")
    return d


@pytest.fixture
def kill_midway():
    """Start ``cmd``, SIGKILL it once ``path`` has ``n_lines`` lines (as a crash or the OOM killer
    would), and check that none of its processes (its worker pools) outlives it."""
    import signal
    import subprocess
    import time

    def run(cmd: list[str], path: Path, n_lines: int, timeout: float = 120.0) -> None:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline and not (path.exists() and len(path.read_text().splitlines()) >= n_lines):
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # the parent alone: its worker processes must end by themselves
        proc.wait()
        left = time.time() + 15.0
        while time.time() < left and _group_alive(proc.pid):
            time.sleep(0.1)
        assert not _group_alive(proc.pid), f"processes of the killed command {cmd[2:4]} outlived it"

    return run


def _group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` still runs (zombies, which only wait to be reaped, do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
