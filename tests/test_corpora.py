"""The SemEval-2021 task 6 and BABE readers: their quirks are reported with file and line, never
fixed; detection tells the corpora apart; the data record and model card carry each licence."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from framing.service.cli import main
from framing.training.data_sources import LICENCES, OWN_ANNOTATIONS, load_training_data
from framing.training.documents import AnnotationError
from framing.training.import_formats import (
    TECHNIQUES_2021,
    detect_annotation_format,
    find_word_spans,
    read_annotations,
    read_babe_csv,
    read_semeval2021,
    split_format_prefix,
)

DATA = Path(__file__).resolve().parent.parent / "data"
SEMEVAL2021 = DATA / "sample-corpora" / "semeval2021-task6"
BABE = DATA / "sample-corpora" / "babe"
BABE_CSV = BABE / "babe_sample.csv"
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def spans_of(document) -> list[tuple[str, str]]:
    return [(span.technique, document.text[span.start:span.end]) for span in document.spans]


# --- SemEval-2021 task 6 -------------------------------------------------------------------------


def test_semeval2021_folder_maps_techniques_and_reads_all_three_files():
    result = read_annotations(SEMEVAL2021)
    assert result.format == "semeval2021" and detect_annotation_format(SEMEVAL2021) == "semeval2021"
    by_id = {d.id: d for d in result.documents}
    assert sorted(by_id) == ["11", "12", "14", "21_batch_2", "32_batch_2"]
    assert spans_of(by_id["11"]) == [("Questioning_the_Reputation", "MAYOR VOSKAR LIED AGAIN")]  # Smears
    assert spans_of(by_id["12"]) == [("Loaded_Language", "SHAMEFUL"),
                                     ("Name_Calling-Labeling", "TAX-HUNGRY BUREAUCRATS")]
    assert spans_of(by_id["14"]) == [("Appeal_to_Values", "FAMILY. FAITH. FREEDOM.")]
    assert spans_of(by_id["21_batch_2"]) == [("Appeal_to_Popularity", "EVERYONE IN BRELLAN")]  # dev file
    assert spans_of(by_id["32_batch_2"]) == [("Conversation_Killer", "IT IS WHAT IT IS.")]  # test file
    assert all(d.frames is None for d in result.documents)  # memes are not annotated for frames
    assert by_id["21_batch_2"].source == f"{SEMEVAL2021 / 'dev_set_task2.json'}:2"


def test_semeval2021_wrong_offset_is_reported_with_its_line_and_the_meme_skipped():
    problems = read_semeval2021(SEMEVAL2021).problems
    test_file = str(SEMEVAL2021 / "test_set_task2.json")
    (wrong,) = [p for p in problems if "31_batch_2" in p.reason]
    assert (wrong.source, wrong.line) == (test_file, 2)
    assert "text 'THERE WILL BE FLOODS!' does not match text[19:40] = ' THERE WILL BE FLOODS'" in wrong.reason


def test_semeval2021_conflicting_duplicate_is_reported_at_each_copy_and_both_skipped():
    problems = [p for p in read_semeval2021(SEMEVAL2021).problems if "'13'" in p.reason]
    assert [(Path(p.source).name, p.line) for p in problems] == [("training_set_task2.json", 32),
                                                                   ("test_set_task2.json", 26)]
    assert all("different text or spans: every copy skipped" in p.reason for p in problems)


def test_semeval2021_identical_duplicate_keeps_the_first(tmp_path):
    record = {"id": "7", "text": "LOCK THEM UP", "labels": []}
    (tmp_path / "training_set_task2.json").write_text(json.dumps([record]), encoding="utf-8")
    (tmp_path / "dev_set_task2.txt").write_text(json.dumps([record]), encoding="utf-8")  # the task's own suffix
    result = read_annotations(tmp_path)
    assert [d.source for d in result.documents] == [f"{tmp_path / 'training_set_task2.json'}:1"]
    (problem,) = result.problems
    assert problem.source == str(tmp_path / "dev_set_task2.txt") and problem.reason.endswith(") skipped")


def test_semeval2021_single_file_is_told_from_label_studio_and_strict_stops():
    test_file = SEMEVAL2021 / "test_set_task2.json"
    assert detect_annotation_format(test_file) == "semeval2021"
    assert detect_annotation_format(DATA / "sample-formats" / "labelstudio.json") == "labelstudio"
    assert [d.id for d in read_annotations(test_file).documents] == ["32_batch_2", "13"]
    with pytest.raises(AnnotationError, match="does not match") as raised:
        read_annotations(test_file, strict=True)
    assert raised.value.line == 2


def test_semeval2021_unknown_technique_and_bad_shapes_are_reported(tmp_path):
    path = tmp_path / "training_set_task2.json"
    path.write_text(json.dumps([
        {"id": "1", "text": "NO MORE", "labels": [{"start": 0, "end": 7, "technique": "Slogan"}]},
        {"id": "2", "text": "NO MORE"},
        {"id": "3", "text": "NO MORE", "labels": [{"start": 0}]},
    ], indent=1), encoding="utf-8")
    result = read_annotations(path)
    assert result.documents == []
    reasons = [p.reason for p in result.problems]
    assert "unknown technique 'Slogan' (did you mean 'Slogans'?)" in reasons[0]
    assert "missing 'labels'" in reasons[1]
    assert "expected an object with start, end and technique" in reasons[2]


def test_technique_table_covers_twenty_names_onto_our_taxonomy():
    from framing.model.taxonomy import TECHNIQUE_INDEX

    assert len(TECHNIQUES_2021) == 20 and len(set(TECHNIQUES_2021.values())) == 20
    assert set(TECHNIQUES_2021.values()) <= set(TECHNIQUE_INDEX)


# --- BABE ------------------------------------------------------------------------------------------


def test_babe_csv_with_bom_reads_words_as_loaded_language_spans():
    result = read_annotations(BABE_CSV)
    assert result.format == "babe" and detect_annotation_format(BABE_CSV) == "babe"
    assert detect_annotation_format(BABE) == "babe"
    by_id = {d.id: d for d in result.documents}
    assert sorted(by_id) == ["babe_sample-11", "babe_sample-2", "babe_sample-3", "babe_sample-4",
                             "babe_sample-5", "babe_sample-6"]
    assert spans_of(by_id["babe_sample-2"]) == [("Loaded_Language", "reckless spending spree")]  # merged
    assert by_id["babe_sample-3"].spans == []  # Non-biased, no words: a negative
    assert spans_of(by_id["babe_sample-4"]) == [("Loaded_Language", "Mob")]  # '"mob"' against “Mob”
    assert spans_of(by_id["babe_sample-5"]) == [("Loaded_Language", "the mob")]  # not every "the"
    assert spans_of(by_id["babe_sample-6"]) == [("Loaded_Language", "grifters")] * 2
    # A row whose quoted text spans two lines keeps the line it starts on; ' matches ’.
    assert spans_of(by_id["babe_sample-11"]) == [("Loaded_Language", "couldn’t"), ("Loaded_Language", "smug"),
                                                 ("Loaded_Language", "self-serving")]
    assert by_id["babe_sample-11"].text.startswith("Voters") and by_id["babe_sample-11"].frames is None
    assert all(d.frames is None for d in result.documents)


def test_babe_unusable_sentences_are_reported_with_their_lines():
    problems = {p.line: p for p in read_babe_csv(BABE).problems}
    assert sorted(problems) == [7, 8, 9, 10]
    assert all(p.source == str(BABE_CSV) for p in problems.values())
    assert "biased word 'dictator' not found as a whole word" in problems[7].reason
    assert "labelled Biased but no biased words" in problems[8].reason
    assert "labelled Non-biased but words marked ['slammed']" in problems[9].reason
    assert "label_bias 'No agreement'" in problems[10].reason
    with pytest.raises(AnnotationError, match="dictator") as raised:
        read_babe_csv(BABE_CSV, strict=True)
    assert raised.value.line == 7


@pytest.mark.parametrize(("text", "words", "found", "missing"), [
    ("A Radical plan, radical aims.", ["radical"], ["Radical", "radical"], []),  # case, every occurrence
    ("the mob and the police", ["the", "mob"], ["the mob"], []),  # a fragment only beside its phrase
    ("the end of the road", ["the"], ["the", "the"], []),  # alone, every occurrence
    ("a “crisis” again", ['"crisis"'], ["crisis"], []),  # quotes dropped from the listed word
    ("left-wing elites", ["left-wing", "elites"], ["left-wing elites"], []),
    ("radicalized youth", ["radical"], [], ["radical"]),  # whole words only
    ("smug, vain", ["smug", "vain"], ["smug", "vain"], []),  # punctuation between: two spans
    ("he demonized them", ["demoize"], [], ["demoize"]),
    ("no words", ["''"], [], ["''"]),
])
def test_find_word_spans(text, words, found, missing):
    spans, not_found = find_word_spans(text, words)
    assert [text[start:end] for start, end in spans] == found
    assert not_found == missing


def test_babe_file_level_errors_raise(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("\ufefftext;label_bias;biased_words\n\"unclosed;Biased;[]\n", encoding="utf-8")
    result = read_annotations(bad)  # detected by its header; the broken row is a record problem
    assert result.format == "babe" and result.documents == [] and len(result.problems) == 1
    with pytest.raises(AnnotationError, match="not a BABE CSV"):
        read_babe_csv(DATA / "sample-formats" / "simple.jsonl")
    with pytest.raises(AnnotationError, match="no BABE CSV files"):
        read_babe_csv(tmp_path / "..")


# --- detection across corpora, the data record, the model card --------------------------------------


def test_folder_with_two_corpora_must_be_named(tmp_path):
    shutil.copytree(SEMEVAL2021, tmp_path, dirs_exist_ok=True)
    shutil.copy(BABE_CSV, tmp_path)
    with pytest.raises(AnnotationError, match=r"several corpora \(semeval2021, babe\).*FORMAT=PATH"):
        read_annotations(tmp_path)
    data = load_training_data([f"babe={tmp_path}", Path(f"semeval2021={tmp_path}")])
    assert [s["format"] for s in data.sources] == ["babe", "semeval2021"]
    assert [s["documents"] for s in data.sources] == [6, 5]


def test_format_prefix_only_when_it_names_a_format_and_the_path_does_not_exist(tmp_path):
    assert split_format_prefix("babe=corpus/x.csv") == ("babe", Path("corpus/x.csv"))
    assert split_format_prefix("brat=corpus") == (None, Path("brat=corpus"))
    odd = tmp_path / "simple=odd.jsonl"
    odd.write_text("")
    assert split_format_prefix(odd) == (None, odd)


def test_three_corpora_together_record_their_licences(sample_corpus):
    data = load_training_data([sample_corpus, SEMEVAL2021, BABE_CSV, DATA / "sample-formats" / "simple.jsonl"])
    assert [(s["format"], s["licence"]) for s in data.sources] == [
        ("semeval", LICENCES["semeval"]), ("semeval2021", LICENCES["semeval2021"]), ("babe", LICENCES["babe"]),
        ("simple", OWN_ANNOTATIONS)]
    assert "AGPL-3.0" in LICENCES["babe"] and "research use" in LICENCES["semeval2021"]
    assert len({d.id for d in data.documents}) == len(data.documents) == 9 + 5 + 6 + 3
    assert len(data.problems) == 3 + 4


def test_model_card_lists_every_source_with_its_licence(tmp_path, shipped_model_dir):
    from framing.training.config import TrainConfig
    from framing.training.model_card import write_model_card
    from framing.training.reports import TrainingMetrics

    metrics = TrainingMetrics.load(shipped_model_dir / "metrics.json")
    data = load_training_data([SEMEVAL2021, BABE_CSV])
    card = write_model_card(tmp_path, metrics, TrainConfig(), {"sources": data.sources}).read_text()
    assert f"licence: {LICENCES['semeval2021']}" in card
    assert f"licence: {LICENCES['babe']}" in card
    assert "licensed AGPL-3.0" in card


def test_model_card_shows_sources_as_a_reader_can_follow_them(tmp_path, monkeypatch):
    from framing.training.model_card import shown_path

    repository, corpus = tmp_path / "clone", tmp_path / "shared" / "data" / "corpus"
    repository.mkdir()
    monkeypatch.chdir(repository)
    # An absolute path beside the clone reads as from its root (the card is written there); the data
    # record keeps the path as given, since retraining reads the lineage's data from it.
    assert shown_path(str(corpus)) == os.path.join("..", "shared", "data", "corpus")
    assert shown_path("data/training/loaded_labels.jsonl") == "data/training/loaded_labels.jsonl"
    far = Path(tmp_path.anchor, "srv", "corpora", "x")  # above the clone's parent: as given
    assert shown_path(str(far)) == str(far)


def test_annotations_check_names_the_new_formats(capsys):
    assert main(["annotations", "check", str(BABE_CSV), "--format", "babe"]) == 1  # it has bad records
    out, err = capsys.readouterr()
    assert "dictator" in out and "babe format, 6 document(s), 8 span(s), 0 with frame annotation, 4 bad" in err
    assert main(["annotations", "check", str(SEMEVAL2021)]) == 1
    assert "semeval2021 format, 5 document(s)" in capsys.readouterr().err


# --- the real corpora, when ../shared/data has them ----------------------------------------------


@pytest.mark.skipif(not (SHARED / "babe-sg2").is_dir() or not (SHARED / "semeval2021-task6-en").is_dir(),
                    reason="the corpora are not in ../shared/data")
def test_real_corpora_match_their_readmes():
    memes = read_annotations(SHARED / "semeval2021-task6-en")
    raw = [json.loads((SHARED / "semeval2021-task6-en" / f"{s}_set_task2.json").read_text(encoding="utf-8"))
           for s in ("training", "dev", "test")]
    assert [len(split) for split in raw] == [688, 63, 200] and sum(map(len, raw)) == 951
    offsets = [p for p in memes.problems if "does not match" in p.reason]
    assert len(offsets) == 5 and all(p.source.endswith("test_set_task2.json") for p in offsets)
    duplicates = [p for p in memes.problems if "appears 2 times" in p.reason]
    assert len(duplicates) == 2 and len(memes.problems) == 7
    assert len(memes.documents) == 951 - 3 - 2  # three memes with a bad span, both copies of 474_batch_2
    training_spans = Counter(span["technique"] for meme in raw[0] for span in meme["labels"])
    assert (training_spans["Loaded Language"], training_spans["Name calling/Labeling"],
            training_spans["Smears"]) == (543, 301, 202)

    sentences = read_annotations(SHARED / "babe-sg2")
    non_biased_with_words = sum("labelled Non-biased but words" in p.reason for p in sentences.problems)
    biased_without = sum("labelled Biased but no biased words" in p.reason for p in sentences.problems)
    not_found = {p.line for p in sentences.problems if "not found" in p.reason}
    with_spans = sum(bool(d.spans) for d in sentences.documents)
    assert with_spans + len(not_found) + non_biased_with_words == 1849  # sentences with words
    negatives = sum(not d.spans for d in sentences.documents)
    skipped = len({p.line for p in sentences.problems})
    assert len(sentences.documents) + skipped == 3674
    assert (negatives, biased_without, non_biased_with_words) == (1646, 178, 217)
    assert all(d.frames is None and {s.technique for s in d.spans} <= {"Loaded_Language"}
               for d in sentences.documents)
