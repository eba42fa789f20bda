"""The names of the files in a model folder and in a model registry, each defined once.

Kept free of imports so every module that reads or writes one of these files (the folder owner in
`model.folder`, the TF-IDF scorer, the registry, training) can name it without import cycles.

A model folder:

    framing.json              the manifest: name, version, window settings, arithmetic, label order
    config.json               encoder architecture (transformers' own file name)
    weights.safetensors       network weights, fp16
    thresholds.json           decision thresholds of the served system (the `precise` operating point)
    sensitive_thresholds.json thresholds of the `sensitive` operating point (optional)
    tokenizer files           written by the tokenizer itself
    tfidf.json                TF-IDF settings and vocabulary (optional)
    tfidf.safetensors         TF-IDF idf and logistic-regression weights (optional)
    baseline_thresholds.json  thresholds of the TF-IDF baseline on its own (optional)
    sentence_frames.json      sentence-frame model: settings and thresholds (optional, model.sentence_frames)
    sentence_frames.safetensors  its arrays (optional)
    article_frames.json       article-frame embedding model: settings (optional, model.article_frames)
    article_frames.safetensors   its arrays (optional)
    sentence_techniques.json  sentence-technique embedding model: settings (optional, model.sentence_techniques)
    sentence_techniques.safetensors  its arrays (optional)
    sentence_stack.json       per-technique weights of the parts' sentence scores, and the word stack's weights
                              and lexicon when fitted (optional, model.sentence_stack, model.word_stack)
    span_memory.json          nearest-neighbour memory of annotated loaded words: settings (optional, model.span_memory)
    span_memory.safetensors   its arrays (optional)
    metrics.json              held-out metrics measured when the folder was written
    data.json                 what the run trained on, with hashes and the held-out split
    hashes.json               sha256 of the files serving reads (not the manifest), checked on load
    MODEL_CARD.md             the model card
    report/                   the held-out evaluation report

A registry: `versions/<version>/` holds model folders, `PROMOTED` names the served version and
`.work/<version>/` holds unfinished runs.
"""

from __future__ import annotations

MANIFEST = "framing.json"
ENCODER_CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
THRESHOLDS = "thresholds.json"
# The `sensitive` operating point (model.thresholds.OperatingPoints); folders without it serve `precise` only.
SENSITIVE_THRESHOLDS = "sensitive_thresholds.json"
TFIDF_SETTINGS = "tfidf.json"
TFIDF_ARRAYS = "tfidf.safetensors"
TFIDF_FILES = (TFIDF_SETTINGS, TFIDF_ARRAYS)
# Written by versions before 0.2 of the folder layout; refused on load (it is a pickle).
LEGACY_TFIDF_FILE = "tfidf.joblib"
BASELINE_THRESHOLDS = "baseline_thresholds.json"
SENTENCE_FRAME_SETTINGS = "sentence_frames.json"
SENTENCE_FRAME_ARRAYS = "sentence_frames.safetensors"
SENTENCE_FRAME_FILES = (SENTENCE_FRAME_SETTINGS, SENTENCE_FRAME_ARRAYS)
# The team-written sentences the sentence-frame model was fitted with, when any: kept in the folder so
# that a descendant (`framing retrain`, `train --init-from`) or a refit is fitted with the same ones.
SENTENCE_FRAME_EXAMPLES = "sentence_frame_examples.jsonl"
ARTICLE_FRAME_SETTINGS = "article_frames.json"
ARTICLE_FRAME_ARRAYS = "article_frames.safetensors"
ARTICLE_FRAME_FILES = (ARTICLE_FRAME_SETTINGS, ARTICLE_FRAME_ARRAYS)
SENTENCE_TECHNIQUE_SETTINGS = "sentence_techniques.json"
SENTENCE_TECHNIQUE_ARRAYS = "sentence_techniques.safetensors"
SENTENCE_TECHNIQUE_FILES = (SENTENCE_TECHNIQUE_SETTINGS, SENTENCE_TECHNIQUE_ARRAYS)
SENTENCE_STACK = "sentence_stack.json"
SPAN_MEMORY_SETTINGS = "span_memory.json"
SPAN_MEMORY_ARRAYS = "span_memory.safetensors"
SPAN_MEMORY_FILES = (SPAN_MEMORY_SETTINGS, SPAN_MEMORY_ARRAYS)
METRICS = "metrics.json"
DATA_RECORD = "data.json"
MODEL_CARD = "MODEL_CARD.md"
REPORT_DIR = "report"
# The files without which a folder is not a model at all.
REQUIRED_FILES = (MANIFEST, WEIGHTS, THRESHOLDS, ENCODER_CONFIG)
HASHES = "hashes.json"
# Files the tokenizer writes and reads (which ones depends on the tokenizer).
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
# The files whose sha256 `ModelFolder.save` records in HASHES and loading checks: what serving reads,
# but the manifest, which holds the folder's name and settings (an operator may rename a version;
# a label order that does not fit is refused on its own).
HASHED_FILES = (ENCODER_CONFIG, WEIGHTS, THRESHOLDS, SENSITIVE_THRESHOLDS, *TFIDF_FILES, BASELINE_THRESHOLDS,
                *SENTENCE_FRAME_FILES, SENTENCE_FRAME_EXAMPLES, *ARTICLE_FRAME_FILES, *SENTENCE_TECHNIQUE_FILES,
                SENTENCE_STACK, *SPAN_MEMORY_FILES,
                *TOKENIZER_FILES)

VERSIONS = "versions"
PROMOTED = "PROMOTED"
WORK = ".work"
