"""The API checker behind "api-checked" quickstarts, on a small library written here (offline)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from .apicheck import Library, Report, check_program

LIBRARY = {
    "fakelib/__init__.py": """
        from .engine import Engine, make_engine
        from . import util
        from .config import Params
        import functools
        from .noise import add_noise
        gaussian = functools.partial(add_noise, "gaussian")
        Optimizer = make_engine(1)
        try:
            from .optional import Fast
        except ImportError:
            Fast = None
    """,
    "fakelib/engine.py": """
        import torch.nn as nn

        class Base:
            def spend(self, epsilon, *, delta=0.0):
                return epsilon

        class Engine(Base):
            def __init__(self, *, accountant="rdp", secure=False):
                self.accountant = accountant

            def make_private(self, module, *, noise, clip):
                return module

            def anything(self, **kwargs):
                return kwargs

            @classmethod
            def create(cls, name, **kwargs):
                return cls()

        class Layer(nn.Module):
            def __init__(self, width):
                self.width = width

        def make_engine(level):
            def engine(rate, momentum=0.0, *args, **kwargs):
                return rate
            return engine
    """,
    "fakelib/config.py": """
        import dataclasses

        @dataclasses.dataclass(frozen=True)
        class Params:
            epsilon: float
            delta: float = 1e-5
            derived: int = dataclasses.field(init=False, default=0)
    """,
    "fakelib/noise.py": """
        def add_noise(kind, value, *, scale):
            return value
    """,
    "fakelib/optional.py": """
        class Fast:
            pass
    """,
    "fakelib/util/__init__.py": """
        def __getattr__(name):
            raise AttributeError(name)
    """,
    "fakelib/util/helpers.py": """
        def helper(x):
            return x
    """,
}


@pytest.fixture
def library(tmp_path: Path) -> Library:
    for name, text in LIBRARY.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Library([tmp_path])


def check(library: Library, program: str) -> Report:
    return check_program(textwrap.dedent(program), library)


def test_a_correct_program_resolves_every_use(library: Library) -> None:
    report = check(
        library,
        """
        import numpy as np
        import fakelib
        from fakelib import Engine, Params, gaussian, Optimizer
        from fakelib.util.helpers import helper

        engine = Engine(accountant="prv")
        model = engine.make_private(np.zeros(3), noise=1.0, clip=1.0)
        engine.spend(1.0, delta=1e-5)
        engine.anything(whatever=1)
        Engine.create("x", extra=2)
        Params(epsilon=1.0, delta=1e-6)
        gaussian(3.0, scale=2.0)
        Optimizer(0.1, momentum=0.9, learning_rate=0.1)
        helper(1)
        fakelib.Engine(secure=True)
        """,
    )
    assert report.failures == []
    assert "Engine(accountant)" in report.checked
    assert "engine.make_private(noise, clip)" in report.checked
    assert "engine.spend(delta)" in report.checked, "a method found on a base class in the package"
    assert "Params(epsilon, delta)" in report.checked
    assert "gaussian(scale)" in report.checked
    assert "Optimizer(momentum, learning_rate)" in report.checked
    assert "from fakelib.util.helpers import helper" in report.checked
    assert not any("numpy" in line or "np." in line for line in report.checked), "other packages are not checked"


@pytest.mark.parametrize(
    ("program", "failure"),
    [
        ("from fakelib import Engin", "from fakelib import Engin: not defined there"),
        ("import fakelib.nothing", "import fakelib.nothing: no such module"),
        ("from fakelib import Engine\nEngine(acountant='x')", "Engine(...): no parameter 'acountant'"),
        ("from fakelib import Engine\nEngine('rdp')", "Engine(...): 1 positional arguments, at most 0 accepted"),
        ("from fakelib import Engine\ne = Engine()\ne.make_private(1, noise=1, clip=1, x=2)", "no parameter 'x'"),
        ("from fakelib import Engine\ne = Engine()\ne.forget()", "e.forget (Engine): no such attribute"),
        ("from fakelib import Engine\nEngine().forget()", "Engine().forget (Engine): no such attribute"),
        ("from fakelib import Engine\nEngine().spend(1, dlta=0)", "Engine().spend(...): no parameter 'dlta'"),
        ("from fakelib import Params\nParams(epsilon=1, derived=2)", "Params(...): no parameter 'derived'"),
        ("from fakelib import gaussian\ngaussian(1, 2, scale=1)", "gaussian(...): 2 positional arguments, at most 1"),
        ("import fakelib\nfakelib.Engine.spend_all", "fakelib.Engine.spend_all: no such attribute"),
        ("from fakelib.noise import add_noise\nadd_noise('g', 1, scale=1, seed=0)", "no parameter 'seed'"),
    ],
)
def test_what_does_not_exist_is_a_failure(library: Library, program: str, failure: str) -> None:
    report = check(library, program)
    assert any(failure in line for line in report.failures), report


def test_what_cannot_be_seen_is_unverified_not_passed(library: Library) -> None:
    report = check(
        library,
        """
        from fakelib.engine import Layer
        import fakelib
        layer = Layer(4)
        layer.parameters()
        fakelib.util.anything
        """,
    )
    assert report.failures == []
    assert any("layer.parameters" in line and "another package" in line for line in report.unverified)
    assert any("fakelib.util.anything" in line for line in report.unverified)
    assert not any("parameters" in line for line in report.checked)


def test_imports_under_try_and_relative_imports_resolve(library: Library) -> None:
    report = check(library, "from fakelib import Fast\nFast()")
    assert report.failures == []
    assert "from fakelib import Fast" in report.checked
