"""The evaluation families and the programs that measure each tool: declared once.

A family fixes what every tool in it is measured on: the data, the model, the
epsilon grid, the seed and the repetitions (full and ``--quick``), and which
metrics it reports. A tool joins a family with one program under ``programs/``
and one :class:`Program` line below. Kept as a Python table, not YAML: ``show``
reads it, and a table costs no parser.
"""

from __future__ import annotations

from ppml_cli.model import Record


class Family(Record):
    """What every tool of the family is measured on, and the published study it re-runs."""

    id: str
    title: str
    technique: str | None  # the catalog technique whose page shows these results
    setting: str  # data, model and schedule, in a sentence
    study: str  # the published evaluation this re-runs
    metrics: tuple[str, ...]  # the first is the headline
    epsilons: tuple[float, ...] = ()
    quick_epsilons: tuple[float, ...] = ()
    reps: int = 5
    quick_reps: int = 1
    seed: int = 0
    delta: float = 1e-5
    #: The family whose programs also produce this family's metrics (one run, two families).
    measured_by: str | None = None


class Program(Record):
    """One tool's program in one family: what it needs and whether its randomness is seeded."""

    family: str
    tool: str  # the catalog's tool id
    program: str  # file name under programs/
    requires: tuple[str, ...]
    seeded: bool  # the same seed gives the same numbers (resource metrics aside)
    #: Why it is not run here (recorded as a finding instead of a measurement).
    skip: str | None = None
    #: Extra environment variables for the install and the run.
    env: tuple[tuple[str, str], ...] = ()
    #: Dependencies left out of the install because the measured code never imports them (needs uv).
    excludes: tuple[str, ...] = ()
    #: Why only the quick grid is run here (the full run records this reason instead).
    quick_only: str | None = None


#: Metrics that depend on the machine: recorded, never compared between runs.
RESOURCE_METRICS = frozenset({"seconds", "train_seconds", "peak_mib", "ms_per_row"})

GRID = (0.5, 1.0, 2.0, 4.0, 8.0)

