"""No Docker engine runs here, so the Dockerfile's references are checked statically."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, arguments = full.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    assert not pending, "Dockerfile ends with a continuation line"
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions():
        if keyword == "FROM":
            found.append([])
        assert found, "the Dockerfile must start with FROM"
        found[-1].append((keyword, arguments))
    return found


def final_stage() -> list[tuple[str, str]]:
    return stages()[-1]


def copy_sources() -> list[str]:
    sources = []
    for keyword, arguments in instructions():
        if keyword not in ("COPY", "ADD"):
            continue
        parts = shlex.split(arguments)
        if any(part.startswith("--from") for part in parts):
            continue  # copied from another stage, not from the build context
        sources += [part for part in parts[:-1] if not part.startswith("--")]
    return sources


def dockerignore_patterns() -> list[str]:
    path = ROOT / ".dockerignore"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def excluded_from_context(path: str, patterns: list[str]) -> bool:
    """Docker's rule: a pattern matches a path or a folder above it, `!` makes an exception, and the
    last pattern that matches decides."""
    excluded = False
    for pattern in patterns:
        exception = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            excluded = not exception
    return excluded


def test_dockerignore_rule_reading() -> None:
    patterns = ["data", "!data/probes", "**/__pycache__"]
    assert excluded_from_context("data/training", patterns)
    assert not excluded_from_context("data/probes", patterns)
    assert not excluded_from_context("data/probes/loaded_pairs.jsonl", patterns)
    assert not excluded_from_context("model", ["data", "!data/probes"])


def test_every_copy_source_exists_and_reaches_the_build_context() -> None:
    sources = copy_sources()
    assert sources
    ignored = dockerignore_patterns()
    for source in sources:
        assert (ROOT / source).exists(), f"COPY source {source} is missing from the repository"
        assert not excluded_from_context(source, ignored), f"{source} is excluded by .dockerignore"
        if (ROOT / source).is_dir():
            for path in (ROOT / source).iterdir():
                if path.is_file() and path.suffix != ".pyc":
                    name = path.relative_to(ROOT).as_posix()
                    assert not excluded_from_context(name, ignored), f"{name} is excluded by .dockerignore"


def test_the_shipped_model_goes_into_the_image() -> None:
    """model/shipped is copied, and the package data carries it into the installed wheel."""
    assert "model/shipped" in copy_sources()
    shipped = ROOT / "model" / "shipped"
    assert (shipped / "framing.json").is_file(), "model/shipped has no trained model yet"
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]["framing.model"]
    assert any(pattern.startswith("shipped/") for pattern in package_data)


def test_the_probes_go_into_the_wheel() -> None:
    """data/probes reaches the build stage, where pyproject installs it as `framing.probes` with its
    JSONL files as package data: the promote gate of the image reads the team's probe."""
    build = stages()[0]
    copied = [shlex.split(arguments)[0] for keyword, arguments in build if keyword == "COPY"]
    assert "data/probes" in copied
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert setuptools["package-dir"]["framing.probes"] == "data/probes"
    patterns = setuptools["package-data"]["framing.probes"]
    assert any(fnmatch.fnmatch("loaded_pairs.jsonl", pattern) for pattern in patterns)
    snippets = python_snippets("RUN")
    assert any("default_pairs" in snippet for snippet in snippets), "the image does not check its probe"


def test_cmd_runs_the_installed_entry_point_serve() -> None:
    commands = [arguments for keyword, arguments in final_stage() if keyword == "CMD"]
    assert len(commands) == 1
    argv = json.loads(commands[0])  # exec form, so signals reach the server
    assert argv[0] in PYPROJECT["project"]["scripts"], f"{argv[0]} is not a console script"
    assert argv[1:] == ["serve"]
    from framing.service.cli import build_parser

    assert build_parser().parse_args(argv[1:]).command == "serve"


def test_port_and_host_come_from_the_environment() -> None:
    env = " ".join(arguments for keyword, arguments in final_stage() if keyword == "ENV")
    assert re.search(r"\bFRAMING_HOST=0\.0\.0\.0\b", env)
    port = re.search(r"\bFRAMING_PORT=(\d+)\b", env)
    assert port
    exposed = [arguments for keyword, arguments in final_stage() if keyword == "EXPOSE"]
    assert exposed == [port.group(1)]


def test_healthcheck_hits_healthz_with_python() -> None:
    checks = [arguments for keyword, arguments in final_stage() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert " CMD python " in f" {checks[0]}"
    assert "/healthz" in checks[0]
    assert "FRAMING_PORT" in checks[0]


def test_runs_as_a_non_root_user() -> None:
    users = [arguments for keyword, arguments in final_stage() if keyword == "USER"]
    assert users, "no USER: the service would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    # The USER comes after every RUN that installs something.
    keywords = [keyword for keyword, _ in final_stage()]
    assert max(i for i, k in enumerate(keywords) if k == "RUN") < keywords.index("USER")


def test_slim_python_base_and_cpu_torch() -> None:
    assert final_stage()[0][1].split()[0] == "python:3.11-slim"
    runs = " ".join(arguments for keyword, arguments in final_stage() if keyword == "RUN")
    torch_install = re.search(r"pip install [^&]*--index-url https://download\.pytorch\.org/whl/cpu [^&]*", runs)
    assert torch_install, "torch must come from PyTorch's CPU index"
    assert "torch==2.13.0" in torch_install.group().split()
    assert "torch==2.13.0" in PYPROJECT["project"]["dependencies"]


@pytest.mark.parametrize("extra", [None, "test", "ray", "report"])
def test_constraints_pin_every_dependency(extra: str | None) -> None:
    """The image (and README installs) use constraints.txt: every declared dependency is pinned there."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[normalise(name)] = version
    assert pins.get("torch") == "2.13.0"
    declared = PYPROJECT["project"]["dependencies"] if extra is None else PYPROJECT["project"][
        "optional-dependencies"][extra]
    for requirement in declared:
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group()
        assert normalise(name) in pins, f"{name} is not pinned in constraints.txt"


def python_snippets(keyword: str) -> list[str]:
    """The programs of `python -c "..."` in the given instructions, as the shell would pass them."""
    snippets = []
    for found, arguments in instructions():
        if found == keyword:
            words = shlex.split(arguments)
            snippets += [words[i + 1] for i, word in enumerate(words[:-1])
                         if word == "-c" and i > 0 and words[i - 1] == "python"]
    return snippets


def test_the_image_checks_run_against_the_installed_package() -> None:
    """The RUN checks import the project as installed: a renamed module fails here, not mid-build
    (the image's check once imported `framing.model.artifact` after that module had gone)."""
    import subprocess
    import sys

    snippets = python_snippets("RUN")
    assert any("framing" in snippet for snippet in snippets)
    for snippet in snippets:
        done = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{snippet!r} failed:\n{done.stderr[-2000:]}"
    for snippet in python_snippets("HEALTHCHECK"):
        compile(snippet, "HEALTHCHECK", "exec")
