"""The package's floors (docs/architecture.md): a module imports only from its own floor or
below. Read from the source with `ast`, every import counted, also those inside a function."""

import ast
from pathlib import Path
from typing import Dict, Iterator, Tuple

PACKAGE = Path(__file__).resolve().parents[1] / "attnat_allennlp"

# Each top-level module or subpackage of `attnat_allennlp`, by floor (docs/architecture.md).
FLOORS: Dict[str, int] = {
    "version": 0,
    "errors": 0,
    "doc_blocks": 0,
    "compat": 0,
    "jsonnet_library": 0,  # the old path of compat.jsonnet_library
    "data": 1,
    "modules": 1,
    "models": 2,
    "perturbations": 3,
    "interpret": 4,
    "training": 4,
    "study": 5,
    "predictors": 5,
    "bench": 5,
    "commands": 6,  # every subcommand: the argument parsing and a thin call into the library
    "__init__": 7,  # the plugin's entry point imports every package
}

# Imports that go up a floor today, each named in docs/architecture.md: (file, imported module).
KNOWN_UPWARD = {
    # `prepare_command` names the `prepare-attnat-data` recipe that writes a missing file, reading
    # the recipe list lazily, inside the function.
    ("errors.py", "attnat_allennlp.commands.prepare.recipes"),
}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports() -> Iterator[Tuple[str, str, int]]:
    """(file relative to the package, imported attnat_allennlp module, line) for every import."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
                if node.module == "attnat_allennlp":
                    names = [f"attnat_allennlp.{alias.name}" for alias in node.names]
            else:
                assert not (isinstance(node, ast.ImportFrom) and node.level), (
                    f"{relative}:{node.lineno}: a relative import; the package imports absolutely"
                )
                continue
            for name in names:
                if name.startswith("attnat_allennlp."):
                    yield relative, name, node.lineno


def _floor_of_file(relative: str) -> int:
    top = relative.split("/")[0].removesuffix(".py")
    assert top in FLOORS, (
        f"attnat_allennlp/{relative}: {top!r} has no floor; add it to FLOORS in "
        "tests/test_architecture.py and to docs/architecture.md"
    )
    return FLOORS[top]


def test_every_import_goes_down_or_stays_on_its_floor():
    upward = []
    for relative, name, line in imports():
        floor, target = _floor_of_file(relative), FLOORS[_part(name)]
        if target > floor and (relative, name) not in KNOWN_UPWARD:
            upward.append(
                f"attnat_allennlp/{relative}:{line} (floor {floor}) imports {name} (floor {target})"
            )
    assert not upward, "imports up a floor:\n" + "\n".join(upward)


def test_the_known_upward_imports_are_still_there():
    # An entry of KNOWN_UPWARD that no longer occurs is removed from the list and from the page.
    found = {(relative, name) for relative, name, _ in imports()}
    assert KNOWN_UPWARD <= found, KNOWN_UPWARD - found


def test_every_floor_is_on_the_page():
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    missing = [top for top in FLOORS if top != "__init__" and f"`{top}" not in page]
    assert not missing, f"docs/architecture.md does not name {missing}"


def subcommands_in_source() -> Dict[str, str]:
    """Registered name -> file of every `@Subcommand.register("name")` class in the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            for decorator in getattr(node, "decorator_list", []):
                call = decorator if isinstance(decorator, ast.Call) else None
                if (
                    call is not None
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "register"
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "Subcommand"
                ):
                    found[call.args[0].value] = path.relative_to(PACKAGE).as_posix()
    return found


def test_every_subcommand_is_in_commands_under_its_name():
    # docs/architecture.md: a subcommand is commands/NAME.py, NAME its name with `_` for `-`
    found = subcommands_in_source()
    misplaced = {
        name: path
        for name, path in found.items()
        if path != f"commands/{name.replace('-', '_')}.py"
    }
    assert len(found) >= 6 and not misplaced, misplaced
