"""The layers keep their direction: interfaces over domain apps over the shared kernel; config only wires.

    api, web, demo  →  recovery  →  complaints  →  integrations  →  outbox  →  staff  →  core

A package imports only packages of the layers after its own: never one before it, nor another
package of its own layer (the pages in ``web`` never call the API, nor the API the pages). Nothing
imports ``config``, which only wires them together.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [{"api", "web", "demo"}, {"recovery"}, {"complaints"}, {"integrations"}, {"outbox"}, {"staff"}, {"core"}]
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


# recovery's parts, each importing only its own part and those of the layers after it: the tasks and entry
# points over the sweep, the sweep over the decisions it takes (approvals, surveys), those over customers,
# customers over compensation and notices, everything over the models. (progress: what the customer's status page
# shows, which reads the surveys; apps: the app's wiring, which hands its parts' emails to the outbox.)
RECOVERY_LAYERS = [
    {"tasks", "admin", "actions", "management", "migrations", "apps"},
    {"reminders", "progress"},
    {"approvals", "surveys"},
    {"customers"},
    {"compensation", "notices", "metrics"},
    {"filters"},
    {"models"},
]


def recovery_parts_imported(path: Path) -> set[str]:
    """The parts of ``recovery`` that the module at ``path`` imports."""
    parts = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "recovery":
                parts |= {alias.name for alias in node.names}
            elif node.module.startswith("recovery."):
                parts.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            parts |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("recovery.")}
    return parts


def test_each_part_of_recovery_imports_only_its_own_part_and_the_layers_after_it():
    layer_of = {part: index for index, members in enumerate(RECOVERY_LAYERS) for part in members}
    offenders = {}
    for path in sorted((ROOT / "recovery").rglob("*.py")):
        relative = path.relative_to(ROOT / "recovery")
        if relative.name == "__init__.py" and len(relative.parts) == 1:
            continue
        part = relative.parts[0].removesuffix(".py")
        assert part in layer_of, f"recovery/{relative}: part {part!r} is in no layer of RECOVERY_LAYERS"
        wrong = {other for other in recovery_parts_imported(path) - {part} if layer_of.get(other, -1) <= layer_of[part]}
        if wrong:
            offenders[str(relative)] = sorted(wrong)
    assert not offenders
