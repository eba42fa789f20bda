"""The word stack: Loaded_Language and Name_Calling word scores from context and the corpus's words."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support import linked_copy

from framing.model.analyzer import Analyzer
from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.scores import DocumentScores, PreparedText
from framing.model.sentence_stack import PARTS, SentenceStack, StackingScorer
from framing.model.taxonomy import FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from framing.model.word_stack import (
    COLUMNS,
    FEATURES,
    STACKED,
    Lexicon,
    WordStack,
    WordStackFormatError,
    feature_names,
    features,
    stem,
    words_of,
)
from framing.training.config import TrainConfig
from framing.training.crossval import word_stack_recipe
from framing.training.documents import Document, GoldSpan
from framing.training.errors import TrainingError
from framing.training.sentence_stack import StackParts, fit_stack, nested_scores
from framing.training.word_stack import WordStackRecipe, lexicon_only, with_fresh_words, word_labels

T = len(TECHNIQUES)
LOADED = TECHNIQUE_INDEX["Loaded_Language"]
NAMING = TECHNIQUE_INDEX["Name_Calling-Labeling"]
NEUTRAL = ("the", "council", "met", "on", "monday", "and", "discussed", "a", "plan", "for", "roads")


def _document(i: int, rng: np.random.Generator, loaded: str = "vile") -> tuple[Document, PreparedText]:
    """A sentence of neutral words with `loaded` twice, marked Loaded_Language each time."""
    words = list(rng.choice(NEUTRAL, 12))
    words[3] = words[9] = loaded
    text = " ".join(words) + "."
    spans, start = [], 0
    for word in words:
        if word == loaded:
            spans.append(GoldSpan("Loaded_Language", start, start + len(word)))
        start += len(word) + 1
    return Document(f"d{i}", text, spans, kind="semeval"), PreparedText.from_text(text)


def _scores(prepared: PreparedText, rng: np.random.Generator) -> DocumentScores:
    """Uninformative network and TF-IDF scores: only the lexicon can tell the loaded word."""
    n = len(prepared.sentences)
    return DocumentScores(rng.uniform(0.05, 0.3, (len(prepared.words), T)).astype(np.float32),
                          rng.uniform(0.05, 0.3, (n, T)).astype(np.float32), np.zeros((n, 14), np.float32),
                          np.zeros(14, np.float32))


def _parts(documents: list[tuple[Document, PreparedText]], seed: int = 1) -> StackParts:
    rng = np.random.default_rng(seed)
    docs, prepared = [d for d, _ in documents], [p for _, p in documents]
    network = [_scores(p, rng) for p in prepared]
    tfidf = [_scores(p, rng) for p in prepared]
    own = [rng.uniform(0.05, 0.3, (len(p.sentences), T)).astype(np.float32) for p in prepared]
    return StackParts.of(docs, prepared, network, tfidf, own)


def test_the_lexicon_counts_marked_words_and_gives_unseen_ones_the_base_rate() -> None:
    gold = np.array([[True, False], [False, False], [False, True], [True, False]])
    lexicon = Lexicon.count([(["vile", "plan", "thug", "vile"], gold), (["plan", "once"], np.zeros((2, 2), bool))])
    assert lexicon.counts["vile"] == (2, 2, 0) and lexicon.counts["thug"] == (1, 0, 1)
    assert "once" not in lexicon.counts, "a rare unmarked word is not stored"
    assert lexicon.base == pytest.approx((2 / 6, 1 / 6))
    f = lexicon.features(["vile", "plan", "unseen", "--"])
    prior_ll = 1 / (1 + np.exp(-f[:, 0]))
    assert prior_ll[0] > prior_ll[2] > prior_ll[1], "marked word above the base rate, unmarked below"
    assert prior_ll[2] == pytest.approx(2 / 6) and f[2, 2] == 0.0 and f[3, 3] == 0.0


def test_word_labels_mark_the_words_a_span_overlaps() -> None:
    document, prepared = _document(0, np.random.default_rng(0))
    labels = word_labels(document, prepared)
    assert labels.shape == (len(prepared.words), len(STACKED))
    assert [w for w, m in zip(words_of(prepared), labels[:, 0], strict=True) if m] == ["vile", "vile"]
    assert not labels[:, 1].any()


def test_the_fitted_stack_learns_the_corpus_word_and_changes_only_the_stacked_techniques() -> None:
    rng = np.random.default_rng(0)
    parts = _parts([_document(i, rng) for i in range(30)])
    groups = [i % 3 for i in range(30)]
    stack = fit_stack(parts, range(30), groups=groups)
    assert stack.words is not None
    assert stack.words.fitted.tolist() == [True, False], "no Name_Calling marks: its word scores stay the network's"
    prior = dict(zip(FEATURES, stack.words.weights[0], strict=True))["prior_ll"]
    assert prior > 0.5, "with uninformative scores, the prior carries Loaded_Language"
    # Served on a new text: the corpus's loaded word outscores the neutral ones; other columns untouched.
    _, prepared = _document(99, np.random.default_rng(7))
    network, tfidf = _scores(prepared, rng), _scores(prepared, rng)
    out = stack.words.apply(prepared, network, network, tfidf)
    words = words_of(prepared)
    vile = [j for j, w in enumerate(words) if w == "vile"]
    other = [j for j, w in enumerate(words) if w in NEUTRAL]
    assert out.word_techniques[vile, LOADED].min() > out.word_techniques[other, LOADED].max()
    untouched = [t for t in range(T) if t != LOADED]
    assert np.array_equal(out.word_techniques[:, untouched], network.word_techniques[:, untouched])
    # Without groups (no folds to keep its priors honest) no word stack is fitted.
    assert fit_stack(parts, range(30)).words is None


def test_a_judged_fold_is_stacked_by_a_lexicon_that_never_counted_it() -> None:
    """A word marked only in fold 0's articles: judging fold 0, it is as unknown as a word never seen."""
    rng = np.random.default_rng(0)
    documents = [_document(i, rng, loaded="zorblax" if i % 3 == 0 else "vile") for i in range(30)]
    parts = _parts(documents)
    fold_of = [i % 3 for i in range(30)]
    served = [DocumentScores(n.word_techniques, n.sentence_techniques, n.sentence_frames, n.article_frames)
              for n in parts.network]
    judged = nested_scores(served, parts, fold_of, words=True)(0)
    assert parts.prepared is not None
    lexicon_words = set()
    for i in (j for j in range(30) if fold_of[j] == 0):
        words = words_of(parts.prepared[i])
        lexicon_words.update(words)
        net = parts.network[i]
        # Recompute the stacked score of every word with a lexicon that never saw "zorblax": the
        # served value must match the prior of an unseen word.
        stack = fit_stack(parts, [j for j in range(30) if fold_of[j] != 0],
                          groups=[fold_of[j] for j in range(30) if fold_of[j] != 0]).words
        assert stack is not None and "zorblax" not in stack.lexicon.counts
        expected = stack.apply(parts.prepared[i], served[i], net, parts.tfidf[i])
        assert np.allclose(judged[i].word_techniques, expected.word_techniques)
    assert "zorblax" in lexicon_words


