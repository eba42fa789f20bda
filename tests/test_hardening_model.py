"""Issue 16, point 4: registry version names stay inside `versions/`, model files are checked
against the sha256 recorded when the folder was saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from support import linked_copy

from framing.model.analyzer import Analyzer
from framing.model.folder import ModelFolder, ModelLoadError, RegistryError, check_version_name
from framing.model.layout import HASHES, MANIFEST, PROMOTED, TFIDF_SETTINGS, THRESHOLDS
from framing.training.registry import Registry

REPO = Path(__file__).resolve().parent.parent


def replace_file(path: Path, content: bytes) -> None:
    path.unlink()  # a hard link: never write through it
    path.write_bytes(content)


@pytest.fixture
def registry(tmp_path: Path, shipped_model_dir: Path) -> Path:
    root = tmp_path / "registry"
    linked_copy(shipped_model_dir, root / "versions" / "v1")
    (root / PROMOTED).write_text("v1\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("name", ["../../evil", "/abs/path", "..", ".", ".hidden", "-v", "v1/../v2", "v1\\x",
                                  "", "a" * 65, "v\u00e9", "v 1"])
def test_unsafe_version_names_are_refused(name: str) -> None:
    with pytest.raises(RegistryError, match="not a version name"):
        check_version_name(name)


@pytest.mark.parametrize("name", ["v1", "v12", "2026-11-27", "release_1.2.0", "A"])
def test_ordinary_version_names_are_accepted(name: str) -> None:
    assert check_version_name(name) == name


def test_promote_refuses_names_that_leave_the_registry(registry: Path, tmp_path: Path) -> None:
    evil = tmp_path / "evil"
    linked_copy(registry / "versions" / "v1", evil)  # a complete model outside the registry
    for name in (os.path.relpath(evil, registry / "versions"), str(evil)):
        with pytest.raises(RegistryError, match="not a version name"):
            Registry(registry).promote(name, force=True)
        env = {**os.environ, "FRAMING_REGISTRY": str(registry)}
        done = subprocess.run([sys.executable, "-m", "framing.service.cli", "models", "promote", name],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "not a version name" in done.stderr
    assert (registry / PROMOTED).read_text(encoding="utf-8").strip() == "v1"


def test_a_promoted_file_pointing_outside_is_refused_on_load(registry: Path, tmp_path: Path) -> None:
    evil = linked_copy(registry / "versions" / "v1", tmp_path / "evil")
    (registry / PROMOTED).write_text(os.path.relpath(evil, registry / "versions") + "\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="PROMOTED is refused"):
        ModelFolder.resolve(registry)
    (registry / PROMOTED).write_text(str(evil) + "\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="PROMOTED is refused"):
        ModelFolder.resolve(registry)
    # A version folder that is a symbolic link to somewhere else is refused too.
    (registry / "versions" / "v2").symlink_to(evil, target_is_directory=True)
    (registry / PROMOTED).write_text("v2\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="outside versions/"):
        ModelFolder.resolve(registry)


def test_the_shipped_model_records_and_passes_its_hashes(shipped_model_dir: Path) -> None:
    folder = ModelFolder(shipped_model_dir)
    recorded = folder.hashes()
    assert recorded is not None and {"weights.safetensors", THRESHOLDS, TFIDF_SETTINGS} <= set(recorded)
    folder.check_hashes()


@pytest.mark.parametrize("name", ["weights.safetensors", THRESHOLDS, "tfidf.safetensors", "tokenizer.json"])
def test_a_changed_model_file_is_refused_on_load(tmp_path: Path, shipped_model_dir: Path, name: str) -> None:
    folder = linked_copy(shipped_model_dir, tmp_path / "model")
    content = (folder / name).read_bytes()
    replace_file(folder / name, content[:-1] + bytes([content[-1] ^ 1]))
    with pytest.raises(ModelLoadError, match=f"{name} does not match the sha256"):
        Analyzer.load(folder)


def test_a_folder_without_hashes_loads_as_before_and_save_hashes_records_them(tmp_path: Path,
                                                                             shipped_model_dir: Path) -> None:
    folder = linked_copy(shipped_model_dir, tmp_path / "model")
    (folder / HASHES).unlink()
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    replace_file(folder / MANIFEST, json.dumps({**manifest, "version": "renamed"}).encode())
    assert Analyzer.load(folder).info.version == "renamed"  # no hashes: nothing to check; the manifest never is
    recorded = ModelFolder(folder).save_hashes()
    assert json.loads((folder / HASHES).read_text())["sha256"] == recorded
    assert MANIFEST not in recorded
    replace_file(folder / THRESHOLDS, b"{}")
    with pytest.raises(ModelLoadError, match="does not match"):
        ModelFolder(folder).load_network()


def test_saving_over_a_hard_linked_copy_replaces_its_files_and_never_writes_through(
        tmp_path: Path, shipped_model_dir: Path) -> None:
    """Every file a folder save writes (ours and those transformers writes) is replaced, not
    rewritten in place: the copy gets new files, the shipped folder it was linked from keeps its own."""
    copy = linked_copy(shipped_model_dir, tmp_path / "copy")
    folder = ModelFolder(copy)
    network, tokenizer, manifest, thresholds = folder.load_network(trainable=True)
    linked = {item.name: item.stat().st_ino for item in copy.iterdir() if item.is_file()}
    folder.save(network, tokenizer, manifest, replace(thresholds, span={name: 0.9 for name in thresholds.span}))
    rewritten = [name for name, inode in linked.items()
                 if (copy / name).is_file() and (copy / name).stat().st_ino == inode
                 and name in {"weights.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
                              MANIFEST, THRESHOLDS, HASHES}]
    assert rewritten == [], f"written in place: {rewritten}"
    ModelFolder(shipped_model_dir).check_hashes()
