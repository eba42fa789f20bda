"""The sentence stack: per-technique weights of the parts' sentence scores, fitted out of fold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support import linked_copy

from framing.model.analyzer import Analyzer
from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.scores import DocumentScores
from framing.model.sentence_stack import PARTS, SentenceStack, SentenceStackFormatError, StackingScorer, logit
from framing.model.taxonomy import TECHNIQUE_INDEX, TECHNIQUES
from framing.model.word_stack import FEATURES, Lexicon, WordStack
from framing.training.config import TrainConfig
from framing.training.documents import Document, GoldSpan
from framing.training.errors import TrainingError
from framing.training.sentence_stack import StackParts, fit_stack, nested_scores

T = len(TECHNIQUES)
LOADED = TECHNIQUE_INDEX["Loaded_Language"]
NAMING = TECHNIQUE_INDEX["Name_Calling-Labeling"]


def _scores(sentences: np.ndarray) -> DocumentScores:
    return DocumentScores(np.zeros((3, T), np.float32), sentences.astype(np.float32),
                          np.zeros((len(sentences), 14), np.float32), np.zeros(14, np.float32))


def _parts(n_articles: int = 40, sentences: int = 6, seed: int = 0) -> StackParts:
    """Articles whose Loaded_Language and Name_Calling labels are read off the TF-IDF part alone; the
    network's and the embedding model's scores are noise. Other techniques have no positive sentence."""
    rng = np.random.default_rng(seed)
    network, tfidf, own, labels = [], [], [], []
    for _ in range(n_articles):
        gold = np.zeros((sentences, T), dtype=bool)
        lexical = rng.uniform(0.05, 0.35, (sentences, T))
        for t, rate in ((LOADED, 0.4), (NAMING, 0.2)):
            gold[:, t] = rng.random(sentences) < rate
            lexical[gold[:, t], t] = rng.uniform(0.6, 0.95, int(gold[:, t].sum()))
        network.append(_scores(rng.uniform(0.05, 0.95, (sentences, T))))
        tfidf.append(_scores(lexical))
        own.append(rng.uniform(0.05, 0.95, (sentences, T)).astype(np.float32))
        labels.append(gold)
    return StackParts(network, tfidf, own, labels)


def test_the_stack_trusts_the_part_that_knows_and_leaves_unfittable_techniques_to_the_blend() -> None:
    parts = _parts()
    stack = fit_stack(parts, range(40))
    assert stack.fitted.tolist() == [t in (LOADED, NAMING) for t in range(T)]  # no other has 5 positives
    assert np.array_equal(stack.weights[LOADED], stack.weights[NAMING]), "one weight per part, shared"
    assert stack.bias[NAMING] < stack.bias[LOADED], "a bias per technique: Name_Calling is the rarer"
    weights = dict(zip(PARTS, stack.weights[LOADED], strict=True))
    assert weights["tfidf"] > 1.0 and abs(weights["network"]) < 0.5 and abs(weights["sentence_techniques"]) < 0.5
    blended = np.full((6, T), 0.123, np.float32)
    out = stack.apply(parts.network[0].sentence_techniques, parts.tfidf[0].sentence_techniques, parts.own[0],
                      blended)
    assert np.all(out[:, [t for t in range(T) if t not in (LOADED, NAMING)]] == np.float32(0.123))
    z = (stack.bias[LOADED] + logit(parts.tfidf[0].sentence_techniques[:, LOADED]) * weights["tfidf"]
         + logit(parts.network[0].sentence_techniques[:, LOADED]) * weights["network"]
         + logit(parts.own[0][:, LOADED]) * weights["sentence_techniques"])
    expected = 1 / (1 + np.exp(-z))
    assert np.allclose(out[:, LOADED], expected, atol=1e-5)
    # Sentences the TF-IDF part marks come out above those it does not.
    gold = np.concatenate(parts.labels)[:, LOADED]
    scored = np.concatenate([stack.apply(parts.network[i].sentence_techniques, parts.tfidf[i].sentence_techniques,
                                         parts.own[i], blended)[:, LOADED] for i in range(40)])
    assert scored[gold].min() > scored[~gold].max()


def test_a_judged_fold_never_informs_the_stacks_it_is_judged_with() -> None:
    """Fold 0's labels turned upside down change nothing in the scores fold 0 is judged with (its own
    articles' and those its thresholds are fitted on), and do change what another fold is judged with."""
    parts = _parts(n_articles=30)
    fold_of = [i % 3 for i in range(30)]
    served = [_scores(np.full((6, T), 0.5)) for _ in range(30)]
    flipped = StackParts(parts.network, parts.tfidf, parts.own,
                         [~labels if fold_of[i] == 0 else labels for i, labels in enumerate(parts.labels)])
    before, after = nested_scores(served, parts, fold_of), nested_scores(served, flipped, fold_of)
    assert all(np.array_equal(a.sentence_techniques, b.sentence_techniques)
               for a, b in zip(before(0), after(0), strict=True))
    assert not all(np.array_equal(a.sentence_techniques, b.sentence_techniques)
                   for a, b in zip(before(1), after(1), strict=True))