def _word_stack(weights: np.ndarray | None = None) -> WordStack:
    lexicon = Lexicon({"regime": (10, 8, 0), "thugs": (4, 0, 4)}, (0.05, 0.02))
    return WordStack(weights if weights is not None else np.eye(len(STACKED), len(FEATURES)),
                     np.array([-1.0, -2.0]), np.ones(len(STACKED), dtype=bool), lexicon)


def test_the_word_stack_is_saved_inside_the_stack_file_and_bad_files_are_refused(tmp_path: Path) -> None:
    stack = SentenceStack(np.zeros((T, len(PARTS))), np.zeros(T), np.zeros(T, dtype=bool), _word_stack())
    stack.save(tmp_path)
    loaded = SentenceStack.load(tmp_path)
    assert loaded.words is not None
    assert np.allclose(loaded.words.weights, stack.words.weights) and loaded.words.lexicon == stack.words.lexicon
    raw = stack.to_json()
    for broken, message in ((dict(raw["words"], format="x"), "format"),
                            (dict(raw["words"], counts=[[1, 2]] * 2), "malformed"),
                            (dict(raw["words"], features=["a"]), "other techniques or features"),
                            (dict(raw["words"], weights=[[float("nan")] * len(FEATURES)] * 2), "finite"),
                            (dict(raw["words"], base=[0.0, 0.1]), "base rates")):
        with pytest.raises(ValueError, match=message):
            SentenceStack.from_json(dict(raw, words=broken))
    with pytest.raises(WordStackFormatError, match="shapes"):
        WordStack(np.zeros((2, 3)), np.zeros(2), np.ones(2, dtype=bool), stack.words.lexicon)


