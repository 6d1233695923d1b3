"""The project's code reaches no library's private internals.

A name starting with one underscore is a library's own business: it changes or goes away
in any release, without a deprecation, and a patch built on it breaks silently. This scan
reads the project's modules (not the tests) and fails on
- an attribute whose name starts with `_` (not a dunder) read or written on anything but
  `self`, `cls` or one of our own modules;
- in a class of ours built on a library's class, a private name of that class: one
  read through `self`/`cls` that the class does not define itself, or one it overrides;
- an import from a private module of a third-party package (`from lib._x import ...`,
  `import lib._x`) or of a private name (`from lib import _x`).
What has no public equivalent goes in ALLOWED, with the reason; a measured patch that is
worth keeping lives whole in one module of PATCHES, which guards itself by the libraries'
versions (storage/sqlite_in_loop.py, tested in test_sqlite_in_loop.py).
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bot", "handlers", "scheduler", "storage", "bench")
OURS = {*SCANNED, "tests"}

# (module path relative to the root, the private name) → why no public API serves.
ALLOWED: dict[tuple[str, str], str] = {
    ("bot/cli/parsing.py", "_"): (
        "argparse takes its words (usage, section titles, errors) from gettext, bound at its"
        " import as `argparse._`; the only public route is a compiled gettext catalog (.mo)"
        " per locale, a second source of texts beside Fluent"
    ),
}

# Modules that are a patch as a whole (see each one's docstring) → why it is kept.
PATCHES: dict[str, str] = {
    "storage/sqlite_in_loop.py": (
        "SQLite statements in the event loop: several times the throughput of aiosqlite's"
        " thread on the survey benchmark; SQLITE_IN_LOOP=false and a version guard"
    ),
}


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    name: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} {self.name}"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _ours(module: str | None, level: int) -> bool:
    return level > 0 or (module or "").split(".")[0] in OURS


def _own_module_names(tree: ast.Module) -> set[str]:
    """Names bound to our own modules (or to things imported from them)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name, 0):
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and _ours(node.module, node.level):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def _imported(tree: ast.Module) -> dict[str, str]:
    """Name in the module → the dotted path it was imported as, for third-party imports."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _ours(alias.name, 0):
                    bound = alias.asname or alias.name.split(".")[0]
                    names[bound] = alias.name if alias.asname else bound
        elif isinstance(node, ast.ImportFrom) and not _ours(node.module, node.level):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part)
        return found
    raise ImportError(dotted)


def _library_bases(node: ast.ClassDef, imported: dict[str, str]) -> list[type]:
    bases: list[type] = []
    for base in node.bases:
        dotted = ast.unparse(base)
        head, _, rest = dotted.partition(".")
        if head in imported:
            found = _resolve(imported[head] + ("." + rest if rest else ""))
            if isinstance(found, type):
                bases.append(found)
    return bases


def _inherited_hits(node: ast.ClassDef, bases: list[type], relative: str) -> list[Hit]:
    def inherited(name: str) -> bool:
        return any(hasattr(base, name) for base in bases)

    defined: set[str] = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            defined.add(item.name)
        elif isinstance(item, ast.Assign | ast.AnnAssign):
            targets = item.targets if isinstance(item, ast.Assign) else [item.target]
            defined.update(t.id for t in targets if isinstance(t, ast.Name))
    stored = {
        each.attr
        for each in ast.walk(node)
        if isinstance(each, ast.Attribute)
        and isinstance(each.ctx, ast.Store)
        and isinstance(each.value, ast.Name)
        and each.value.id in ("self", "cls")
    }
    hits = [
        Hit(relative, item.lineno, name, "overrides the library's")
        for item in node.body
        for name in _names_defined(item)
        if _private(name) and inherited(name)
    ]
    for each in ast.walk(node):
        if (
            isinstance(each, ast.Attribute)
            and _private(each.attr)
            and isinstance(each.value, ast.Name)
            and each.value.id in ("self", "cls")
            and (each.attr not in defined | stored or inherited(each.attr))
        ):
            hits.append(Hit(relative, each.lineno, each.attr, "inherited private attribute"))
    return hits


def _names_defined(item: ast.stmt) -> list[str]:
    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
        return [item.name]
    if isinstance(item, ast.Assign):
        return [t.id for t in item.targets if isinstance(t, ast.Name)]
    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
        return [item.target.id]
    return []


def _private_by_string(node: ast.expr, own: set[str]) -> str | None:
    """`vars(x)["_name"]`, `getattr(x, "_name")`, `setattr(x, "_name", …)`: the same reach
    spelled as a string."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "vars"
        and not (
            len(node.value.args) == 1
            and isinstance(node.value.args[0], ast.Name)
            and node.value.args[0].id in own
        )
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
        and _private(node.slice.value)
    ):
        return node.slice.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
        and len(node.args) >= 2
        and not (isinstance(node.args[0], ast.Name) and node.args[0].id in own)
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
        and _private(node.args[1].value)
    ):
        return node.args[1].value
    return None


