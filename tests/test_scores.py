"""Every metric from one fit: a run read under any metric equals a run made with that metric
(hpo_env.objectives.base.all_scores, hpo_env.history.rescore, agents.base.by_metric)."""

import json

import pytest

from benchmarks.report import load_results
from benchmarks.runner import run_one
from hpo_env.history import rescore


def _rows(traj):
    return [row[:1] + row[2:] for row in traj]  # without the times, which differ between two runs


@pytest.mark.parametrize("metric", ["neg_log_loss", "roc_auc", "balanced_accuracy"])
def test_a_run_read_under_another_metric_equals_a_run_made_with_it(metric):
    own = run_one("random", "wine", 0, 6)  # scored by accuracy; random proposals do not depend on scores
    made = run_one("random", "wine", 0, 6, env_kwargs={"metric": metric})
    assert set(own["by_metric"]) == {"accuracy", "balanced_accuracy", "neg_log_loss", "roc_auc"}
    assert _rows(own["by_metric"][metric]) == _rows(made["by_metric"][metric])
    dense = {row[0]: row for row in made["trajectory"]}
    assert all(dense[row[0]][2:] == row[2:] for row in own["by_metric"][metric])
    assert (
        own["by_metric"][metric][-1][2] == made["best_val"] and own["by_metric"]["accuracy"][-1][2] == own["best_val"]
    )


def test_a_report_reads_any_metric_and_says_in_one_line_when_it_cannot(tmp_path):
    path = tmp_path / "r.jsonl"
    lines = [run_one(a, "iris", 0, 4) for a in ("random", "tpe")]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    df = load_results(path, "neg_log_loss")
    assert (df.best_val < 0).all() and list(df.best_val) == [x["by_metric"]["neg_log_loss"][-1][2] for x in lines]
    with pytest.raises(ValueError, match=r"no trajectory under metric 'r2'; expected one of \['accuracy'"):
        load_results(path, "r2")
    old = {**lines[0], "by_metric": {}}  # a line made before runs kept every metric
    path.write_text(json.dumps(old) + "\n")
    with pytest.raises(ValueError, match="none: it was made before runs kept them"):
        load_results(path, "roc_auc")
    with pytest.raises(ValueError, match="holds no scores by metric"):
        rescore([{"n": 0, "error": None, "val_score": 0.5, "test_score": 0.5}], "roc_auc")


def test_the_metrics_equal_scikit_learns_own():
    # Each evaluation scores every metric, so they are numpy, not scikit-learn's (whose input
    # checks cost milliseconds); they must give scikit-learn's values, ties and absent classes included.
    import warnings

    import numpy as np
    from sklearn.metrics import balanced_accuracy_score, log_loss, roc_auc_score

    from hpo_env.metrics import METRICS

    rng = np.random.default_rng(0)
    for trial in range(60):
        k, n = int(rng.integers(2, 7)), int(rng.integers(8, 200))
        y, p = rng.integers(0, k, n), rng.dirichlet(np.ones(k), n)
        p = np.round(p, 1) + 1e-9 if trial % 2 else p  # ties in the scores
        present = np.unique(y)
        sub = p[:, present] / p[:, present].sum(axis=1, keepdims=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert METRICS["balanced_accuracy"](y, p, k) == balanced_accuracy_score(y, p.argmax(axis=1))
        clipped = np.clip(p, 1e-15, 1)
        want = -log_loss(y, clipped / clipped.sum(axis=1, keepdims=True), labels=list(range(k)))
        assert METRICS["neg_log_loss"](y, p, k) == pytest.approx(want, abs=1e-12)
        if k == 2:
            auc = roc_auc_score(y, p[:, 1])
        else:
            auc = roc_auc_score(y, sub, multi_class="ovr", labels=present) if len(present) > 2 else None
        if auc is not None:
            assert METRICS["roc_auc"](y, p, k) == pytest.approx(auc, abs=1e-12)