def test_a_folder_whose_stack_has_words_serves_them(tmp_path: Path, shipped_model_dir: Path) -> None:
    text = "The corrupt regime's thugs crushed the peaceful protest. Officials met on Monday."
    folder = linked_copy(shipped_model_dir, tmp_path / "model")
    shipped = ModelFolder(folder).sentence_stack()
    assert shipped is not None
    words = _word_stack()
    SentenceStack(shipped.weights, shipped.bias, shipped.fitted, words).save(folder)
    ModelFolder(folder).save_hashes()
    analyzer = Analyzer.load(folder)
    scorer = analyzer.scorer
    while not isinstance(scorer, StackingScorer):
        scorer = scorer.base  # type: ignore[attr-defined]
    assert scorer.stack.words is not None
    prepared, (served,) = analyzer.score([text])
    network = scorer.neural.score(prepared)[0]
    tfidf = scorer.lexical.score(prepared)[0]
    z = features(prepared[0], words_of(prepared[0]), network, tfidf, words.lexicon) @ words.weights.T + words.bias
    assert np.allclose(served.word_techniques[:, [LOADED, NAMING]], 1 / (1 + np.exp(-z)), atol=1e-6)
    (folder / "sentence_stack.json").unlink()
    (folder / "sentence_stack.json").write_text('{"format": "framing-sentence-stack/1", "words": {}}')
    with pytest.raises(ModelLoadError):
        ModelFolder(folder).sentence_stack()
    ModelFolder(shipped_model_dir).check_hashes()


def test_the_word_stack_needs_the_sentence_stack() -> None:
    with pytest.raises(ValueError, match="needs sentence_stack"):
        TrainConfig(word_stack=True)


def test_a_word_typed_decomposed_or_with_a_soft_hyphen_finds_its_lexicon_entry() -> None:
    import unicodedata

    lexicon = Lexicon({"régime": (10, 8, 0)}, (0.05, 0.02))
    typed = [unicodedata.normalize("NFD", "Régime"), "ré\u00adgime", "re\u200dgime", "régime"]
    words = words_of(PreparedText.from_text(" ".join(typed)))
    assert words[:3] == ["régime", "régime", "regime"]
    f = lexicon.features(words)
    assert f[0, 0] == f[1, 0] == f[3, 0] > f[2, 0], "decomposed and soft-hyphenated forms read the entry"
    saved = WordStack(np.zeros((2, len(FEATURES))), np.zeros(2), np.ones(2, dtype=bool),
                      Lexicon({unicodedata.normalize("NFD", "régime"): (4, 1, 0), "régime": (6, 2, 0)}, (0.1, 0.1)))
    assert WordStack.from_json(saved.to_json()).lexicon.counts == {"régime": (10, 3, 0)}, "merged on load"


