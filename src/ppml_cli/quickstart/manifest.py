"""Which tools have a quickstart program, what it needs, and how it was proven.

One record per tool, keyed by the catalog's tool id (a unit test checks each id
exists). ``requires`` are pip requirement strings with version bounds that make
the program work. ``verified`` is how far the program is proven:

- ``ran``: a test (``pytest -m quickstarts``) installs ``requires`` into a fresh
  virtual environment from the package index, runs the program and checks its
  output; ``verified_with`` lists the exact versions of that run.
- ``api-checked``: the requirements are too heavy to install in CI (PyTorch,
  TensorFlow, JAX); the test downloads the pinned wheel and checks with ``ast``
  that every module, class, function and keyword argument the program uses
  exists. ``verified_with`` names the versions whose source was checked.

Kept as a Python table, not YAML: ``show`` reads it, and a table costs no parser.
"""

from __future__ import annotations

from ppml_cli.model import Record


class Quickstart(Record):
    """A starting program for one tool."""

    tool: str
    program: str  # file name under programs/
    requires: tuple[str, ...]
    verified: str  # "ran" or "api-checked"
    verified_with: tuple[tuple[str, str], ...]  # (distribution, exact version)
    notes: str
    #: For "api-checked": the distributions whose source the checker resolves names in.
    check_packages: tuple[str, ...] = ()
    language: str = "python"


RAN = "ran"
API_CHECKED = "api-checked"
LEVELS = (RAN, API_CHECKED)

