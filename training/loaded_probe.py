"""The loaded-language probe: minimal pairs that say whether loaded labels for people are highlighted
and their neutral counterparts left alone.

It lives in the package, not only in `benchmarks/`, because the promote gate reads it: a correction
round of neutral sentences once kept every corpus figure inside its noise while a quarter of the
probe's loaded words went unmarked (docs/model-experiments.md, section 9). The corpus annotates
too few loaded labels for people to notice that; the probe does.

A loaded word is *found* when a Loaded_Language or Name_Calling-Labeling span overlaps it; a neutral
word is a *false alarm* when a span of any technique overlaps it. The pair files are checked on
reading (offsets that miss their words, pairs that differ beyond the marked words, duplicates), so a
hand edit cannot silently skew a figure.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing.model.inputs import read_json_lines
from framing.model.schema import Analysis
from framing.model.taxonomy import TECHNIQUE_INDEX
from framing.training.errors import TrainingError

if TYPE_CHECKING:
    from framing.model.analyzer import Analyzer
    from framing.model.scores import DocumentScores, PreparedText


def _probes_folder() -> Path:
    """The team's probes: data/probes/, installed as the package `framing.probes` (pyproject.toml), so
    an installed wheel carries them as a clone does."""
    try:
        folder: object = resources.files("framing.probes")
    except ModuleNotFoundError:
        folder = None
    if isinstance(folder, Path):
        return folder
    # An editable install made before data/probes became a package knows no such name (`pip install -e .`
    # again teaches it), but the folder is right here in the source tree. (A zipped install would hand
    # out no folder on disk either; there the files count as missing: `default_pairs` is None.)
    return Path(__file__).resolve().parent.parent / "data" / "probes"


PROBES = _probes_folder()
LOADED_PAIRS = PROBES / "loaded_pairs.jsonl"
# Never tuned on (data/probes/make_loaded_pairs.py says why): only the benchmark reads it, on request.
LOADED_PAIRS_HELDOUT = PROBES / "loaded_pairs_heldout.jsonl"
LOADED_TECHNIQUES = ("Loaded_Language", "Name_Calling-Labeling")
# The gate's allowance: a new version may lose (net of what it gains) at most this share of the pairs,
# found or left alone, before the gate complains. Two models of the same recipe differ by one or two of
# the 68 pairs (docs/model-experiments.md, sections 1 and 7); the round that lost 17 must not pass.
PROBE_ALLOWANCE = 0.05


class ProbeDataError(TrainingError):
    """A probe file that does not follow its format; the message names the file and line."""


@dataclass(frozen=True)
class Marked:
    """A sentence and the word or phrase under test in it (`text[start:end] == word`)."""

    text: str
    start: int
    end: int
    word: str


@dataclass(frozen=True)
class LoadedPair:
    id: str
    topic: str
    loaded: Marked
    neutral: Marked


def read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) for every non-blank line, read by the rule batch input and training data
    follow (`model.inputs.read_json_lines`); the first bad line stops the reading."""
    try:
        with path.open("rb") as stream:
            lines = list(read_json_lines(stream))
    except OSError as error:
        raise ProbeDataError(f"{path}: cannot read: {error}") from error
    records = []
    for line in lines:
        if line.error is not None or line.value is None:
            raise ProbeDataError(f"{path}:{line.number}: {line.error.message if line.error else 'no object'}")
        records.append((line.number, line.value))
    if not records:
        raise ProbeDataError(f"{path}: no records")
    return records


def field_of(where: str, record: dict, name: str, kind: type) -> Any:
    value = record.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ProbeDataError(f"{where}: field {name!r} must be a {kind.__name__}")
    return value


def _marked(where: str, record: object) -> Marked:
    if not isinstance(record, dict):
        raise ProbeDataError(f"{where}: expected an object with text, start, end and word")
    marked = Marked(field_of(where, record, "text", str), field_of(where, record, "start", int),
                    field_of(where, record, "end", int), field_of(where, record, "word", str))
    if not 0 <= marked.start < marked.end <= len(marked.text):
        raise ProbeDataError(f"{where}: offsets {marked.start}-{marked.end} outside the text")
    if marked.text[marked.start : marked.end] != marked.word:
        raise ProbeDataError(f"{where}: text[{marked.start}:{marked.end}] is "
                             f"{marked.text[marked.start : marked.end]!r}, not {marked.word!r}")
    return marked


