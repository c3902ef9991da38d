import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpo_env.objectives.xgboost import xgboost_space
from hpo_env.spaces import Categorical, Float, Int, SearchSpace

actions = st.floats(-1.0, 1.0, allow_nan=False)


@given(low=st.integers(-50, 50), width=st.integers(1, 200), log=st.booleans(), a=actions)
def test_int_round_trip_is_exact(low, width, log, a):
    if log:
        low = abs(low) + 1
    hp = Int("k", low, low + width, log=log)
    v = hp.decode(a)
    assert hp.low <= v <= hp.high and isinstance(v, int)
    assert hp.decode(hp.encode(v)) == v


@given(low=st.integers(1, 10), width=st.integers(1, 30), log=st.booleans())
def test_every_integer_is_reachable_and_round_trips(low, width, log):
    hp = Int("k", low, low + width, log=log)
    for v in range(hp.low, hp.high + 1):
        assert -1 <= hp.encode(v) <= 1
        assert hp.decode(hp.encode(v)) == v


@given(choices=st.lists(st.text(max_size=5), min_size=1, max_size=12, unique=True), a=actions)
def test_categorical_round_trip_is_exact(choices, a):
    hp = Categorical("c", tuple(choices))
    v = hp.decode(a)
    assert v in choices
    assert hp.decode(hp.encode(v)) == v


@given(a=actions, log=st.booleans())
def test_float_decode_in_range_and_round_trips(a, log):
    hp = Float("x", 1e-3, 1e3, log=log)
    v = hp.decode(a)
    assert hp.low <= v <= hp.high
    assert math.isclose(hp.encode(v), a, abs_tol=1e-9)


@given(
    low=st.integers(1, 50), width=st.integers(1, 300), seed=st.integers(0, 2**16),
    choices=st.lists(st.integers(), min_size=1, max_size=7, unique=True),
)  # fmt: skip
def test_round_trip_of_many_actions_is_encode_of_decode_row_by_row(low, width, seed, choices):
    space = SearchSpace(
        [Int("i", low, low + width), Int("j", low, low + width, log=True), Float("f", -2.0, 3.0),
         Float("g", 1e-3, 1e3, log=True), Categorical("c", tuple(choices))]
    )  # fmt: skip
    a = np.random.default_rng(seed).uniform(-1.3, 1.3, (64, len(space)))  # out of range too: clipped
    a[0], a[1] = -1.0, 1.0
    expected = np.stack([space.encode(space.decode(row)) for row in a])
    got = space.round_trip(a)
    np.testing.assert_array_equal(got[:, [0, 2, 4]], expected[:, [0, 2, 4]])  # linear and categorical: exact
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)  # log: numpy's exp/log, within an ulp or so
    with pytest.raises(ValueError, match=r"shape \(m, 5\), got shape \(5,\)"):
        space.round_trip(a[0])


def test_float_log_scale_midpoint_is_geometric_mean():
    assert Float("x", 1e-3, 1e3, log=True).decode(0.0) == pytest.approx(1.0)
    assert Float("x", 0.0, 10.0).decode(0.0) == pytest.approx(5.0)


def test_out_of_range_actions_are_clipped_and_nan_rejected():
    hp = Float("x", 0.0, 1.0)
    assert hp.decode(5.0) == 1.0 and hp.decode(-5.0) == 0.0
    with pytest.raises(ValueError, match="'x' is NaN"):
        hp.decode(float("nan"))