def scan(path: Path) -> list[Hit]:
    relative = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    own = {"self", "cls", *_own_module_names(tree)}
    imported = _imported(tree)
    hits: list[Hit] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = _library_bases(node, imported)
            if bases:
                hits.extend(_inherited_hits(node, bases, relative))
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in own:
                continue
            hits.append(Hit(relative, node.lineno, node.attr, "private attribute"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if not _ours(alias.name, 0) and any(map(_private, alias.name.split("."))):
                    hits.append(Hit(relative, node.lineno, alias.name, "private module"))
        elif isinstance(node, ast.ImportFrom) and not _ours(node.module, node.level):
            module = node.module or ""
            if any(map(_private, module.split("."))):
                hits.append(Hit(relative, node.lineno, module, "private module"))
            for alias in node.names:
                if _private(alias.name):
                    hits.append(
                        Hit(relative, node.lineno, f"{module}.{alias.name}", "private name")
                    )
        elif isinstance(node, ast.expr) and (private := _private_by_string(node, own)):
            hits.append(Hit(relative, node.lineno, private, "private name by string"))
    return sorted(hits, key=lambda hit: hit.line)


def project_hits() -> list[Hit]:
    return [
        hit
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for hit in scan(path)
    ]


def test_no_private_internals_of_libraries() -> None:
    hits = [
        hit
        for hit in project_hits()
        if (hit.path, hit.name) not in ALLOWED and hit.path not in PATCHES
    ]
    assert not hits, "\n".join(map(str, hits))


def test_every_allowance_is_still_needed() -> None:
    hits = project_hits()
    used = {(hit.path, hit.name) for hit in hits}
    assert set(ALLOWED) <= used, set(ALLOWED) - used
    assert set(PATCHES) <= {hit.path for hit in hits}, "a patch module that patches nothing"


def test_the_scan_sees_what_it_is_meant_to(tmp_path: Path) -> None:
    """The scan itself: a library's private attribute and module are found, ours are not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import aiosqlite\n"
        "from sqlalchemy.orm import _typing\n"
        "from openpyxl.worksheet._write_only import WriteOnlyWorksheet\n"
        "import bot.views as views\n"
        "from storage import db\n"
        "class A:\n"
        "    def f(self, c: aiosqlite.Connection) -> None:\n"
        "        c._conn.cursor()\n"
        "        self._x = views._helper, db._private, self.__dict__\n"
        "class B(aiosqlite.Connection):\n"
        "    _own = 1\n"
        "    def _tx(self) -> None:\n"
        "        self._mine = self._own, self._tx, self._mine\n"
        "    def _execute(self) -> None:\n"
        "        self._conn.cursor()\n"
        "vars(aiosqlite)['_x'], getattr(views, '_y'), getattr(self, '_z')\n",
        encoding="utf-8",
    )
    found = sorted((hit.line, hit.name) for hit in scan(sample))
    assert found == [
        (2, "sqlalchemy.orm._typing"),
        (3, "openpyxl.worksheet._write_only"),
        (8, "_conn"),
        (14, "_execute"),
        (15, "_conn"),
        (16, "_x"),
    ]
