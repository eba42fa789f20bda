"""Every command that writes a trained folder fits its sentence-frame model, with the examples it was given
or those of the folder it starts from, so a retrained descendant serves sentence frames as its parent did."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from framing.model.analyzer import Analyzer
from framing.model.folder import ModelFolder
from framing.model.layout import SENTENCE_FRAME_EXAMPLES, SENTENCE_FRAME_FILES
from framing.service.cli import main
from framing.training.readers import read_semeval_folder
from framing.training.sentence_frame_fit import read_examples

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "sentence-frames" / "examples.jsonl"
TINY = {"max_steps": 2, "checkpoint_every": 2, "heldout_fraction": 0.34, "threads": 1, "fold_assignments": 1}


def settings_file(tmp_path: Path, **extra) -> Path:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({**TINY, **extra}), encoding="utf-8")
    return path


def examples_file(tmp_path: Path, n: int) -> Path:
    """The first `n` team-written examples: enough to see them carried, few enough to fit in seconds."""
    path = tmp_path / f"examples-{n}.jsonl"
    path.write_text("".join(EXAMPLES.read_text(encoding="utf-8").splitlines(keepends=True)[:n]), encoding="utf-8")
    return path


def fit_record(model: Path) -> dict:
    fitted = ModelFolder(model).sentence_frames()
    assert fitted is not None, f"{model} has no sentence-frame model"
    return fitted.settings


def test_train_fits_sentence_frames_and_descendants_refit_them_with_the_same_examples(
        sample_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from test_retrain import write_corrections

    examples = examples_file(tmp_path, 12)
    base = tmp_path / "base"
    assert main(["train", "--data", str(sample_corpus), "-o", str(base), "--config", str(settings_file(tmp_path)),
                 "--sentence-examples", str(examples)]) == 0
    record = fit_record(base)
    assert record["examples"] == 12 and record["settings"]["epochs"] == 10
    heldout = ModelFolder(base).heldout_ids()
    framed = [d for d in read_semeval_folder(sample_corpus) if d.frames is not None]
    assert record["articles"] == sum(1 for d in framed if d.id not in heldout) and record["heldout_excluded"] > 0
    assert read_examples(base / SENTENCE_FRAME_EXAMPLES) == read_examples(examples)
    assert "## Sentence frames" in (base / "MODEL_CARD.md").read_text(encoding="utf-8")
    analyzer = Analyzer.load(base)
    assert type(analyzer.scorer).__name__ == "SentenceFrameScorer"
    analyzer.analyze("The ministry cut the hospital budget again.", "x")

    # A descendant fine-tuned on corrections, given no examples, is fitted with its parent's, which the
    # parent keeps: the file it was trained with is gone.
    examples.unlink()
    child = tmp_path / "child"
    assert main(["train", "--data", str(sample_corpus), "--data", str(write_corrections(tmp_path / "fixes.jsonl")),
                 "--init-from", str(base), "-o", str(child), "--config", str(settings_file(tmp_path))]) == 0
    assert fit_record(child)["examples"] == 12
    assert read_examples(child / SENTENCE_FRAME_EXAMPLES) == read_examples(base / SENTENCE_FRAME_EXAMPLES)
    capsys.readouterr()

    # Recalibrating the base (whose recorded config names the deleted file) uses the examples it keeps.
    assert main(["calibrate", str(base), "--data", str(sample_corpus), "-o", str(tmp_path / "base-again")]) == 0
    assert fit_record(tmp_path / "base-again")["examples"] == 12

    # Recalibrating in place rewrites the folder and refits the model with the examples it held.
    assert main(["calibrate", str(child), "--data", str(sample_corpus), "--data", str(tmp_path / "fixes.jsonl")]) == 0
    assert fit_record(child)["examples"] == 12
    ModelFolder(child).check_hashes()

    # A refit reuses the folder's examples unless told otherwise.
    assert main(["fit-sentence-frames", str(child), "--data", str(sample_corpus), "--folds", "3"]) == 0
    assert "12 examples kept from the folder" in capsys.readouterr().out
    assert main(["fit-sentence-frames", str(child), "--data", str(sample_corpus), "--folds", "3",
                 "--no-examples"]) == 0
    assert fit_record(child)["examples"] == 0 and not (child / SENTENCE_FRAME_EXAMPLES).exists()
    ModelFolder(child).check_hashes()


def test_a_bad_examples_file_stops_training_before_it_starts_and_the_fit_can_be_left_out(
        sample_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
        caplog: pytest.LogCaptureFixture) -> None:
    from test_retrain import write_corrections

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "frame": "Astrology", "text": "Stars decide."}\n', encoding="utf-8")
    output = tmp_path / "never"
    assert main(["train", "--data", str(sample_corpus), "-o", str(output), "--config", str(settings_file(tmp_path)),
                 "--sentence-examples", str(bad)]) == 2
    assert "bad.jsonl:1: unknown frame 'Astrology'" in capsys.readouterr().err
    assert not output.exists()
    missing = tmp_path / "missing.jsonl"
    assert main(["crossval", "--data", str(sample_corpus), "-o", str(tmp_path / "run"), "-k", "2",
                 "--config", str(settings_file(tmp_path, sentence_frame_examples=str(missing)))]) == 2
    assert "cannot read the sentence examples" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()

    plain = tmp_path / "plain"  # with the fit off, an examples file named beside it is not even read
    assert main(["train", "--data", str(sample_corpus), "-o", str(plain), "--config", str(settings_file(tmp_path)),
                 "--no-sentence-frames", "--sentence-examples", str(bad)]) == 0
    assert not any((plain / name).exists() for name in (*SENTENCE_FRAME_FILES, SENTENCE_FRAME_EXAMPLES))

    # Data without article frames: the folder is written without the model, and the log says why.
    unframed = tmp_path / "unframed"
    with caplog.at_level(logging.WARNING, logger="framing.train"):
        assert main(["train", "--data", str(write_corrections(tmp_path / "fixes.jsonl")), "-o", str(unframed),
                     "--config", str(settings_file(tmp_path))]) == 0
    assert "written without it" in caplog.text
    assert ModelFolder(unframed).sentence_frames() is None
