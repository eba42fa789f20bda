"""The model folder owner: how a folder is found (shipped, plain, registry), read, written, and refused."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from framing.model.analyzer import Analyzer
from framing.model.article_frames import ArticleFrameFormatError, ArticleFrameModel
from framing.model.folder import SHIPPED_MODEL_DIR, ModelFolder, ModelLoadError, RegistryError
from framing.model.layout import BASELINE_THRESHOLDS, MANIFEST, METRICS, THRESHOLDS, WEIGHTS
from framing.model.manifest import Manifest
from framing.model.sentence_frames import SentenceFrameFormatError, SentenceFrameModel
from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.model.tfidf import BaselineScorer, TfidfFormatError
from framing.model.thresholds import Thresholds
from framing.service.cli import main

TEXT = "The brutal, barbaric terrorists slaughtered innocent civilians. Officials met on Monday."


def linked_model(source: Path, target: Path, **manifest_changes) -> Path:
    """`source`'s model files as symlinks in `target`, with its own manifest (changed as asked)."""
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_file() and item.name != MANIFEST:
            (target / item.name).symlink_to(item.resolve())
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    for key, value in manifest_changes.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    (target / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return target


def make_registry(root: Path, source: Path, promoted: str | None = "v1") -> Path:
    linked_model(source, root / "versions" / "v1", version="v1")
    if promoted:
        (root / "PROMOTED").write_text(promoted + "\n", encoding="utf-8")
    return root


# ------------------------------------------------------------------------------------- resolving

def test_resolve_finds_the_shipped_model_a_plain_folder_and_a_registry_version(tmp_path: Path,
                                                                               shipped_model_dir: Path) -> None:
    assert ModelFolder.resolve(None).path == SHIPPED_MODEL_DIR
    assert ModelFolder.resolve(shipped_model_dir).path == shipped_model_dir
    registry = make_registry(tmp_path / "registry", shipped_model_dir)
    folder = ModelFolder.resolve(registry)
    assert folder.path == registry / "versions" / "v1"
    assert folder.manifest().version == "v1"
    assert ModelFolder.resolve(folder) is folder


def test_resolve_refuses_what_it_cannot_serve(tmp_path: Path, shipped_model_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="not a framing model directory"):
        ModelFolder.resolve(tmp_path / "gone")
    assert ModelFolder.resolve(tmp_path / "gone", check=False).path == tmp_path / "gone"
    with pytest.raises(RegistryError, match="no version is promoted"):
        ModelFolder.resolve(make_registry(tmp_path / "unpromoted", shipped_model_dir, promoted=None))
    with pytest.raises(RegistryError, match="'v7' is missing"):
        ModelFolder.resolve(make_registry(tmp_path / "dangling", shipped_model_dir, promoted="v7"))


def test_accessors_read_each_file_of_the_shipped_model() -> None:
    folder = ModelFolder.shipped()
    assert folder.manifest().techniques == list(TECHNIQUES) and folder.manifest().frames == list(FRAMES)
    assert folder.metrics() == json.loads((folder.path / METRICS).read_text(encoding="utf-8"))
    assert folder.thresholds() == Thresholds.load(folder.path / THRESHOLDS)
    assert folder.baseline_thresholds() == Thresholds.load(folder.path / BASELINE_THRESHOLDS)
    assert folder.heldout_ids() == set(folder.metrics()["split"]["heldout_ids"])
    assert "framing" in (folder.model_card() or "").lower()
    assert folder.has_tfidf()
    empty = ModelFolder(Path("/nonexistent"))
    assert empty.metrics() == {} and empty.data_record() is None and empty.model_card() is None


# ---------------------------------------------------------------------------------- label order

@pytest.mark.parametrize(
    ("changes", "message"),
    [({"techniques": [TECHNIQUES[1], TECHNIQUES[0], *TECHNIQUES[2:]]}, "technique labels are in another order"),
     ({"frames": list(FRAMES[:-1])}, f"{len(FRAMES) - 1} frame labels, this version has {len(FRAMES)}"),
     ({"frames": "Economic"}, "not a list of names")],
)
def test_a_folder_with_another_label_order_is_refused(tmp_path: Path, shipped_model_dir: Path,
                                                      changes: dict, message: str, capsys) -> None:
    folder = linked_model(shipped_model_dir, tmp_path / "model", **changes)
    with pytest.raises(ModelLoadError, match=message):
        Analyzer.load(folder)
    assert main(["analyze", "--model", str(folder), "text"]) == 2
    assert message in capsys.readouterr().err


def test_a_folder_without_a_recorded_label_order_loads_as_before(tmp_path: Path, shipped_model_dir: Path,
                                                                 analyzer: Analyzer) -> None:
    legacy = linked_model(shipped_model_dir, tmp_path / "legacy", techniques=None, frames=None)
    assert "techniques" not in json.loads((legacy / MANIFEST).read_text(encoding="utf-8"))
    assert ModelFolder(legacy).manifest().techniques is None
    loaded = Analyzer.load(legacy)
    assert loaded.analyze(TEXT).model_dump(exclude={"model"}) == analyzer.analyze(TEXT).model_dump(exclude={"model"})


# --------------------------------------------------------------------------------------- saving

def test_save_records_this_versions_label_order_and_the_tfidf_files(tmp_path: Path) -> None:
    """The network's outputs are in this version's order, whatever the manifest handed in says."""
    saved: list[Path] = []
    network = SimpleNamespace(
        state_dict=lambda: {"head.weight": torch.ones(2, 2)},
        encoder=SimpleNamespace(config=SimpleNamespace(save_pretrained=lambda d: saved.append(Path(d)))))
    tokenizer = SimpleNamespace(save_pretrained=lambda d: saved.append(Path(d)))
    tfidf = SimpleNamespace(save=lambda d: (Path(d) / "tfidf.json").write_text("{}"))
    manifest = Manifest(version="9.9.9", techniques=None, frames=["Economic"])
    folder = ModelFolder(tmp_path / "out")
    folder.save(network, tokenizer, manifest, Thresholds(), tfidf=tfidf, tfidf_thresholds=Thresholds())
    written = json.loads((folder.path / MANIFEST).read_text(encoding="utf-8"))
    assert written["techniques"] == list(TECHNIQUES) and written["frames"] == list(FRAMES)
    assert written["version"] == "9.9.9" and manifest.frames == ["Economic"], "the caller's manifest is untouched"
    # transformers' files are written to a staging folder inside the model folder, then moved in
    assert len(saved) == 2 and all(d.parent == folder.path and d.name.startswith(".pretrained.") for d in saved)
    assert not any(d.exists() for d in saved), "the staging folder is removed"
    for name in (WEIGHTS, THRESHOLDS, BASELINE_THRESHOLDS, "tfidf.json"):
        assert (folder.path / name).is_file(), name
    folder.save_metrics({"summary": {}})
    assert folder.metrics() == {"summary": {}}


# ------------------------------------------------------------------------------ CLI on a registry

def test_analyze_serves_a_registrys_promoted_version(tmp_path: Path, shipped_model_dir: Path, capsys) -> None:
    registry = make_registry(tmp_path / "registry", shipped_model_dir)
    assert main(["analyze", "--model", str(registry), "--id", "r1", TEXT]) == 0
    analysis = json.loads(capsys.readouterr().out)
    assert analysis["id"] == "r1" and analysis["model"]["version"] == "v1"


def test_batch_serves_a_registrys_promoted_version_like_analyze(tmp_path: Path, shipped_model_dir: Path,
                                                                capsys) -> None:
    registry = make_registry(tmp_path / "registry", shipped_model_dir)
    source = tmp_path / "docs.jsonl"
    source.write_text(json.dumps({"id": "d1", "text": TEXT}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(source), "-o", str(out), "--model", str(registry), "--workers", "1",
                 "--no-progress"]) == 0
    [line] = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["id"] == "d1" and json.loads(line)["model"]["version"] == "v1"

    (registry / "PROMOTED").unlink()
    capsys.readouterr()
    assert main(["batch", str(source), "-o", str(tmp_path / "other.jsonl"), "--model", str(registry),
                 "--workers", "1", "--no-progress"]) == 2
    assert "no version is promoted" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("settings", "arrays", "load", "error", "expected"),
    [("tfidf.json", "tfidf.safetensors", BaselineScorer.load, TfidfFormatError, "framing-tfidf/1"),
     ("article_frames.json", "article_frames.safetensors", ArticleFrameModel.load, ArticleFrameFormatError,
      ArticleFrameModel.FORMAT),
     ("sentence_frames.json", "sentence_frames.safetensors", SentenceFrameModel.load, SentenceFrameFormatError,
      "framing-sentence-frames/1")],
)
def test_a_part_saved_in_another_format_is_refused_naming_both_formats(
        tmp_path: Path, shipped_model_dir: Path, settings: str, arrays: str, load, error, expected: str) -> None:
    raw = json.loads((shipped_model_dir / settings).read_text(encoding="utf-8"))
    (tmp_path / settings).write_text(json.dumps({**raw, "format": "other/1"}), encoding="utf-8")
    (tmp_path / arrays).symlink_to(shipped_model_dir / arrays)
    with pytest.raises(error, match=f"{settings}: format 'other/1', expected '{expected}'"):
        load(tmp_path)
    (tmp_path / settings).write_text("[]", encoding="utf-8")
    with pytest.raises(error, match=f"{settings}: format 'list', expected '{expected}'"):
        load(tmp_path)