def test_default_xgboost_space_matches_the_spec():
    s = xgboost_space()
    assert s.names == (
        "learning_rate", "max_depth", "min_child_weight", "subsample", "colsample_bytree",
        "reg_lambda", "reg_alpha", "gamma", "n_estimators",
    )  # fmt: skip
    assert s["n_estimators"] == Int("n_estimators", 20, 500, log=True)
    assert s["reg_alpha"] == Float("reg_alpha", 1e-3, 1e3, log=True)
    cfg = s.sample(np.random.default_rng(0))
    assert s.decode(s.encode(cfg))["max_depth"] == cfg["max_depth"]
    assert SearchSpace.from_list(s.to_list()) == s


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Float("lr", 1.0, 1.0), "low=1.0 must be < high=1.0"),
        (lambda: Float("lr", 2.0, 1.0), "low=2.0 must be < high=1.0"),
        (lambda: Float("lr", 0.0, 1.0, log=True), "log-scale range needs low > 0, got low=0.0"),
        (lambda: Int("n", -1, 10, log=True), "low > 0, got low=-1"),
        (lambda: Int("n", 1.5, 10), "low=1.5 must be a whole number"),
        (lambda: Categorical("c", ()), "at least one choice"),
        (lambda: SearchSpace([Float("a", 0, 1), Float("a", 0, 2)]), r"repeated: \['a'\]"),
        (lambda: SearchSpace([]), "at least one hyperparameter"),
        (lambda: SearchSpace.from_list([{"type": "bogus", "name": "a"}]), "unknown hyperparameter type 'bogus'"),
        (lambda: SearchSpace.from_list([{"type": "float", "name": "a", "lo": 0}]), "malformed float"),
        (lambda: SearchSpace.from_list([{"name": "a"}]), "needs a 'type' key"),
    ],
)
def test_malformed_spaces_are_refused_with_the_bad_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_encode_rejects_values_outside_the_space():
    s = xgboost_space()
    cfg = s.sample(np.random.default_rng(1))
    with pytest.raises(ValueError, match="max_depth=99 is outside"):
        s.encode({**cfg, "max_depth": 99})
    with pytest.raises(ValueError, match=r"missing \['gamma'\]"):
        s.encode({k: v for k, v in cfg.items() if k != "gamma"})
    with pytest.raises(ValueError, match="expected 9 actions"):
        s.decode([0.0, 0.0])


def _conditional():
    return SearchSpace(
        [Categorical("booster", ("gblinear", "gbtree", "dart")), Float("alpha", 1e-3, 1e3, log=True),
         Int("max_depth", 1, 12), Float("rate_drop", 0.0, 1.0)],
        {"max_depth": ("booster", ["gbtree", "dart"]), "rate_drop": ("booster", ["dart"])},
    )  # fmt: skip


def test_a_conditional_space_decodes_the_active_hyperparameters_only():
    space = _conditional()
    linear = space.decode([-1.0, 0.0, 0.5, 0.5])
    assert linear == {"booster": "gblinear", "alpha": pytest.approx(1.0)}
    dart = space.decode([1.0, 0.0, 0.5, 0.5])
    assert set(dart) == {"booster", "alpha", "max_depth", "rate_drop"}
    assert space.decode(space.encode(dart)) == dart  # the round trip holds
    assert space.encode(linear)[2:].tolist() == [0.0, 0.0]  # inactive ones: action 0
    assert SearchSpace.from_list(space.to_list()) == space and space != SearchSpace(list(space))
    with pytest.raises(ValueError, match=r"active 'max_depth' missing"):
        space.encode({"booster": "gbtree", "alpha": 1.0})


def test_a_bad_condition_is_one_line_naming_it():
    hps = [Float("a", 0.0, 1.0), Categorical("b", ("x", "y"))]
    with pytest.raises(ValueError, match=r"condition 'a' <- 'b': the parent must be a categorical that comes before"):
        SearchSpace(hps, {"a": ("b", ["x"])})
    with pytest.raises(ValueError, match=r"condition 'c' <- 'b' names an unknown hyperparameter"):
        SearchSpace(hps, {"c": ("b", ["x"])})
    with pytest.raises(ValueError, match=r"values \['z'\] must be among \['x', 'y'\]"):
        SearchSpace([hps[1], hps[0]], {"a": ("b", ["z"])})


def test_adapters_keep_the_conditions():
    pytest.importorskip("optuna")
    pytest.importorskip("ConfigSpace")
    import optuna

    from hpo_env.adapters import configspace, suggest_config

    space = _conditional()
    cs = configspace(space, seed=0)
    configs = [dict(c) for c in cs.sample_configuration(30)]
    assert all(set(c) == set(space.decode(space.encode(c))) for c in configs)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(20):
        c = suggest_config(study.ask(), space)
        assert ("rate_drop" in c) == (c["booster"] == "dart") and ("max_depth" in c) == (c["booster"] != "gblinear")
