"""Named task suites. Any comma-separated list of task specs (``csv:`` paths included) works too.

``quick`` and ``public`` are tabular classification (``HPO-XGB-v0``), ``regression`` tabular
regression (metric ``r2``); ``images`` is for ``HPO-CNN-v0``; ``yahpo`` for ``HPO-XGB-YAHPO-v0``
and ``lcbench`` for ``HPO-MLP-LCBench-v0``.
"""

from __future__ import annotations

__all__ = ["SUITES", "SUITE_METRICS", "expand_suites", "resolve_tasks"]

#: The public suite: the 20 PMLB tasks of ``DATA_DIR/pmlb`` (see shared/datasets/README.md).
PUBLIC = (
    "adult", "magic", "letter", "pendigits", "krkopt", "coil2000", "satimage", "texture", "page_blocks",
    "phoneme", "churn", "wine_quality_white", "spambase", "dna", "segmentation", "yeast", "cmc",
    "australian", "credit_g", "vehicle",
)  # fmt: skip

#: The meta-training corpus: 55 more PMLB classification tasks of ``DATA_DIR/pmlb``, one member
#: per family of near-duplicates (see shared/datasets/README.md), largest first.
CORPUS_EXTRA = (
    "nursery", "mushroom", "twonorm", "ring", "ann_thyroid", "clean2", "optdigits", "banana", "waveform_40",
    "allhypo", "led24", "kr_vs_kp", "splice", "hypothyroid", "titanic", "mfeat_factors", "car_evaluation",
    "GAMETES_Epistasis_2_Way_20atts_0.1H_EDM_1_1", "mofn_3_7_10", "Hill_Valley_with_noise", "parity5+5",
    "solar_flare_2", "flare", "vowel", "xd6", "tokyo1", "tic_tac_toe", "analcatdata_authorship",
    "analcatdata_dmft", "diabetes", "breast", "credit_a", "soybean", "profb", "balance_scale", "monk1",
    "threeOf9", "irish", "collins", "saheart", "house_votes_84", "analcatdata_germangss", "calendarDOW", "cars",
    "horse_colic", "dermatology", "movement_libras", "ionosphere", "spectf", "bupa", "penguins", "schizo",
    "ecoli", "haberman", "heart_c",
)  # fmt: skip

#: The built-in classification tasks (scikit-learn's), with no file to read.
BUILTIN = ("breast_cancer", "digits", "iris", "wine")

#: The regression suite: 11 real PMLB regression tasks. Three (1028_SWD, 1029_LEV, 1030_ERA) have
#: ordinal whole-number targets, which are regression only with a regression metric.
REGRESSION = (
    "197_cpu_act", "201_pol", "225_puma8NH", "4544_GeographicalOriginalofMusic", "503_wind", "522_pm10",
    "529_pollen", "547_no2", "1028_SWD", "1029_LEV", "1030_ERA",
)  # fmt: skip

#: YAHPO Gym's ``rbv2_xgboost`` tasks (OpenML ids, for ``--env HPO-XGB-YAHPO-v0``), from its search space.
YAHPO_XGB = (
    "3", "6", "11", "12", "14", "15", "16", "18", "22", "23", "24", "28", "29", "31", "32", "37", "38", "42", "44",
    "46", "50", "54", "60", "151", "181", "182", "188", "300", "307", "312", "334", "375", "377", "458", "469",
    "470", "554", "1040", "1049", "1050", "1053", "1056", "1063", "1067", "1068", "1111", "1220", "1457", "1461",
    "1462", "1464", "1468", "1475", "1476", "1478", "1479", "1480", "1485", "1486", "1487", "1489", "1493", "1494",
    "1497", "1501", "1510", "1515", "1590", "4134", "4135", "4154", "4534", "4538", "4541", "6332", "23381",
    "23512", "23517", "40496", "40498", "40499", "40536", "40668", "40670", "40685", "40701", "40900", "40923",
    "40927", "40966", "40975", "40978", "40979", "40981", "40982", "40983", "40984", "40994", "40996", "41027",
    "41138", "41142", "41143", "41146", "41150", "41156", "41157", "41159", "41161", "41162", "41163", "41164",
    "41165", "41166", "41168", "41169", "41212", "41216", "41278",
)  # fmt: skip

#: YAHPO Gym's ``lcbench`` tasks (OpenML ids, for ``--env HPO-MLP-LCBench-v0``), from its search space.
LCBENCH = (
    "3945", "7593", "34539", "126025", "126026", "126029", "146212", "167083", "167104", "167149", "167152",
    "167161", "167168", "167181", "167184", "167185", "167190", "167200", "167201", "168329", "168330", "168331",
    "168335", "168868", "168908", "168910", "189354", "189862", "189865", "189866", "189873", "189905", "189906",
    "189908", "189909",
)  # fmt: skip

SUITES: dict[str, tuple[str, ...]] = {
    "quick": BUILTIN,
    # Every classification task with a shipped table: the built-ins, the public 20 and the
    # corpus' 55 (hold tasks out by agents.transfer.folds, which keeps families together).
    "corpus": (*BUILTIN, *(f"pmlb:{n}" for n in (*PUBLIC, *CORPUS_EXTRA))),
    "public": tuple(f"pmlb:{n}" for n in PUBLIC),
    # Image tasks, for --env HPO-CNN-v0 (mnist5k needs the [mnist] extra).
    "images": ("digits", "usps"),
    # PMLB's real regression tasks (DATA_DIR/pmlb; see shared/datasets/README.md), run with metric r2.
    "regression": tuple(f"pmlb:{n}" for n in REGRESSION),
    # YAHPO Gym's XGBoost benchmark, for --env HPO-XGB-YAHPO-v0 (the [yahpo] extra).
    "yahpo": YAHPO_XGB,
    # YAHPO Gym's MLP benchmark, for --env HPO-MLP-LCBench-v0 (the [yahpo] extra).
    "lcbench": LCBENCH,
}

#: The metric a suite runs with when ``--metric`` is not given (others: each task's default).
SUITE_METRICS: dict[str, str] = {"regression": "r2"}


def resolve_tasks(suite: str | None = None, tasks: str | None = None) -> list[str]:
    """Task specs from a suite name or a comma-separated list (exactly one of the two)."""
    if (suite is None) == (tasks is None):
        raise ValueError("give either a suite (--suite) or a list of tasks (--tasks), not both or neither")
    if suite is not None:
        if suite not in SUITES:
            raise ValueError(f"unknown suite {suite!r}; expected one of {sorted(SUITES)}")
        return list(SUITES[suite])
    out = [t.strip() for t in tasks.split(",") if t.strip()]
    if not out:
        raise ValueError(f"--tasks {tasks!r} names no task")
    return out


def expand_suites(items: list[str]) -> list[str]:
    """Task specs with each suite name among them replaced by its tasks (order kept, no repeats)."""
    out = [t for x in items for t in SUITES.get(x, (x,))]
    return list(dict.fromkeys(out))
