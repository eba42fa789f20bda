"""The install maps the top-level folders, and data/probes, under the `framing` namespace; a folder
missing from the list would install without its modules (or its data) and fail only on a user's
machine."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
# What installs where: the three code folders, and the team's probes, which the promote gate reads
# (training/loaded_probe.py), so that an installed package gates a round as a clone does.
FOLDERS = {"framing.model": "model", "framing.training": "training", "framing.service": "service",
           "framing.probes": "data/probes"}
PROBE_FILES = ("loaded_pairs.jsonl", "loaded_pairs_heldout.jsonl")


def package_folders() -> set[str]:
    """Every folder under the mapped folders holding an __init__.py, as a dotted name."""
    names = set()
    for package, folder in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            names.add(".".join([package, *init.parent.relative_to(ROOT / folder).parts]))
    return names


def test_every_package_folder_is_installed() -> None:
    assert set(SETUPTOOLS["packages"]) == package_folders()


def test_top_level_folders_install_under_the_namespace() -> None:
    assert SETUPTOOLS["package-dir"] == FOLDERS


def test_installed_names_are_namespaced() -> None:
    import framing.model.analyzer

    assert Path(framing.model.analyzer.__file__).resolve() == ROOT / "model" / "analyzer.py"


def test_the_probe_files_are_package_data() -> None:
    patterns = SETUPTOOLS["package-data"]["framing.probes"]
    for name in PROBE_FILES:
        assert (ROOT / "data" / "probes" / name).is_file()
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), f"{name} would not be installed"


def test_the_gate_reads_the_probe_from_the_source_tree_in_a_clone() -> None:
    from framing.training.loaded_probe import LOADED_PAIRS, LOADED_PAIRS_HELDOUT, default_pairs

    assert default_pairs() == LOADED_PAIRS == ROOT / "data" / "probes" / "loaded_pairs.jsonl"
    assert LOADED_PAIRS_HELDOUT == ROOT / "data" / "probes" / "loaded_pairs_heldout.jsonl"


def test_an_installed_package_finds_its_probe(tmp_path: Path) -> None:
    """Lays the modules and the probe files out as a wheel installs them (by pyproject's package-dir,
    packages and package-data; the shipped model is left out) and imports them from there alone, the
    venv's editable install switched off (`-S`): the gate's default probe is the installed file."""
    site = tmp_path / "site"
    for package in SETUPTOOLS["packages"]:
        top = max((p for p in FOLDERS if package == p or package.startswith(p + ".")), key=len)
        source = ROOT / FOLDERS[top] / Path(*package[len(top) + 1 :].split(".") if package != top else ())
        target = site / Path(*package.split("."))
        target.mkdir(parents=True)
        files = set(source.glob("*.py"))
        if package == "framing.probes":
            files |= {path for pattern in SETUPTOOLS["package-data"][package] for path in source.glob(pattern)}
        for path in files:
            shutil.copy2(path, target / path.name)
    program = ("import sys; from framing.training.loaded_probe import default_pairs, load_pairs, LOADED_PAIRS_HELDOUT;"
               "p = default_pairs(); print(p); print(len(load_pairs(p)), len(load_pairs(LOADED_PAIRS_HELDOUT)))")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    done = subprocess.run([sys.executable, "-S", "-c", program], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    path, counts = done.stdout.splitlines()
    assert Path(path) == site / "framing" / "probes" / "loaded_pairs.jsonl"
    from framing.training.loaded_probe import load_pairs

    expected = [len(load_pairs(ROOT / "data" / "probes" / name)) for name in PROBE_FILES]
    assert [int(n) for n in counts.split()] == expected