def load_pairs(path: Path = LOADED_PAIRS) -> list[LoadedPair]:
    pairs: list[LoadedPair] = []
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        pair = LoadedPair(field_of(where, record, "id", str), field_of(where, record, "topic", str),
                          _marked(f"{where} loaded", record.get("loaded")),
                          _marked(f"{where} neutral", record.get("neutral")))
        loaded, neutral = pair.loaded, pair.neutral
        if (loaded.text[: loaded.start] != neutral.text[: neutral.start]
                or loaded.text[loaded.end :] != neutral.text[neutral.end :]):
            raise ProbeDataError(f"{where}: the two sentences differ outside the marked words")
        if loaded.word == neutral.word:
            raise ProbeDataError(f"{where}: loaded and neutral words are the same")
        if pair.id in seen_ids or loaded.text in seen_texts:
            raise ProbeDataError(f"{where}: duplicate pair {pair.id!r}")
        seen_ids.add(pair.id)
        seen_texts.add(loaded.text)
        pairs.append(pair)
    return pairs


def default_pairs() -> Path | None:
    """The team's probe, shipped with the package; None only when its file is missing (a broken install;
    the gate then says it did not read one)."""
    return LOADED_PAIRS if LOADED_PAIRS.is_file() else None


def overlapping_labels(analysis: Analysis, start: int, end: int,
                       techniques: Collection[str] | None = None) -> list[str]:
    """Labels of the spans overlapping [start, end), restricted to `techniques` when given."""
    return sorted({span.label for span in analysis.spans
                   if span.start < end and span.end > start and (techniques is None or span.label in techniques)})


def loaded_word_score(prepared: PreparedText, scores: DocumentScores, start: int, end: int) -> float:
    """Highest Loaded_Language / Name_Calling word probability among the words inside [start, end)."""
    inside = (prepared.words[:, 0] < end) & (prepared.words[:, 1] > start)
    columns = [TECHNIQUE_INDEX[name] for name in LOADED_TECHNIQUES]
    values = scores.word_techniques[inside][:, columns]
    return float(values.max()) if values.size else 0.0


@dataclass
class PairResult:
    id: str
    topic: str
    loaded_word: str
    loaded_labels: list[str]  # Loaded_Language / Name_Calling spans over the loaded word
    loaded_score: float | None
    neutral_word: str
    neutral_labels: list[str]  # spans of any technique over the neutral word
    neutral_score: float | None

    @property
    def found(self) -> bool:
        return bool(self.loaded_labels)

    @property
    def false_alarm(self) -> bool:
        return bool(self.neutral_labels)


@dataclass
class ProbeSummary:
    operating_point: str
    pairs: int
    found: int
    false_alarms: int
    false_alarms_loaded_techniques: int  # false alarms by a Loaded_Language / Name_Calling span
    results: list[PairResult] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.pairs if self.pairs else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.pairs if self.pairs else 0.0


def score_pairs(operating_point: str, pairs: Sequence[LoadedPair], loaded: Sequence[Analysis],
                neutral: Sequence[Analysis], loaded_scores: Sequence[float | None] | None = None,
                neutral_scores: Sequence[float | None] | None = None) -> ProbeSummary:
    """Recall on the loaded words and false alarms on the neutral ones, from each sentence's Analysis."""
    if not len(pairs) == len(loaded) == len(neutral):
        raise ValueError("pairs and analyses differ in length")
    loaded_scores = loaded_scores or [None] * len(pairs)
    neutral_scores = neutral_scores or [None] * len(pairs)
    results = []
    loaded_alarms = 0
    for pair, a_loaded, a_neutral, s_loaded, s_neutral in zip(pairs, loaded, neutral, loaded_scores,
                                                               neutral_scores, strict=True):
        n = pair.neutral
        neutral_labels = overlapping_labels(a_neutral, n.start, n.end)
        loaded_alarms += bool(set(neutral_labels) & set(LOADED_TECHNIQUES))
        results.append(PairResult(
            pair.id, pair.topic, pair.loaded.word,
            overlapping_labels(a_loaded, pair.loaded.start, pair.loaded.end, LOADED_TECHNIQUES), s_loaded,
            n.word, neutral_labels, s_neutral))
    return ProbeSummary(operating_point, len(results), sum(r.found for r in results),
                        sum(r.false_alarm for r in results), loaded_alarms, results)