def test_a_stack_survives_its_file_and_a_bad_file_is_refused(tmp_path: Path) -> None:
    stack = fit_stack(_parts(), range(40))
    stack.save(tmp_path)
    again = SentenceStack.load(tmp_path)
    assert np.allclose(again.weights, stack.weights, atol=1e-6) and np.array_equal(again.fitted, stack.fitted)
    raw = json.loads((tmp_path / "sentence_stack.json").read_text())
    for broken, message in (({**raw, "format": "other/1"}, "format 'other/1'"),
                            ({**raw, "parts": ["network"]}, "other parts or techniques"),
                            ({**raw, "weights": raw["weights"][:3]}, "shapes"),
                            ({**raw, "bias": "nope"}, "malformed arrays"),
                            ({**raw, "weights": [[float("nan")] * 3] * T}, "finite")):
        (tmp_path / "sentence_stack.json").write_text(json.dumps(broken))
        with pytest.raises(SentenceStackFormatError, match=message):
            SentenceStack.load(tmp_path)


def test_the_config_refuses_a_stack_without_its_parts(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"sentence_stack": True, "sentence_technique_weight": 0.0}))
    with pytest.raises(TrainingError, match=r"sentence_stack .* needs lexical_weight and sentence_technique_weight"):
        TrainConfig.from_file(settings)
    assert TrainConfig(sentence_stack=True, sentence_technique_weight=0.15).sentence_stack


def _stacking(analyzer: Analyzer) -> StackingScorer:
    """The stacking scorer inside the served chain (the frame models wrap it)."""
    scorer = _stacking_or_none(analyzer)
    assert scorer is not None, "no stacking scorer in the served chain"
    return scorer


def _stacking_or_none(analyzer: Analyzer) -> StackingScorer | None:
    scorer = analyzer.scorer
    while not isinstance(scorer, StackingScorer):
        scorer = getattr(scorer, "base", None)
        if scorer is None:
            return None
    return scorer


def test_a_folder_with_a_stack_serves_it_and_an_empty_stack_serves_the_blend(
        tmp_path: Path, shipped_model_dir: Path, analyzer: Analyzer) -> None:
    text = ("The corrupt regime's thugs crushed the peaceful protest. Officials said the budget would be "
            "published on Monday.\n\nWe must act now, before it is too late!")
    assert _stacking(analyzer).stack is not None, "the shipped model serves a stack (since 2.4.1)"
    _, shipped = analyzer.score([text])
    # The same folder without its stack serves the fixed blend.
    folder = linked_copy(shipped_model_dir, tmp_path / "blend")
    (folder / "sentence_stack.json").unlink()
    ModelFolder(folder).save_hashes()
    unstacked = Analyzer.load(folder)
    assert _stacking_or_none(unstacked) is None
    _, blended = unstacked.score([text])
    assert not np.allclose(shipped[0].sentence_techniques, blended[0].sentence_techniques, atol=1e-3)
    others = [t for t in range(T) if t not in (LOADED, NAMING)]  # the word stack's (model.word_stack) only
    assert np.array_equal(shipped[0].word_techniques[:, others], blended[0].word_techniques[:, others])
    # A stack fitted for no technique serves the blend too.
    empty = SentenceStack(np.zeros((T, len(PARTS))), np.zeros(T), np.zeros(T, dtype=bool))
    empty.save(folder)  # not in hashes.json now: an extra file is not checked, only listed ones
    served = Analyzer.load(folder)
    assert _stacking(served).stack is not None
    _, same = served.score([text])
    assert np.allclose(same[0].sentence_techniques, blended[0].sentence_techniques, atol=1e-6)
    # A stack that trusts only the network: the served sentence scores are the network's own.
    network_only = SentenceStack(np.tile([1.0, 0.0, 0.0], (T, 1)), np.zeros(T), np.ones(T, dtype=bool))
    network_only.save(folder)
    stacked = Analyzer.load(folder)
    _, own = stacked.score([text])
    network = _stacking(stacked).neural.score([stacked.prepare(text)])[0]
    assert np.allclose(own[0].sentence_techniques, np.clip(network.sentence_techniques, 1e-4, 1 - 1e-4), atol=1e-5)
    assert not np.allclose(own[0].sentence_techniques, blended[0].sentence_techniques, atol=1e-3)
    (folder / "sentence_stack.json").write_text("{}")
    with pytest.raises(ModelLoadError, match=r"sentence_stack\.json: format"):
        ModelFolder(folder).sentence_stack()
    # Files are replaced, never written in place, so the hard-linked copy never wrote through.
    ModelFolder(shipped_model_dir).check_hashes()