QUICKSTARTS: tuple[Quickstart, ...] = (
    Quickstart(
        tool="opacus",
        program="opacus_quickstart.py",
        requires=("opacus>=1.5,<2", "torch>=2.6", "scikit-learn>=1.4"),
        verified=RAN,
        verified_with=(("opacus", "1.6.0"), ("torch", "2.13.0"), ("scikit-learn", "1.9.1")),
        notes=(
            "Trains a small CNN with GroupNorm on scikit-learn's bundled 8x8 digit images with DP-SGD to a target"
            " epsilon, and reports the epsilon spent and the held-out accuracy (about 80% at epsilon 3). The program"
            " also shows that Opacus's ModuleValidator refuses the same CNN with BatchNorm, which mixes examples"
            " of a batch; checked by running it with opacus 1.6.0 and torch 2.13.0 (CPU)."
        ),
    ),
    Quickstart(
        tool="diffprivlib",
        program="diffprivlib_quickstart.py",
        requires=("diffprivlib>=0.6.6,<0.7", "scikit-learn>=1.4,<1.8"),
        verified=RAN,
        verified_with=(("diffprivlib", "0.6.6"), ("scikit-learn", "1.7.2"), ("numpy", "2.4.6")),
        notes=(
            "A DP mean and a DP logistic regression under one budget accountant. diffprivlib 0.6.6 fails to import"
            " with scikit-learn 1.8 and later (a private sklearn name it uses was removed), hence the upper bound."
        ),
    ),
    Quickstart(
        tool="opendp",
        program="opendp_quickstart.py",
        requires=("opendp>=0.16,<0.17",),
        verified=RAN,
        verified_with=(("opendp", "0.16.0"),),
        notes=(
            "DP statistics under one budget: a count, a sum (and the mean from both), a median chosen among"
            " declared candidates, and a histogram over declared categories, from OpenDP Contexts; bounds and"
            " categories are public, never read from the data."
        ),
    ),
    Quickstart(
        tool="pipelinedp",
        program="pipelinedp_quickstart.py",
        requires=("pipeline-dp>=0.3,<0.4",),
        verified=RAN,
        verified_with=(("pipeline-dp", "0.3.1"),),
        notes="Per-partition DP count and sum with contribution bounding, on the local backend (no Beam or Spark).",
    ),
    Quickstart(
        tool="tenseal",
        program="tenseal_quickstart.py",
        requires=("tenseal>=0.3.14,<0.4", "scikit-learn>=1.4"),
        verified=RAN,
        verified_with=(("tenseal", "0.3.18"), ("scikit-learn", "1.9.1"), ("numpy", "2.4.6")),
        notes=(
            "Encrypted inference: a logistic regression trained in the clear on scikit-learn's bundled breast-cancer"
            " data scores CKKS-encrypted patients on a key-less server copy; the client decrypts the score. Scores"
            " match the clear model to about 1e-5."
        ),
    ),
    Quickstart(
        tool="anonymeter",
        program="anonymeter_quickstart.py",
        requires=("anonymeter>=1.0,<2",),
        verified=RAN,
        verified_with=(("anonymeter", "1.1.0"), ("pandas", "3.0.6"), ("numpy", "1.26.4")),
        notes="Linkability and attribute-inference risk of a leaky versus an independent synthetic release.",
    ),
    Quickstart(
        tool="adversarial-robustness-toolbox",
        program="adversarial_robustness_toolbox_quickstart.py",
        requires=("adversarial-robustness-toolbox>=1.17,<2", "scikit-learn>=1.4", "packaging>=21"),
        verified=RAN,
        verified_with=(("adversarial-robustness-toolbox", "1.20.1"), ("scikit-learn", "1.9.1")),
        notes=(
            "Black-box membership inference against an overfitted and a regularised model. ART imports"
            " `packaging` without declaring it, so it is listed here."
        ),
    ),
    Quickstart(
        tool="dp-accounting",
        program="dp_accounting_quickstart.py",
        requires=("dp-accounting>=0.6,<0.7",),
        verified=RAN,
        verified_with=(("dp-accounting", "0.6.0"),),
        notes="Epsilon of a DP-SGD run with the RDP and PLD accountants, and the noise needed for a target epsilon.",
    ),
    Quickstart(
        tool="pydp",
        program="pydp_quickstart.py",
        requires=("python-dp>=1.1.4,<1.2",),
        verified=RAN,
        verified_with=(("python-dp", "1.1.5"),),
        notes="DP count, mean and median with Google's C++ library through its Python bindings.",
    ),
    Quickstart(
        tool="jax-privacy",
        program="jax_privacy_quickstart.py",
        requires=("jax-privacy>=2.0,<3", "jax>=0.7.1", "optax>=0.2.8"),
        verified=RAN,
        verified_with=(("jax-privacy", "2.0.0"), ("jax", "0.10.2"), ("optax", "0.2.8"), ("dp-accounting", "0.6.0")),
        notes=(
            "DP-SGD in JAX from jax_privacy 2.x's building blocks: per-example clipping, a Gaussian optax"
            " privatizer, Poisson batches, and noise calibrated to a target epsilon (the 2.x API)."
        ),
    ),
    Quickstart(
        tool="flower",
        program="flower_quickstart.py",
        requires=("flwr[simulation,dp]>=1.42,<2",),
        verified=RAN,
        verified_with=(("flwr", "1.42.0"), ("ray", "2.55.1"), ("dp-accounting", "0.6.0"), ("numpy", "2.4.6")),
        notes=(
            "Federated averaging over 20 simulated clients with central DP: Flower's server-side fixed-clipping"
            " wrapper clips each client's update and adds Gaussian noise, and its RDP accountant reports a"
            " client-level epsilon. Message API (ClientApp, ServerApp, strategy.start) in one process; the"
            " simulation runtime needs the `simulation` extra (Ray), the accountant the `dp` extra (dp-accounting)."
        ),
    ),
    Quickstart(
        tool="tensorflow-privacy",
        program="tensorflow_privacy_quickstart.py",
        requires=("tensorflow-privacy>=0.9,<0.10", "tensorflow>=2.14,<2.16"),
        verified=RAN,
        verified_with=(("tensorflow-privacy", "0.9.0"), ("tensorflow", "2.15.1"), ("keras", "2.15.0")),
        notes=(
            "A Keras model trained with DPKerasSGDOptimizer and the library's own privacy statement. TensorFlow"
            " Privacy 0.9 is built on Keras 2 (tf.keras up to TensorFlow 2.15) and supports Python below 3.12."
            " Checked by installing on Python 3.11: without the tensorflow bound, pip resolves TensorFlow 2.21 with"
            " Keras 3 and `import tensorflow_privacy` fails; with it, TensorFlow 2.15.1 and Keras 2.15.0, and the"
            " program runs."
        ),
    ),
    Quickstart(
        tool="crypten",
        program="crypten_quickstart.py",
        requires=("crypten>=0.4.1,<0.5", "torch>=1.13,<2.9"),
        verified=API_CHECKED,
        verified_with=(("crypten", "0.4.1"),),
        notes=(
            "Two local processes secret-share private vectors and compute a sum and a dot product on the shares."
            " CrypTen 0.4.1 (its latest release) fails at `import crypten` with torch 2.13.0, tried here: it"
            " imports torch.onnx._internal.registration, which newer torch no longer has. The torch<2.9 bound"
            " follows a downstream report that torch 2.9 moved those modules (unverified here). CrypTen also"
            " depends on the deprecated `sklearn` package: install with"
            " SKLEARN_ALLOW_DEPRECATED_SKLEARN_PACKAGE_INSTALL=True."
        ),
        check_packages=("crypten",),
    ),
    Quickstart(
        tool="smartnoise-sdk",
        program="smartnoise_sdk_quickstart.py",
        requires=("smartnoise-synth>=1.0.8,<1.1",),
        verified=RAN,
        verified_with=(("smartnoise-synth", "1.0.8"), ("mbi", "1.1.0"), ("torch", "2.13.0"), ("pandas", "2.3.3")),
        notes=(
            "DP synthetic data with MST on a domain declared in public (category values and age bounds written"
            " down, not read from the private table), compared with the real marginals. MST needs only mbi and"
            " NumPy, but installing smartnoise-synth also installs PyTorch (opacus 0.14) and JAX."
        ),
    ),
    Quickstart(
        tool="sdmetrics",
        program="sdmetrics_quickstart.py",
        requires=("sdmetrics>=0.32,<0.33",),
        verified=RAN,
        verified_with=(("sdmetrics", "0.32.0"), ("pandas", "2.3.3"), ("scikit-learn", "1.9.1")),
        notes=(
            "Privacy scores of a synthetic table: distance to closest record against a holdout, and attribute"
            " disclosure (CAP), for a leaky and an independent release."
        ),
    ),
    Quickstart(
        tool="presidio",
        program="presidio_quickstart.py",
        requires=("presidio-anonymizer>=2.2,<3",),
        verified=RAN,
        verified_with=(("presidio-anonymizer", "2.2.366"),),
        notes=(
            "Replace, mask and reversibly encrypt PII spans with Presidio's anonymizer. The spans come from two"
            " regular expressions, because Presidio's analyzer needs a spaCy model fetched separately; in real use the"
            " analyzer's results feed the same anonymize() call."
        ),
    ),
    Quickstart(
        tool="concrete-ml",
        program="concrete_ml_quickstart.py",
        requires=("concrete-ml>=1.9,<1.10",),
        verified=API_CHECKED,
        verified_with=(("concrete-ml", "1.9.0"),),
        notes=(
            "A quantized logistic regression compiled to an FHE circuit, predicting on encrypted rows and compared"
            " with the clear predictions. concrete-ml 1.9.0 pins torch 2.3.1, numpy 1.26.4 and scikit-learn 1.5.0"
            " and supports Python below 3.13."
        ),
        check_packages=("concrete-ml",),
    ),
    Quickstart(
        tool="pycanon",
        program="pycanon_quickstart.py",
        requires=("pycanon>=1.3,<2",),
        verified=RAN,
        verified_with=(("pycanon", "1.3.6"), ("pandas", "2.3.3"), ("numpy", "2.0.2")),
        notes="k-anonymity, l-diversity and t-closeness of a table before and after generalising quasi-identifiers.",
    ),
    Quickstart(
        tool="prv-accountant",
        program="prv_accountant_quickstart.py",
        requires=("prv-accountant>=0.2,<0.3",),
        verified=RAN,
        verified_with=(("prv-accountant", "0.2.0"), ("numpy", "2.4.6"), ("scipy", "1.17.1")),
        notes="Epsilon of a DP-SGD run with error bounds, from numerically composed privacy random variables.",
    ),
)


def by_tool() -> dict[str, Quickstart]:
    return {quickstart.tool: quickstart for quickstart in QUICKSTARTS}
