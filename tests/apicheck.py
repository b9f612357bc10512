"""Check, from a library's source alone, that a program uses only names and keywords that exist.

Used by the ``quickstarts`` tests for programs whose requirements are too heavy
to install in CI (PyTorch, TensorFlow): the library's wheel is downloaded with
``pip download --no-deps`` and unpacked, and this module reads both the program
and the library with :mod:`ast`, never importing either.

What it resolves, for every import whose top-level package is in the wheel:

- ``import a.b as c`` and ``from a.b import X``: the module exists, and X is
  defined in it (a function, class, assignment, re-export or submodule; imports
  under ``if``/``try`` at module level count, relative imports are followed);
- attribute chains ``c.d.e`` and names bound from calls (``x = Class(...)``,
  then ``x.method(...)``): each attribute exists on the module or class,
  searching base classes that live in the same package;
- every call to a resolved function, method or class: each keyword argument is
  a parameter (unless the signature takes ``**kwargs``), and there are no more
  positional arguments than positional parameters (unless it takes ``*args``).
  Classes use ``__init__``, or their fields when they are dataclasses.
  ``functools.partial(f, ...)`` and ``X = factory(...)`` where the factory
  returns a nested def or class are followed.

What it cannot see (attributes inherited from another package's base class,
results of calls whose type it does not know) is reported as ``unverified``,
never as passed. ``Report.failures`` lists what does not exist.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

# --------------------------------------------------------------------- model


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    def tree(self) -> ast.Module:
        return _parse(self.path)


@dataclass(frozen=True)
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    module: Module
    method: bool = False  # defined in a class body: drop self/cls when called on an instance or class
    skip_positional: int = 0  # arguments already bound by functools.partial


@dataclass(frozen=True)
class Class:
    node: ast.ClassDef
    module: Module


@dataclass(frozen=True)
class Opaque:
    """Exists, but its value (and so its attributes and signature) is not statically known."""

    what: str


Symbol = Module | Function | Class | Opaque


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


_PARSED: dict[Path, ast.Module] = {}


def _parse(path: Path) -> ast.Module:
    if path not in _PARSED:
        _PARSED[path] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return _PARSED[path]


# ------------------------------------------------------------------ resolver


class Library:
    """The unpacked source of one or more wheels, searched by module name."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots

    def packages(self) -> set[str]:
        """Top-level import names the roots provide."""
        names: set[str] = set()
        for root in self.roots:
            for child in root.iterdir():
                if child.is_dir() and not child.name.endswith((".dist-info", ".data")) and child.name != "__pycache__":
                    names.add(child.name)
                elif child.suffix == ".py":
                    names.add(child.stem)
        return names

    def module(self, dotted: str) -> Module | None:
        parts = dotted.split(".")
        for root in self.roots:
            package = root.joinpath(*parts)
            if (package / "__init__.py").is_file():
                return Module(dotted, package / "__init__.py")
            if package.is_dir() and len(parts) > 1:  # a namespace package (e.g. concrete.ml's "concrete")
                return Module(dotted, package / "__init__.py")
            single = root.joinpath(*parts[:-1], parts[-1] + ".py")
            if single.is_file():
                return Module(dotted, single)
        return None

    def names_in(self, module: Module) -> dict[str, ast.stmt]:
        """Module-level bindings, looking inside if/try/with blocks but not into defs or classes."""
        if not module.path.is_file():
            return {}
        found: dict[str, ast.stmt] = {}

        def visit(statements: list[ast.stmt]) -> None:
            for statement in statements:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    found[statement.name] = statement
                elif isinstance(statement, ast.Assign):
                    for target in statement.targets:
                        for name in _target_names(target):
                            found[name] = statement
                elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                    found[statement.target.id] = statement
                elif isinstance(statement, (ast.Import, ast.ImportFrom)):
                    for alias in statement.names:
                        bound = alias.asname or alias.name.split(".")[0]
                        found[bound] = statement
                elif isinstance(statement, ast.If):
                    visit(statement.body)
                    visit(statement.orelse)
                elif isinstance(statement, ast.Try):
                    visit(statement.body)
                    visit(statement.orelse)
                    for handler in statement.handlers:
                        visit(handler.body)
                elif isinstance(statement, ast.With):
                    visit(statement.body)

        visit(module.tree().body)
        return found

    def absolute(self, module: Module, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        return f"{package}.{node.module}" if node.module else package

    def member(self, module: Module, name: str, depth: int = 0) -> Symbol | None:
        """What ``module.name`` is, or None when it does not exist."""
        if depth > 20:
            return Opaque(f"{module.name}.{name} (re-export chain too deep)")
        statement = self.names_in(module).get(name)
        if statement is None:
            submodule = self.module(f"{module.name}.{name}")
            if submodule is not None:
                return submodule
            if "__getattr__" in self.names_in(module):
                return Opaque(f"{module.name}.{name} (module __getattr__)")
            return None
        return self._bound(module, name, statement, depth)

    def _bound(self, module: Module, name: str, statement: ast.stmt, depth: int) -> Symbol | None:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return Function(statement, module)
        if isinstance(statement, ast.ClassDef):
            return Class(statement, module)
        if isinstance(statement, ast.ImportFrom):
            source = self.absolute(module, statement)
            for alias in statement.names:
                if (alias.asname or alias.name) == name:
                    target = self.module(source)
                    if target is None:
                        return Opaque(f"{source}.{alias.name} (from outside the package)")
                    return self.member(target, alias.name, depth + 1)
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if (alias.asname or alias.name.split(".")[0]) == name:
                    dotted = alias.name if alias.asname else alias.name.split(".")[0]
                    return self.module(dotted) or Opaque(f"{dotted} (another package)")
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
            return self._from_call(module, statement.value, depth) or Opaque(f"{module.name}.{name}")
        if isinstance(statement, ast.Assign) and isinstance(statement.value, (ast.Name, ast.Attribute)):
            resolved = self.expression(module, statement.value, depth + 1)
            return resolved or Opaque(f"{module.name}.{name}")
        return Opaque(f"{module.name}.{name}")

    def _from_call(self, module: Module, call: ast.Call, depth: int) -> Symbol | None:
        """``partial(f, a)`` and ``factory(...)`` returning a nested def or class."""
        callee = call.func
        if (isinstance(callee, ast.Attribute) and callee.attr == "partial") or (
            isinstance(callee, ast.Name) and callee.id == "partial"
        ):
            if call.args:
                inner = self.expression(module, call.args[0], depth + 1)
                if isinstance(inner, Function):
                    return Function(inner.node, inner.module, inner.method, inner.skip_positional + len(call.args) - 1)
            return None
        factory = self.expression(module, callee, depth + 1)
        if isinstance(factory, Function):
            nested = {
                s.name: s
                for s in factory.node.body
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            }
            for statement in ast.walk(factory.node):
                if isinstance(statement, ast.Return) and isinstance(statement.value, ast.Name):
                    returned = nested.get(statement.value.id)
                    if isinstance(returned, ast.ClassDef):
                        return Class(returned, factory.module)
                    if isinstance(returned, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        return Function(returned, factory.module)
        return None

    def expression(self, module: Module, node: ast.expr, depth: int = 0) -> Symbol | None:
        """Resolve a Name or Attribute chain in the namespace of a library module."""
        if isinstance(node, ast.Name):
            return self.member(module, node.id, depth)
        if isinstance(node, ast.Attribute):
            base = self.expression(module, node.value, depth)
            return self.attribute(base, node.attr) if base is not None else None
        return None

    def attribute(self, owner: Symbol, name: str) -> Symbol | None:
        if isinstance(owner, Module):
            return self.member(owner, name)
        if isinstance(owner, Class):
            return self.class_member(owner, name)
        if isinstance(owner, Opaque):
            return Opaque(f"{owner.what}.{name}")
        return Opaque(f"{owner.node.name}(...).{name}")

    def bases(self, cls: Class) -> list[Symbol | None]:
        return [self.expression(cls.module, base) for base in cls.node.bases]

    def class_member(self, cls: Class, name: str, seen: int = 0) -> Symbol | None:
        for statement in cls.node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
                return Function(statement, cls.module, method=not _is_static(statement))
            if isinstance(statement, ast.ClassDef) and statement.name == name:
                return Class(statement, cls.module)
            if isinstance(statement, ast.Assign) and name in {n for t in statement.targets for n in _target_names(t)}:
                return Opaque(f"{cls.node.name}.{name}")
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.target.id == name
            ):
                return Opaque(f"{cls.node.name}.{name}")
        if name in _instance_attributes(cls.node):
            return Opaque(f"{cls.node.name}.{name} (set in a method)")
        if seen > 20:
            return Opaque(f"{cls.node.name}.{name} (deep hierarchy)")
        for base in self.bases(cls):
            if isinstance(base, Class):
                found = self.class_member(base, name, seen + 1)
                if found is not None:
                    return found
            else:  # a base from another package (or unknown): the attribute may live there
                return Opaque(f"{cls.node.name}.{name} (maybe inherited from another package)")
        return None

    def signature(self, symbol: Symbol) -> tuple[ast.arguments, int] | None:
        """The arguments node to check a call against, and how many leading parameters are bound."""
        if isinstance(symbol, Function):
            skip = symbol.skip_positional + (1 if symbol.method and not _is_classmethod(symbol.node) else 0)
            skip += 1 if symbol.method and _is_classmethod(symbol.node) else 0
            return symbol.node.args, skip
        if isinstance(symbol, Class):
            init = self.class_member(symbol, "__init__")
            if isinstance(init, Function):
                return init.node.args, 1
            if init is None and _is_dataclass(symbol.node):
                return _dataclass_arguments(symbol.node), 0
        return None


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    return []


def _decorators(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> set[str]:
    names = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


def _is_static(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return "staticmethod" in _decorators(node)


def _is_classmethod(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return "classmethod" in _decorators(node)


def _is_dataclass(node: ast.ClassDef) -> bool:
    return "dataclass" in _decorators(node)


def _instance_attributes(node: ast.ClassDef) -> set[str]:
    names = set()
    for statement in ast.walk(node):
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    names.add(target.attr)
    return names


def _dataclass_arguments(node: ast.ClassDef) -> ast.arguments:
    """A dataclass's generated ``__init__``: its annotated fields, minus ``field(init=False)``."""
    fields = []
    for statement in node.body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        value = statement.value
        if isinstance(value, ast.Call) and any(
            k.arg == "init" and isinstance(k.value, ast.Constant) and k.value.value is False for k in value.keywords
        ):
            continue
        fields.append(ast.arg(arg=statement.target.id))
    return ast.arguments(
        posonlyargs=[], args=fields, vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
    )


# ------------------------------------------------------------------- checker


def check_program(source: str, library: Library) -> Report:
    """Resolve every use of ``library`` in the program ``source``."""
    report = Report()
    tree = ast.parse(source)
    packages = library.packages()
    aliases: dict[str, Symbol] = {}

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in packages:
                    continue
                module = library.module(alias.name)
                if module is None:
                    report.failures.append(f"import {alias.name}: no such module")
                    continue
                report.checked.append(f"import {alias.name}")
                if alias.asname:
                    aliases[alias.asname] = module
                else:
                    top = library.module(alias.name.split(".")[0])
                    if top is not None:
                        aliases[alias.name.split(".")[0]] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] not in packages:
                continue
            module = library.module(node.module)
            if module is None:
                report.failures.append(f"from {node.module}: no such module")
                continue
            for alias in node.names:
                symbol = library.member(module, alias.name)
                if symbol is None:
                    report.failures.append(f"from {node.module} import {alias.name}: not defined there")
                    continue
                report.checked.append(f"from {node.module} import {alias.name}")
                aliases[alias.asname or alias.name] = symbol

    # Names bound once, from a call to something we resolved: x = Class(...) makes x an instance.
    assigned: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in _target_names(target):
                    assigned.setdefault(name, []).append(node.value if isinstance(target, ast.Name) else target)
    instances: dict[str, Class] = {}
    for name, values in assigned.items():
        if len(values) == 1 and isinstance(values[0], ast.Call) and name not in aliases:
            made = _resolve(values[0].func, aliases, instances, library)
            if isinstance(made, Class):
                instances[name] = made

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Store):
            _check_attribute(node, aliases, instances, library, report)
        if isinstance(node, ast.Call):
            _check_call(node, aliases, instances, library, report)
    return report


def _dotted(node: ast.expr) -> str:
    return ast.unparse(node)


def _resolve(
    node: ast.expr, aliases: dict[str, Symbol], instances: dict[str, Class], library: Library
) -> Symbol | None:
    """What a Name/Attribute chain in the program refers to; None when it is not library code."""
    if isinstance(node, ast.Name):
        if node.id in aliases:
            return aliases[node.id]
        if node.id in instances:
            return Opaque(f"instance of {instances[node.id].node.name}")
        return None
    if isinstance(node, ast.Attribute):
        owner = _instance_of(node.value, aliases, instances, library)
        if owner is not None:
            return library.class_member(owner, node.attr)
        base = _resolve(node.value, aliases, instances, library)
        if base is None:
            return None
        return library.attribute(base, node.attr)
    return None


def _instance_of(
    node: ast.expr, aliases: dict[str, Symbol], instances: dict[str, Class], library: Library
) -> Class | None:
    """The class of ``node`` when it is an instance we know: a name bound to ``Class(...)``, or ``Class(...)``."""
    if isinstance(node, ast.Name) and node.id in instances:
        return instances[node.id]
    if isinstance(node, ast.Call):
        made = _resolve(node.func, aliases, instances, library)
        if isinstance(made, Class):
            return made
    return None


def _check_attribute(
    node: ast.Attribute,
    aliases: dict[str, Symbol],
    instances: dict[str, Class],
    library: Library,
    report: Report,
) -> None:
    owner = _instance_of(node.value, aliases, instances, library)
    if owner is not None:
        _record(library.class_member(owner, node.attr), f"{_dotted(node)} ({owner.node.name})", report)
        return
    base = _resolve(node.value, aliases, instances, library)
    if base is not None:
        _record(library.attribute(base, node.attr), _dotted(node), report)


def _record(symbol: Symbol | None, what: str, report: Report) -> None:
    if symbol is None:
        report.failures.append(f"{what}: no such attribute")
    elif isinstance(symbol, Opaque):
        report.unverified.append(f"{what}: {symbol.what}")
    else:
        report.checked.append(what)


def _check_call(
    node: ast.Call,
    aliases: dict[str, Symbol],
    instances: dict[str, Class],
    library: Library,
    report: Report,
) -> None:
    callee = _resolve(node.func, aliases, instances, library)
    if callee is None or isinstance(callee, (Opaque, Module)):
        return
    signature = library.signature(callee)
    what = _dotted(node.func)
    if signature is None:
        report.unverified.append(f"{what}(...): signature not statically known")
        return
    arguments, bound = signature
    positional = [*arguments.posonlyargs, *arguments.args][bound:]
    keyword_names = {
        a.arg for a in [*arguments.args, *arguments.kwonlyargs][max(0, bound - len(arguments.posonlyargs)) :]
    }
    keyword_names -= {a.arg for a in arguments.posonlyargs}
    problems = []
    starred = any(isinstance(a, ast.Starred) for a in node.args)
    if not starred and arguments.vararg is None and len(node.args) > len(positional):
        problems.append(f"{len(node.args)} positional arguments, at most {len(positional)} accepted")
    if arguments.kwarg is None:
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg not in keyword_names:
                problems.append(f"no parameter {keyword.arg!r}")
    if problems:
        report.failures.append(f"{what}(...): " + "; ".join(problems))
    else:
        keywords = ", ".join(k.arg for k in node.keywords if k.arg)
        report.checked.append(f"{what}({keywords})")