FAMILIES: tuple[Family, ...] = (
    Family(
        id="dp-aggregates",
        title="DP aggregates",
        technique=None,  # the catalog has no technique for central DP statistics: shown on tool pages
        setting=(
            "10,000 generated values (gamma, clipped to [0, 100]) and a category of 8 per row; count, sum, mean and"
            " an 8-bin histogram, each released alone at the full epsilon with Laplace noise; absolute error"
            " (histogram: summed over bins)"
        ),
        study=(
            "Munilla Garrido et al. 2021 (arXiv 2109.10789) and GovTech Singapore's DP tools benchmark (2023):"
            " error of count/sum/mean against epsilon across libraries"
        ),
        metrics=("abs_error", "seconds"),
        epsilons=GRID,
        quick_epsilons=(1.0,),
        reps=10,
    ),
    Family(
        id="dp-training",
        title="DP training of a classifier",
        technique="dp-training",
        setting=(
            "scikit-learn's digits (1,797 rows, 64 features scaled to unit norm), halved into training and test"
            " sets; multinomial logistic regression; delta 1e-5; accuracy on the test half, training time and peak"
            " resident memory, against the same model trained without DP (epsilon: none)"
        ),
        study=(
            "Zhang et al., Sensors 2023 (doi 10.3390/s23146509): accuracy and resources of DP training across"
            " Opacus, TensorFlow Privacy and diffprivlib"
        ),
        metrics=("accuracy", "train_seconds", "peak_mib"),
        epsilons=GRID,
        quick_epsilons=(1.0,),
    ),
    Family(
        id="empirical-privacy",
        title="Empirical privacy (membership inference)",
        technique="privacy-impact-evaluation",
        setting=(
            "the models of dp-training attacked with one loss-threshold membership-inference attack (Yeom et al."
            " 2018) written once: training half as members, test half as non-members; ROC AUC and true-positive"
            " rate at 5% false-positive rate"
        ),
        study=(
            "Jayaraman & Evans, USENIX Security 2019 (jayaraman2019evaluating): measured leakage of DP-trained"
            " models against epsilon"
        ),
        metrics=("attack_auc", "attack_tpr_at_5pct_fpr"),
        epsilons=GRID,
        quick_epsilons=(1.0,),
        measured_by="dp-training",
    ),
    Family(
        id="synthetic-data",
        title="Synthetic tabular data",
        technique="synthetic-data",
        setting=(
            "scikit-learn's breast-cancer, 8 features in 5 quantile bins plus the diagnosis (all categorical);"
            " 400 rows to learn from, 169 held out; SDMetrics quality score, train-synthetic-test-real accuracy"
            " (random forest), Anonymeter singling-out, linkability and inference risks (100 attacks each)"
        ),
        study=(
            "Giomi et al., PoPETs 2023 (giomi2023anonymeter) and SynthEval (lautrup2024syntheval): fidelity,"
            " utility and privacy risk of synthetic data"
        ),
        metrics=("quality_score", "tstr_accuracy", "singling_out_risk", "linkability_risk", "inference_risk"),
        epsilons=(1.0,),
        quick_epsilons=(1.0,),
        # 10, not 5: Anonymeter's risks are mostly 0 with an occasional 0.1 to 0.4 (100 attacks), and CI's
        # quick re-run of smartnoise-synth is checked against this run's spread, which 5 draws misjudge
        reps=10,
    ),
    Family(
        id="encrypted-inference",
        title="Encrypted inference",
        technique="private-inference",
        setting=(
            "a logistic regression trained in the clear on breast-cancer (scikit-learn, standardised); 100 test"
            " rows scored encrypted; accuracy encrypted and in the clear, agreement, latency per row"
        ),
        study="no common published benchmark: each tool's own papers report latency on their own models",
        metrics=("encrypted_accuracy", "clear_accuracy", "agreement", "ms_per_row"),
        reps=5,
    ),
    Family(
        id="accountants",
        title="Privacy accountants",
        technique="privacy-budget",
        setting=(
            "one DP-SGD schedule: Poisson sampling rate 256/60,000, noise multiplier 1.1, 2,343 steps (10 epochs),"
            " delta 1e-5; the epsilon each accountant reports"
        ),
        study=(
            "the accountants' own papers (Mironov 2017 RDP; Gopi et al. 2021 PRV): RDP is an upper bound, PLD and"
            " PRV are tighter"
        ),
        metrics=("epsilon", "epsilon_upper_bound", "epsilon_once_per_epoch", "seconds"),
        reps=5,
    ),
)

TORCH = "torch==2.13.0"
SKLEARN_DEPRECATED = (("SKLEARN_ALLOW_DEPRECATED_SKLEARN_PACKAGE_INSTALL", "True"),)