@pytest.mark.slow
def test_a_descendant_and_a_recalibrated_folder_keep_the_stack_they_started_from(
        sample_corpus: Path, tmp_path: Path) -> None:
    """Only crossval fits a stack; a model fine-tuned from a stacked one (a retraining round) or
    recalibrated keeps it, is calibrated with it and serves it, and its card says where it came from."""
    from framing.training.packaging import recalibrate
    from framing.training.readers import read_semeval_folder
    from framing.training.train import train

    documents = read_semeval_folder(sample_corpus)
    config = TrainConfig(max_steps=2, heldout_fraction=0.34, threads=1, fold_assignments=1,
                         sentence_technique_weight=0.2, version="v1")
    parent = tmp_path / "v1"
    train(documents, parent, config)
    words = WordStack(np.full((2, len(FEATURES)), 0.1), np.zeros(2), np.array([True, True]),
                      Lexicon({"vile": (5, 3, 0)}, (0.02, 0.01)))
    stack = SentenceStack(np.tile([0.5, 1.0, 0.5], (T, 1)), np.full(T, -0.5), np.arange(T) % 2 == 0, words)
    stack.save(parent)
    ModelFolder(parent).save_hashes()
    # Fresh annotations teach a word no ancestor saw: the descendant's lexicon counts the ones it
    # trains on, never those it is judged on.
    fresh = [Document(id=f"fresh-{i}", text=f"Officials said the zorblax mob gathered on day {i}.",
                      spans=[GoldSpan("Name_Calling-Labeling", 19, 26)]) for i in range(6)]
    # An auxiliary corpus's marks follow another scheme: it trains, the lexicon does not count it.
    babe = Document(id="babe-1", text="The zorblax mob left.", spans=[GoldSpan("Loaded_Language", 4, 11)], kind="babe")
    child = tmp_path / "v2"
    train([*documents, *fresh, babe], child, config.model_copy(update={"version": "v2"}), init_from=parent)
    kept = ModelFolder(child).sentence_stack()
    assert kept is not None and np.allclose(kept.weights, stack.weights) and np.array_equal(kept.fitted, stack.fitted)
    assert kept.words is not None and np.allclose(kept.words.weights, words.weights)
    split = {d["id"]: d["split"] for d in ModelFolder(child).data_record()["documents"]}
    trained = sum(split[d.id] == "train" for d in fresh)
    assert 0 < trained < len(fresh)  # some fresh ones are held out
    assert split["babe-1"] == "train" and kept.words.lexicon.counts["zorblax"] == (trained, 0, trained)
    assert kept.words.lexicon.counts["vile"] == (5, 3, 0) and kept.words.lexicon.base == words.lexicon.base
    card = (child / "MODEL_CARD.md").read_text()
    assert "inherited from the model this one was fine-tuned from" in card
    assert "adds to the lexicon it inherits the fresh annotations it trains on" in card
    assert _stacking(Analyzer.load(child)).stack.fitted.sum() == (T + 1) // 2
    again = tmp_path / "v1-again"
    recalibrate(parent, documents, again)
    assert ModelFolder(again).sentence_stack() is not None
    ModelFolder(again).check_hashes()


def test_a_stack_beside_a_folder_without_its_parts_is_refused(tmp_path: Path, shipped_model_dir: Path) -> None:
    folder = linked_copy(shipped_model_dir, tmp_path / "model")
    manifest = json.loads((folder / "framing.json").read_text(encoding="utf-8"))
    manifest["sentence_technique_weight"] = 0.0  # serves no sentence-technique model
    (folder / "framing.json").unlink()  # a hard link: replace, never write through
    (folder / "framing.json").write_text(json.dumps(manifest), encoding="utf-8")
    SentenceStack(np.zeros((T, len(PARTS))), np.zeros(T), np.ones(T, dtype=bool)).save(folder)
    ModelFolder(folder).save_hashes()  # the stack file is a listed one
    with pytest.raises(ModelLoadError, match="the sentence stack needs the TF-IDF model and the sentence-technique"):
        Analyzer.load(folder)
