"""Fine-tuning on corrections: lineage-clean held-out sets, the promote gate, and fresh annotations that count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framing.model.analyzer import Analyzer
from framing.model.folder import ModelFolder, RegistryError
from framing.model.manifest import Manifest
from framing.training.config import TrainConfig
from framing.training.data_sources import load_training_data
from framing.training.readers import read_semeval_folder
from framing.training.registry import Registry
from framing.training.train import train

pytestmark = pytest.mark.slow
TINY = {"max_steps": 4, "checkpoint_every": 2, "heldout_fraction": 0.34, "threads": 1, "fold_assignments": 2,
        "lexical_weight": 0.0}
SUBJECTS = ["The mercenaries", "Those mercenaries", "Foreign mercenaries", "The hired mercenaries"]
ACTIONS = ["stormed the village at dawn", "burned the grain stores", "blocked the only road north",
           "seized the port overnight", "fired on the market", "looted the clinic"]
NEUTRAL = ["The council met on Tuesday to discuss the budget.", "Rain is expected in the north this weekend.",
           "The library extended its opening hours.", "Ticket prices for the museum stay the same.",
           "The bridge repairs finished a week early.", "Farmers reported an average harvest."]


def write_corrections(path: Path) -> Path:
    """Invented corrections in the simple JSONL format: "mercenaries" marked as Name_Calling-Labeling."""
    records = []
    for i, (subject, action) in enumerate((s, a) for s in SUBJECTS for a in ACTIONS):
        text = f"{subject} {action}, witnesses said."
        start = text.index("mercenaries")
        records.append({"id": f"fix-{i:02d}", "text": text,
                        "spans": [{"start": start, "end": start + len("mercenaries"),
                                   "label": "Name_Calling-Labeling"}]})
    records += [{"id": f"ok-{i}", "text": text, "spans": []} for i, text in enumerate(NEUTRAL)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def split_of(model: Path) -> tuple[set[str], set[str]]:
    record = ModelFolder(model).data_record() or {}
    documents = record.get("documents", [])
    return ({d["id"] for d in documents if d["split"] == "train"},
            {d["id"] for d in documents if d["split"] == "heldout"})


def test_a_fine_tuned_model_is_held_out_only_on_articles_its_lineage_never_trained_on(
        sample_corpus: Path, tmp_path: Path) -> None:
    corpus = read_semeval_folder(sample_corpus)
    fresh = load_training_data([write_corrections(tmp_path / "fixes.jsonl")]).documents
    base = tmp_path / "base"
    train(corpus, base, TrainConfig(**TINY, baseline=False, version="b1"))
    base_train, base_heldout = split_of(base)

    # Another seed would draw another split; the lineage keeps the base's.
    child = tmp_path / "child"
    metrics = train([*corpus, *fresh], child, TrainConfig(**TINY, baseline=False, seed=5, version="c1"),
                    init_from=base)
    child_train, child_heldout = split_of(child)
    assert not child_heldout & base_train, "held out on articles the base trained on"
    assert base_heldout <= child_heldout
    fresh_heldout = child_heldout - base_heldout
    assert fresh_heldout and fresh_heldout <= {d.id for d in fresh}
    assert set(metrics.split.heldout_ids) == child_heldout
    assert "neither this model nor any model it was fine-tuned from" in metrics.split.protocol
    assert metrics.split.protocol in (child / "MODEL_CARD.md").read_text()
    lineage = (ModelFolder(child).data_record() or {})["lineage"]
    assert set(lineage["trained_ids"]) == base_train | child_train
    assert set(lineage["heldout_ids"]) == child_heldout

    # Recalibrating the child keeps its lineage's held-out articles and the lineage record.
    from framing.training.packaging import recalibrate

    recalibrated = tmp_path / "child-recalibrated"
    again = recalibrate(child, [*corpus, *fresh], recalibrated)
    assert split_of(recalibrated) == (child_train, child_heldout)
    assert set(again.split.heldout_ids) == child_heldout
    assert (ModelFolder(recalibrated).data_record() or {})["lineage"] == lineage
    assert "neither this model nor any model it was fine-tuned from" in again.split.protocol

    # A grandchild trained on the corrections alone still never holds out what its lineage trained on.
    grandchild = tmp_path / "grandchild"
    train(fresh, grandchild, TrainConfig(**TINY, baseline=False, seed=7, version="g1"), init_from=child)
    _, grandchild_heldout = split_of(grandchild)
    assert grandchild_heldout and not grandchild_heldout & (base_train | child_train)


def test_the_promote_gate_compares_versions_only_on_common_heldout_articles(
        sample_corpus: Path, tmp_path: Path) -> None:
    corpus = read_semeval_folder(sample_corpus)
    fresh = load_training_data([write_corrections(tmp_path / "fixes.jsonl")]).documents
    registry = Registry(tmp_path / "registry")
    config = {**TINY, "baseline": False}
    train(corpus, registry.version_dir("v1"), TrainConfig(**config, version="v1"))
    registry.promote("v1")
    # v2 never saw the corpus: it shares no held-out article with v1, so nothing fair compares them.
    train(fresh, registry.version_dir("v2"), TrainConfig(**config, version="v2"))
    with pytest.raises(RegistryError, match="no held-out articles in common"):
        registry.promote("v2")
    assert registry.promoted_version() == "v1"
    assert registry.promote("v2", force=True)
    registry.promote("v1", force=True)

    # v3, fine-tuned from v1 with fresh annotations, is held out on v1's articles plus fresh ones: the gate
    # needs the data to score both on the common ones, then judges by those figures.
    train([*corpus, *fresh], registry.version_dir("v3"), TrainConfig(**config, version="v3"),
          init_from=registry.version_dir("v1"))
    with pytest.raises(RegistryError, match="give the data"):
        registry.promote("v3")
    comparison = registry.compare("v3", [*corpus, *fresh])
    assert not isinstance(comparison, str) and comparison is not None
    assert comparison.basis == "rescored" and comparison.articles == len(split_of(registry.version_dir("v1"))[1])
    complaints = comparison.complaints("v1")
    if complaints:
        with pytest.raises(RegistryError, match="rescored on"):
            registry.promote("v3", documents=[*corpus, *fresh])
    else:
        registry.promote("v3", documents=[*corpus, *fresh])
        assert registry.promoted_version() == "v3"


def test_a_correction_round_finds_the_corrected_words_in_heldout_sentences(sample_corpus: Path,
                                                                             tmp_path: Path) -> None:
    """Repeated fresh annotations with a small replayed sample of the corpus: the corrected words are
    found in held-out sentences afterwards, judged on the same articles as the model before."""
    from framing.training.lineage import fresh_documents, read_lineage
    from framing.training.round_report import comparison_lines, judge

    corpus = read_semeval_folder(sample_corpus)
    fresh = load_training_data([write_corrections(tmp_path / "fixes.jsonl")]).documents
    base = tmp_path / "base"
    train(corpus, base, TrainConfig(**TINY, baseline=False, version="b1"))
    fresh_ids = {d.id for d in fresh_documents([*corpus, *fresh], read_lineage(base))}
    assert fresh_ids == {d.id for d in fresh}

    new = tmp_path / "new"
    round_config = {**TINY, "max_steps": None, "epochs": 1.0, "fresh_repeats": 4, "replay_articles": 2}
    metrics = train([*corpus, *fresh], new, TrainConfig(**round_config, baseline=False, version="b2"),
                    init_from=base)
    heldout_ids = set(metrics.split.heldout_ids)
    heldout = [d for d in [*corpus, *fresh] if d.id in heldout_ids]
    before, after = judge(Analyzer.load(base), heldout, fresh_ids), judge(Analyzer.load(new), heldout, fresh_ids)
    assert before.fresh_spans == after.fresh_spans > 0
    # The base barely trained marks words everywhere, so it "finds" corrected words too: the round must
    # find at least as many with at most half the false marks (words marked outside the corrections).
    # (Calibration's identification pass lowers span thresholds, so the F1 margin is 0.15, not 0.2.)
    assert after.fresh_found >= before.fresh_found
    assert after.fresh_extra * 2 <= before.fresh_extra, comparison_lines("b1", before, "b2", after)
    assert after.fresh_f1 > before.fresh_f1 + 0.15, comparison_lines("b1", before, "b2", after)
    assert after.corpus is not None and after.corpus_articles == len(heldout_ids - fresh_ids)
    # One epoch was the replayed sample and each fresh training sentence four times.
    fresh_train = len(fresh) - len(heldout_ids & fresh_ids)
    finished = json.loads((tmp_path / "new.work" / "finished.json").read_text())
    assert finished["step"] == fresh_train * 4 + 2


def test_retrain_runs_a_round_on_a_registry_from_the_feedback_database(
        sample_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from framing.service.cli import main
    from framing.training.feedback_store import FeedbackStore

    registry = Registry(tmp_path / "registry")
    # v1 serves a sentence-technique model: its descendants inherit the share and fit their own.
    train(read_semeval_folder(sample_corpus), registry.version_dir("v1"),
          TrainConfig(**TINY, baseline=False, version="v1", sentence_technique_weight=0.2))
    args = ["retrain", "--registry", str(registry.root), "--corpus", str(sample_corpus)]
    assert main([*args, "--data", str(tmp_path / "none.jsonl")]) == 2
    assert "no promoted version" in capsys.readouterr().err
    registry.promote("v1")
    assert main(args) == 2
    assert "--db" in capsys.readouterr().err

    db = tmp_path / "feedback.sqlite3"
    fixes = load_training_data([write_corrections(tmp_path / "fixes.jsonl")]).documents
    with FeedbackStore(db) as store:
        for document in fixes:
            store.add(document.text, [{"start": s.start, "end": s.end, "label": s.technique} for s in document.spans],
                      None, "v1")
    settings = tmp_path / "round.json"
    settings.write_text(json.dumps({"max_steps": 6, "replay_articles": 2, "threads": 1, "fold_assignments": 2}))
    caplog.set_level(logging.INFO, logger="framing.train")
    code = main([*args, "--db", str(db), "--config", str(settings), "--promote"])
    out, err = capsys.readouterr()
    assert "v2 fine-tuned from v1" in out and "corrected spans found" in out
    # Both versions were run on the team's loaded-language probe too (this is a clone: the default file).
    assert "probe recall" in out and "probe false alarms" in out
    assert "judging v1 and v2 on the same" in caplog.text and "step 6/6" in caplog.text
    base_train, _ = split_of(registry.version_dir("v1"))
    _, heldout = split_of(registry.version_dir("v2"))
    assert heldout and not heldout & base_train
    round_report = json.loads((registry.version_dir("v2") / "report" / "round.json").read_text(encoding="utf-8"))
    assert len(round_report["loaded_probe"]["after"]["pairs"]) >= 60
    assert Manifest.load(registry.version_dir("v2")).sentence_technique_weight == 0.2
    assert ModelFolder(registry.version_dir("v2")).sentence_techniques().settings["documents"] > 0
    assert not registry.work_dir("v2").exists()
    if code == 0:
        assert registry.promoted_version() == "v2" and "promoted v2" in out
    else:  # the gate refused: the round's figures on the common held-out articles say why
        assert code == 2 and "refusing to promote v2" in err
        assert "rescored on" in err or "loaded-language probe" in err
        assert registry.promoted_version() == "v1"


def test_round_figures_count_false_marks_in_words_so_a_grown_span_finds_nothing_for_free() -> None:
    import numpy as np

    from framing.model.decoding import build_analysis
    from framing.model.schema import ModelInfo
    from framing.model.scores import DocumentScores, PreparedText
    from framing.model.taxonomy import FRAMES, TECHNIQUE_INDEX, TECHNIQUES
    from framing.model.thresholds import Thresholds
    from framing.training.documents import Document, GoldSpan
    from framing.training.round_report import found_spans

    text = "Officials said the thugs looted the old market overnight."
    document = Document(id="fix-1", text=text, spans=[GoldSpan("Name_Calling-Labeling", 19, 24)])
    prepared = PreparedText.from_text(text)

    def marked(words: slice) -> tuple[int, int]:
        scores = DocumentScores(np.zeros((len(prepared.words), len(TECHNIQUES)), dtype=np.float32),
                                np.zeros((len(prepared.sentences), len(TECHNIQUES)), dtype=np.float32),
                                np.zeros((len(prepared.sentences), len(FRAMES)), dtype=np.float32),
                                np.zeros(len(FRAMES), dtype=np.float32))
        scores.word_techniques[words, TECHNIQUE_INDEX["Name_Calling-Labeling"]] = 0.9
        analysis = build_analysis(prepared, scores, Thresholds(), ModelInfo(name="t", version="0"))
        return found_spans([document], [prepared], [analysis])

    assert marked(slice(3, 4)) == (1, 0)  # "thugs" alone
    # "Officials said the thugs looted the old market overnight": found, with 8 words marked besides it.
    assert marked(slice(0, 9)) == (1, 8)



def test_a_round_holds_corrections_out_whatever_the_base_recipe_trains_only(tmp_path: Path,
                                                                            shipped_model_dir: Path) -> None:
    """The shipped recipe trains every `simple` document (the team's sentences); a round from it must
    still hold a share of its corrections out, or it has nothing to judge them on."""
    from framing.training.retrain import round_config

    assert "simple" in ModelFolder(shipped_model_dir).manifest().extra["config"]["train_only_formats"]
    config = round_config(shipped_model_dir, "v2", None, None)
    assert config.train_only_formats == ["semeval2021", "babe"]
    assert (config.epochs, config.fresh_repeats, config.replay_articles) == (1.0, 4, 40)
    # A --config file still has the last word.
    settings = tmp_path / "round.json"
    settings.write_text(json.dumps({"train_only_formats": ["simple"]}), encoding="utf-8")
    assert round_config(shipped_model_dir, "v2", settings, None).train_only_formats == ["simple"]


def test_a_versions_corpus_figures_do_not_move_with_the_fresh_sentences_judged_beside_them(
        sample_corpus: Path, tmp_path: Path, analyzer: Analyzer) -> None:
    """Corpus articles are cross-fitted among themselves: two rounds holding out different numbers of
    corrections judge the base version identically on the same articles."""
    from framing.training.round_report import judge

    corpus = read_semeval_folder(sample_corpus)
    fresh = load_training_data([write_corrections(tmp_path / "fixes.jsonl")]).documents
    alone = judge(analyzer, corpus, set(), assignments=2)
    beside = judge(analyzer, [*corpus, *fresh], {d.id for d in fresh}, assignments=2)
    assert alone.corpus is not None and beside.corpus == alone.corpus
    assert alone.counts is not None and beside.counts is not None and (beside.counts == alone.counts).all()
    assert beside.fresh_articles == len(fresh) and beside.fresh_spans > 0