def run_probe(analyzer: Analyzer, pairs: Sequence[LoadedPair],
              points: Sequence[str] | None = None) -> list[ProbeSummary]:
    """The probe at each of `points` (default: every operating point of the model), each sentence
    analysed as a text of its own by the Analyzer's one path, as the API would."""
    def word_scores(texts: list[str], marks: list[tuple[int, int]]) -> list[float | None]:
        prepared, scores = analyzer.score(texts)
        return [loaded_word_score(p, s, *mark) for p, s, mark in zip(prepared, scores, marks, strict=True)]

    loaded_texts, neutral_texts = [p.loaded.text for p in pairs], [p.neutral.text for p in pairs]
    # Word scores do not depend on the operating point.
    loaded_scores = word_scores(loaded_texts, [(p.loaded.start, p.loaded.end) for p in pairs])
    neutral_scores = word_scores(neutral_texts, [(p.neutral.start, p.neutral.end) for p in pairs])
    summaries = []
    for name in points or analyzer.operating_points:
        loaded = analyzer.analyze_many(loaded_texts, sensitivity=name)
        neutral = analyzer.analyze_many(neutral_texts, sensitivity=name)
        summaries.append(score_pairs(name, pairs, loaded, neutral, loaded_scores, neutral_scores))
    return summaries


@dataclass(frozen=True)
class ProbeOutcome:
    """One version's probe at its precise point, as the gate compares it: which pairs it found and
    on which it flagged the neutral word."""

    pairs: tuple[str, ...]
    found: frozenset[str]
    false_alarms: frozenset[str]

    @classmethod
    def of(cls, summary: ProbeSummary) -> ProbeOutcome:
        return cls(tuple(r.id for r in summary.results), frozenset(r.id for r in summary.results if r.found),
                   frozenset(r.id for r in summary.results if r.false_alarm))

    @classmethod
    def measure(cls, analyzer: Analyzer, pairs: Sequence[LoadedPair]) -> ProbeOutcome:
        return cls.of(run_probe(analyzer, pairs, points=("precise",))[0])

    @property
    def recall(self) -> float:
        return len(self.found) / len(self.pairs) if self.pairs else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / len(self.pairs) if self.pairs else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"pairs": list(self.pairs), "found": sorted(self.found), "false_alarms": sorted(self.false_alarms),
                "recall": self.recall, "false_alarm_rate": self.false_alarm_rate}


def probe_complaints(old: ProbeOutcome, new: ProbeOutcome, old_name: str) -> list[str]:
    """What the new version lost on the probe beyond the allowance: loaded words it no longer finds,
    neutral words it now flags (each net of the pairs it improved on)."""
    if old.pairs != new.pairs:
        return [f"loaded-language probe: the two versions were probed on different pairs ({len(old.pairs)} "
                f"and {len(new.pairs)})"]
    allowed = PROBE_ALLOWANCE * len(new.pairs)
    complaints = []
    lost, gained = old.found - new.found, new.found - old.found
    if len(lost) - len(gained) > allowed:
        complaints.append(f"loaded-language probe recall {new.recall:.3f} < {old.recall:.3f} of {old_name} "
                          f"({len(lost)} of {len(new.pairs)} loaded words no longer found, {len(gained)} newly "
                          f"found: {', '.join(sorted(lost)[:8])}{'...' if len(lost) > 8 else ''})")
    raised, cleared = new.false_alarms - old.false_alarms, old.false_alarms - new.false_alarms
    if len(raised) - len(cleared) > allowed:
        complaints.append(f"loaded-language probe false alarms {new.false_alarm_rate:.3f} > "
                          f"{old.false_alarm_rate:.3f} of {old_name} ({len(raised)} neutral words newly flagged, "
                          f"{len(cleared)} cleared)")
    return complaints