PROGRAMS: tuple[Program, ...] = (
    Program(
        family="dp-aggregates",
        tool="opendp",
        program="opendp_aggregates.py",
        requires=("opendp>=0.16,<0.17", "numpy"),
        seeded=False,
    ),
    Program(
        family="dp-aggregates",
        tool="pydp",
        program="pydp_aggregates.py",
        requires=("python-dp>=1.1.4,<1.2", "numpy"),
        seeded=False,
    ),
    Program(
        family="dp-aggregates",
        tool="pipelinedp",
        program="pipelinedp_aggregates.py",
        requires=("pipeline-dp>=0.3,<0.4", "numpy"),
        seeded=False,
    ),
    Program(
        family="dp-aggregates",
        tool="diffprivlib",
        program="diffprivlib_aggregates.py",
        requires=("diffprivlib>=0.6.6,<0.7", "scikit-learn>=1.4,<1.8"),
        seeded=True,
    ),
    Program(
        family="dp-training",
        tool="opacus",
        program="opacus_training.py",
        requires=("opacus>=1.5,<2", TORCH, "scikit-learn"),
        seeded=True,
    ),
    Program(
        family="dp-aggregates",
        tool="tumult-analytics",
        program="tumult_analytics_aggregates.py",
        requires=("tmlt.analytics>=0.21,<0.22", "numpy"),
        seeded=False,
        quick_only=(
            "too slow for the family's full grid here: on a local Spark (needs Java) each query took 3 to 113 s on"
            " this 2-core machine, against milliseconds for the other libraries, so the 200 queries of the full run"
            " do not fit its hour; measured with --quick only"
        ),
    ),
    Program(
        family="dp-training",
        tool="jax-privacy",
        program="jax_privacy_training.py",
        requires=("jax-privacy>=2.0,<3", "jax>=0.7.1", "optax>=0.2.8", "scikit-learn"),
        seeded=True,
    ),
    Program(
        family="dp-training",
        tool="tensorflow-privacy",
        program="tensorflow_privacy_training.py",
        requires=("tensorflow-privacy>=0.9,<0.10", "tensorflow>=2.14,<2.16", "scikit-learn"),
        seeded=False,  # Keras is seeded, but TensorFlow's CPU kernels are not promised to be deterministic
    ),
    Program(
        family="dp-training",
        tool="diffprivlib",
        program="diffprivlib_training.py",
        requires=("diffprivlib>=0.6.6,<0.7", "scikit-learn>=1.4,<1.8"),
        seeded=True,
    ),
    Program(
        family="synthetic-data",
        tool="smartnoise-sdk",
        program="smartnoise_synth_synthetic.py",
        requires=("smartnoise-synth>=1.0.8,<1.1", "sdmetrics>=0.32,<0.33", "anonymeter>=1.0,<2"),
        # MST and AIM never import opacus; it is only there for the GAN synthesizers, and brings PyTorch.
        excludes=("opacus",),
        seeded=False,
    ),
    Program(
        family="synthetic-data",
        tool="sdv",
        program="sdv_synthetic.py",
        requires=("sdv>=1.20,<2", TORCH, "sdmetrics", "anonymeter>=1.0,<2"),
        seeded=False,
    ),
    Program(
        family="synthetic-data",
        tool="synthcity",
        program="synthcity_synthetic.py",
        requires=("synthcity>=0.2.12", TORCH, "sdmetrics", "anonymeter>=1.0,<2"),
        seeded=False,
    ),
    Program(
        family="encrypted-inference",
        tool="tenseal",
        program="tenseal_inference.py",
        requires=("tenseal>=0.3.14,<0.4", "scikit-learn"),
        seeded=False,
    ),
    Program(
        family="encrypted-inference",
        tool="crypten",
        program="crypten_inference.py",
        requires=("crypten>=0.4.1,<0.5", TORCH, "scikit-learn"),
        seeded=False,
        env=SKLEARN_DEPRECATED,
    ),
    Program(
        family="encrypted-inference",
        tool="concrete-ml",
        program="concrete_ml_inference.py",
        requires=("concrete-ml>=1.9,<1.10",),
        seeded=False,
        skip=(
            "not installed: concrete-ml 1.9.0 (its latest release) pins torch==2.3.1, whose PyPI wheel for Linux is the"
            " CUDA build with its NVIDIA dependencies (gigabytes), beyond this evaluation's install budget"
        ),
    ),
    Program(
        family="accountants",
        tool="dp-accounting",
        program="dp_accounting_accountants.py",
        requires=("dp-accounting>=0.6,<0.7",),
        seeded=True,
    ),
    Program(
        family="accountants",
        tool="prv-accountant",
        program="prv_accountant_accountants.py",
        requires=("prv-accountant>=0.2,<0.3",),
        seeded=True,
    ),
    Program(
        family="accountants",
        tool="opacus",
        program="opacus_accountants.py",
        requires=("opacus>=1.5,<2", TORCH),
        seeded=True,
    ),
    Program(
        family="accountants",
        tool="tensorflow-privacy",
        program="tensorflow_privacy_accountants.py",
        requires=("tensorflow-privacy>=0.9,<0.10", "tensorflow>=2.14,<2.16"),
        seeded=True,
    ),
)


def family(family_id: str) -> Family:
    return next(f for f in FAMILIES if f.id == family_id)


def programs_of(family_id: str) -> tuple[Program, ...]:
    """The programs that measure a family (those of the family it is measured by, when it has one)."""
    source = family(family_id).measured_by or family_id
    return tuple(p for p in PROGRAMS if p.family == source)


def families_fed_by(program: Program) -> tuple[Family, ...]:
    """The families whose metrics a program's run reports: its own, and those measured by it."""
    return tuple(f for f in FAMILIES if program.family in (f.id, f.measured_by))
