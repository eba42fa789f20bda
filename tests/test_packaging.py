"""The install maps the top-level folders under the `framing` namespace; a folder missing from the
list would install without its modules and fail only on a user's machine."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def package_folders() -> set[str]:
    """Every folder under model/, training/ and service/ holding an __init__.py, as a dotted name."""
    names = set()
    for top in ("model", "training", "service"):
        for init in (ROOT / top).rglob("__init__.py"):
            names.add("framing." + ".".join(init.parent.relative_to(ROOT).parts))
    return names


def test_every_package_folder_is_installed() -> None:
    assert set(SETUPTOOLS["packages"]) == package_folders()


def test_top_level_folders_install_under_the_namespace() -> None:
    assert SETUPTOOLS["package-dir"] == {f"framing.{top}": top for top in ("model", "training", "service")}


def test_installed_names_are_namespaced() -> None:
    import framing.model.analyzer

    assert Path(framing.model.analyzer.__file__).resolve() == ROOT / "model" / "analyzer.py"
