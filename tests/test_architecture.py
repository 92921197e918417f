"""The layers keep their direction: interfaces over domain apps over the shared kernel; config only wires.

    api, web (interfaces)  →  recovery  →  complaints  →  staff  →  core

A package imports only packages of the layers after its own: never one before it, nor another
package of its own layer (the pages in ``web`` never call the API, nor the API the pages). Nothing
imports ``config``, which only wires them together.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [{"api", "web"}, {"recovery"}, {"complaints"}, {"staff"}, {"core"}]
PACKAGES = sorted(set().union(*LAYERS))
OURS = {*PACKAGES, "config"}


def imports_of(package: str) -> dict[str, set[str]]:
    """For each module of ``package``: the top-level packages of ours that it imports."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = (names & OURS) - {package}
    return found


def allowed_below(package: str) -> set[str]:
    layer = next(index for index, members in enumerate(LAYERS) if package in members)
    return set().union(*LAYERS[layer + 1 :])


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_the_layers_below_it_and_never_config(package):
    allowed = allowed_below(package)
    offenders = {module: sorted(names - allowed) for module, names in imports_of(package).items() if names - allowed}
    assert not offenders


def test_the_layers_cover_every_package_of_ours():
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages == OURS
