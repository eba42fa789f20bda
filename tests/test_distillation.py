"""Distillation: a trained teacher's probabilities blended into the student's targets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from framing.model.analyzer import Analyzer
from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.taxonomy import TECHNIQUE_INDEX
from framing.service.cli import main
from framing.training import distillation
from framing.training.config import TrainConfig
from framing.training.dataset import build_example
from framing.training.readers import read_semeval_folder
from framing.training.train import train

pytestmark = pytest.mark.slow
TINY = {"max_steps": 4, "checkpoint_every": 2, "heldout_fraction": 0.34, "threads": 1, "baseline": False}


@pytest.fixture(scope="module")
def teacher(sample_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("teacher") / "model"
    train(read_semeval_folder(sample_corpus), folder, TrainConfig(**TINY, version="teacher"))
    return folder


def test_targets_move_the_given_share_of_the_way_to_the_teacher(sample_corpus: Path, teacher: Path,
                                                                tmp_path: Path) -> None:
    _, tokenizer, manifest, _ = ModelFolder(teacher).load_network()
    document = read_semeval_folder(sample_corpus)[0]
    example = build_example(document, tokenizer, manifest.window_length, manifest.stride)
    scores = distillation.teacher_scores(teacher, [example], tmp_path)[0]
    blended = distillation.blend(example, scores, 0.25)

    span = document.spans[0]
    t = TECHNIQUE_INDEX[span.technique]
    token = int(np.flatnonzero((example.encoded.token_offsets[:, 0] >= span.start)
                               & (example.encoded.token_word >= 0))[0])
    word = example.encoded.token_word[token]
    assert example.token_labels[token, t] == 1.0
    assert blended.token_labels[token, t] == pytest.approx(0.75 + 0.25 * scores.word_techniques[word, t])
    np.testing.assert_allclose(blended.sentence_labels,
                               0.75 * example.sentence_labels + 0.25 * scores.sentence_techniques, rtol=1e-6)
    np.testing.assert_allclose(blended.frame_labels, 0.75 * example.frame_labels + 0.25 * scores.article_frames,
                               rtol=1e-6)
    # Gold stays untouched: the class weights are computed from it.
    assert set(np.unique(example.token_labels)) <= {0.0, 1.0}


def test_student_trains_from_a_teacher_and_a_resumed_run_reuses_its_scores(
        sample_corpus: Path, teacher: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    documents = read_semeval_folder(sample_corpus)
    config = TrainConfig(**TINY, version="student", teacher_path=str(teacher), distillation_weight=0.5)
    work = tmp_path / "work"
    train(documents, tmp_path / "student", config, work_dir=work)
    assert (work / distillation.CACHE).is_file()
    assert Analyzer.load(tmp_path / "student").analyze("A shameful, reckless betrayal.").sentences

    def no_teacher(*args, **kwargs):
        raise AssertionError("the cached teacher scores should have been used")

    monkeypatch.setattr(ModelFolder, "load_network", no_teacher)
    train(documents, tmp_path / "again", config, work_dir=work)
    assert (tmp_path / "again" / "weights.safetensors").is_file()


def test_unweighting_undoes_what_a_positive_class_weight_does_to_the_optimum() -> None:
    # Weighted BCE with positive weight w is minimised at p = wq / (wq + 1 - q) for a label of rate q.
    rate = np.linspace(0.0, 1.0, 21)
    weight = np.array([1.0, 3.0, 10.0])[:, None]
    lifted = weight * rate / (weight * rate + 1 - rate)
    np.testing.assert_allclose(distillation.unweighted(lifted, weight), np.broadcast_to(rate, lifted.shape),
                               atol=1e-12)
    assert distillation.unweighted(np.array([0.5]), np.array([1.0]))[0] == 0.5  # weight 1 changes nothing


def test_blended_targets_use_the_teachers_unweighted_probabilities(sample_corpus: Path, teacher: Path,
                                                                  tmp_path: Path) -> None:
    _, tokenizer, manifest, _ = ModelFolder(teacher).load_network()
    example = build_example(read_semeval_folder(sample_corpus)[0], tokenizer, manifest.window_length,
                            manifest.stride)
    scores = distillation.teacher_scores(teacher, [example], tmp_path)[0]
    weights = distillation.ClassWeights(token=np.full(len(TECHNIQUE_INDEX), 4.0, dtype=np.float32),
                                        sentence=np.full(len(TECHNIQUE_INDEX), 9.0, dtype=np.float32),
                                        frame=np.full(len(example.frame_labels), 2.0, dtype=np.float32))
    blended = distillation.blend(example, scores, 1.0, weights)
    np.testing.assert_allclose(blended.sentence_labels,
                               distillation.unweighted(scores.sentence_techniques, 9.0), rtol=1e-5)
    np.testing.assert_allclose(blended.frame_labels, distillation.unweighted(scores.article_frames, 2.0), rtol=1e-5)
    # A weighted teacher's raw probability overstates the rate, so the targets sit below it.
    assert (blended.sentence_labels <= scores.sentence_techniques + 1e-6).all()
    assert blended.sentence_labels.sum() < scores.sentence_techniques.sum()


def test_a_teacher_path_without_a_model_is_refused_clearly(sample_corpus: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="is not a framing model directory"):
        distillation.teacher_scores(tmp_path / "empty", [], tmp_path)
    # From the command line: a clear message and exit status 2, not a traceback.
    (tmp_path / "config.json").write_text(json.dumps({"teacher_path": str(tmp_path / "empty"), **TINY}))
    assert main(["train", "--data", str(sample_corpus), "-o", str(tmp_path / "student"),
                 "--config", str(tmp_path / "config.json")]) == 2
    assert "is not a framing model directory" in capsys.readouterr().err
    # The same for a model to start from.
    assert main(["train", "--data", str(sample_corpus), "-o", str(tmp_path / "student"),
                 "--init-from", str(tmp_path / "empty"), "--max-steps", "1"]) == 2
    assert "is not a framing model directory" in capsys.readouterr().err