def test_fresh_annotations_grow_the_lexicon_and_the_sums_decide_what_is_kept() -> None:
    ancestor = Lexicon({"vile": (5, 3, 0), "met": (1, 0, 0)}, (0.02, 0.01))
    fresh = [Document("f1", "The junta met again.", [GoldSpan("Name_Calling-Labeling", 4, 9)]),
             Document("f2", "The junta vile plan.", [])]
    stack = SentenceStack(np.zeros((len(TECHNIQUES), 3)), np.zeros(len(TECHNIQUES)), np.zeros(len(TECHNIQUES), bool),
                          WordStack(np.full((2, len(FEATURES)), 0.1), np.zeros(2), np.ones(2, bool), ancestor))
    grown = with_fresh_words(stack, fresh)
    assert grown.words is not None
    counts = grown.words.lexicon.counts
    assert counts["junta"] == (2, 0, 1) and counts["vile"] == (6, 3, 0)
    assert counts["met"] == (2, 0, 0)  # seen once before and once now: kept on the sum
    assert "again" not in counts  # seen once, never marked: dropped, as Lexicon.count drops it
    assert grown.words.lexicon.base == ancestor.base and np.array_equal(grown.words.weights, stack.words.weights)
    # The taught word now scores above an unseen one in the same place; nothing else moved.
    prepared = PreparedText.from_text("The junta left. The zorblax left.")
    network = DocumentScores(np.full((len(prepared.words), len(TECHNIQUES)), 0.1, np.float32),
                             np.full((2, len(TECHNIQUES)), 0.1, np.float32), np.zeros((2, len(FRAMES)), np.float32),
                             np.zeros(len(FRAMES), np.float32))
    before = stack.words.apply(prepared, network, network, network).word_techniques[:, COLUMNS[1]]
    after = grown.words.apply(prepared, network, network, network).word_techniques[:, COLUMNS[1]]
    junta, zorblax = words_of(prepared).index("junta"), words_of(prepared).index("zorblax")
    assert before[junta] == pytest.approx(before[zorblax]) and after[junta] > before[junta]
    assert after[zorblax] == pytest.approx(before[zorblax])
    assert with_fresh_words(replace(stack, words=None), fresh).words is None


# Optional feature groups (docs/model-experiments.md, section 15).

def test_stems_let_an_unseen_plural_learn_from_its_singular() -> None:
    lexicon = Lexicon({"mercenary": (3, 2, 0), "plan": (20, 0, 0)}, (0.05, 0.02))
    assert stem("mercenaries") == stem("mercenary")
    surface = lexicon.features(["mercenaries"])
    stemmed = lexicon.stemmed.features([stem("mercenaries")])
    assert surface[0, 0] == pytest.approx(np.log(0.05 / 0.95)), "the surface form is unseen: base rate"
    assert stemmed[0, 0] > surface[0, 0] and stemmed[0, 2] == pytest.approx(np.log1p(3))
    assert lexicon.stemmed is lexicon.stemmed, "the stemmed lexicon is made once"


def test_neighbour_features_read_the_words_beside_within_the_sentence() -> None:
    prepared = PreparedText.from_text("Brutal thugs came. Peace won.")
    words = words_of(prepared)  # brutal thugs came . peace won .
    n = len(words)
    word_scores = np.full((n, T), 0.1, np.float32)
    word_scores[0, LOADED] = 0.9  # "brutal"
    scores = DocumentScores(word_scores, np.full((2, T), 0.2, np.float32), np.zeros((2, 14), np.float32),
                            np.zeros(14, np.float32))
    lexicon = Lexicon({"thugs": (4, 0, 4)}, (0.05, 0.02))
    x = features(prepared, words, scores, scores, lexicon, groups=("neighbours",))
    names = feature_names(("neighbours",))
    assert x.shape == (n, len(names))
    previous_ll, next_prior_nc = names.index("previous_word_ll"), names.index("next_prior_nc")
    assert x[1, previous_ll] == pytest.approx(np.log(0.9 / 0.1), rel=1e-5), "'thugs' sees 'brutal' before it"
    assert x[0, next_prior_nc] > x[2, next_prior_nc], "'brutal' sees the prior of 'thugs' after it"
    assert x[0, previous_ll] < -9 and x[4, previous_ll] < -9, "a sentence's first word has no previous word"


