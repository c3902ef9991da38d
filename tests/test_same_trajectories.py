"""Behaviour is unchanged across refactors: the same seeds give the same ``best_val``
trajectories as recorded in ``tests/data/golden_trajectories.json`` (see ``tests/golden.py``)."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import golden

RECORDED = json.loads(golden.GOLDEN.read_text())


@pytest.mark.parametrize(("agent", "task"), golden.cases(), ids=[f"{a}/{t}" for a, t in golden.cases()])
def test_agent_trajectory_is_unchanged(agent, task):
    assert golden.trajectory(agent, task) == RECORDED[f"{agent}/{task}"]


def test_every_registered_agent_is_recorded():
    # A new agent needs its trajectory recorded (python tests/golden.py --write).
    assert {f"{a}/{t}" for a, t in golden.cases()} <= set(RECORDED)


def test_sampler_with_model_stretch_is_unchanged():
    pytest.importorskip("optuna")
    assert golden.sampler_trajectory() == RECORDED["sampler-mb/iris"]