def test_a_stack_with_feature_groups_fits_saves_and_serves_them(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    documents = [_document(i, rng) for i in range(30)]
    parts = _parts(documents)
    auxiliary = {"babe": Lexicon({"vile": (5, 5, 0)}, (0.03, 0.001))}
    recipe = WordStackRecipe(("stems", "neighbours", "auxiliary"), auxiliary, balanced=True)
    stack = fit_stack(parts, range(30), groups=[i % 3 for i in range(30)], recipe=recipe)
    assert stack.words is not None and stack.words.groups == recipe.groups
    assert stack.words.features == feature_names(recipe.groups, ["babe"])
    assert stack.words.weights.shape == (len(STACKED), len(stack.words.features))
    plain = fit_stack(parts, range(30), groups=[i % 3 for i in range(30)]).words
    assert plain is not None and plain.features == FEATURES
    # Balanced class weights lift the marked words' scores: marked words are rare.
    _, prepared = documents[0]
    network, tfidf = parts.network[0], parts.tfidf[0]
    balanced = stack.words.apply(prepared, network, network, tfidf).word_techniques[:, LOADED]
    even = plain.apply(prepared, network, network, tfidf).word_techniques[:, LOADED]
    assert balanced.mean() > even.mean()
    whole = SentenceStack(np.zeros((T, len(PARTS))), np.zeros(T), np.zeros(T, dtype=bool), stack.words)
    whole.save(tmp_path)
    loaded = SentenceStack.load(tmp_path).words
    assert loaded is not None and loaded.groups == recipe.groups and loaded.auxiliary == auxiliary
    assert np.allclose(loaded.apply(prepared, network, network, tfidf).word_techniques,
                       stack.words.apply(prepared, network, network, tfidf).word_techniques, atol=1e-5)
    raw = whole.to_json()
    with pytest.raises(ValueError, match="other techniques or features"):
        SentenceStack.from_json(dict(raw, words=dict(raw["words"], groups=["stems"])))
    with pytest.raises(ValueError, match="unknown word stack feature groups"):
        WordStack(np.zeros((2, 10)), np.zeros(2), np.ones(2, dtype=bool), stack.words.lexicon, ("colour",))
    with pytest.raises(ValueError, match="go together"):
        WordStack(np.zeros((2, 10)), np.zeros(2), np.ones(2, dtype=bool), stack.words.lexicon, ("auxiliary",))


def test_word_stack_switches_are_checked_and_lexicon_only_documents_stay_out_of_the_plan() -> None:
    stacked = {"lexical_weight": 0.5, "sentence_technique_weight": 0.15, "sentence_stack": True}
    with pytest.raises(ValueError, match="need word_stack"):
        TrainConfig(**stacked, word_stack_balanced=True)
    with pytest.raises(ValueError, match="give both or neither"):
        TrainConfig(**stacked, word_stack=True, word_stack_features=["auxiliary"])
    # Listed as train-only too (the shipped recipe's default), the lexicon-only kind is still only counted.
    config = TrainConfig(**stacked, word_stack=True, word_stack_features=["auxiliary", "stems"],
                         lexicon_only_formats=["babe"], train_only_formats=["babe", "simple"])
    rng = np.random.default_rng(0)
    corpus = [_document(i, rng)[0] for i in range(4)]
    babe = [Document("b1", "The vile mob came.", [GoldSpan("Loaded_Language", 4, 8)], kind="babe")]
    trained, counted = lexicon_only(corpus + babe, config.lexicon_only_formats)
    assert [d.id for d in counted] == ["b1"] and all(d.kind == "semeval" for d in trained)
    recipe = word_stack_recipe(config, counted)
    assert recipe.groups == ("stems", "auxiliary") and recipe.auxiliary["babe"].counts["vile"] == (1, 1, 0)
    with pytest.raises(TrainingError, match="give them with --data"):
        word_stack_recipe(config, [])
