"""One correction round: fine-tune a registry's promoted version on fresh corrections, judge both, maybe promote.

The round trains a new registry version from the promoted one (`train --init-from`, so held-out
articles follow the lineage), with the fresh annotations repeated and a replayed sample of the
corpus (`fresh_repeats`, `replay_articles`), then scores the promoted and the new version on the
same held-out articles (`training.round_report`) and, given its pairs, on the loaded-language
probe (`training.loaded_probe`), whose loss the gate refuses as it refuses a corpus figure's.
Re-running an interrupted round resumes it: the corrections are exported once into the round's work
folder and training continues from its checkpoint.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framing.model.folder import ModelFolder
from framing.model.layout import MANIFEST
from framing.training.config import AUXILIARY_FORMATS, TrainConfig
from framing.training.data_sources import TrainingData, load_training_data
from framing.training.errors import TrainingError
from framing.training.gate import Comparison, probed, rescored
from framing.training.lineage import fresh_documents, read_lineage
from framing.training.loaded_probe import LoadedPair, ProbeOutcome
from framing.training.registry import Registry
from framing.training.round_report import RoundFigures, comparison_lines, judge
from framing.training.train import train

log = logging.getLogger("framing.train")
FRESH_EXPORT = "corrections.jsonl"
ROUND_REPORT = "round.json"
# A correction round's defaults, each overridable by a --config file: one pass, each fresh sentence four
# times, 40 corpus articles replayed. Chosen so a round of a few hundred sentences is minutes of MiniLM
# steps on 2 cores (sentence steps are short; a corpus article is about 1.9 s); not yet measured on the
# shipped model. Four repeats were enough for the tiny test round to learn its corrections.
ROUND_SETTINGS: dict[str, Any] = {"epochs": 1.0, "fresh_repeats": 4, "replay_articles": 40}


@dataclass
class Round:
    base: str
    version: str
    before: RoundFigures
    after: RoundFigures
    probe: tuple[ProbeOutcome, ProbeOutcome] | None = None

    def lines(self) -> list[str]:
        return comparison_lines(self.base, self.before, self.version, self.after, self.probe)

    def comparison(self) -> Comparison | None:
        """The gate's evidence: both versions' corpus figures on the same held-out articles, and the probe."""
        return rescored(self.before, self.after, self.probe)


def corpus_sources(base: Path, given: Sequence[str]) -> list[str]:
    """The corpus to replay and hold out on: `given`, else the sources the base version recorded."""
    if given:
        return list(given)
    record = ModelFolder(base).data_record() or {}
    paths = [s["path"] for s in record.get("sources", []) if isinstance(s, dict) and "path" in s]
    missing = [p for p in paths if not Path(p).exists()]
    if not paths or missing:
        raise TrainingError(f"{base}: the corpus it was trained on ({', '.join(missing) or 'not recorded'}) is not "
                            "here; give it with --corpus PATH")
    return paths


def round_config(base: Path, version: str, settings: Path | None, threads: int | None) -> TrainConfig:
    """The base version's own settings, with the round's defaults (the team's own formats never
    train-only), then a --config file on top. The
    base's sentence-frame examples come from its folder, not from the path it was trained with (which
    may not exist where the round runs)."""
    manifest = ModelFolder(base).manifest()
    raw = {**manifest.extra.get("config", {}), **ROUND_SETTINGS, "max_steps": None, "sentence_frame_examples": None}
    # A round is judged on a held-out share of its corrections, whatever their format. The shipped recipe
    # trains every `simple` document (the team's sentences, which the lineage knows and keeps where they
    # were), so a round from it held no correction out and reported "0 of 0 corrected spans found".
    # Only the auxiliary corpora of other schemes stay train-only.
    raw["train_only_formats"] = [f for f in raw.get("train_only_formats", AUXILIARY_FORMATS) if f in AUXILIARY_FORMATS]
    if settings:
        raw.update(TrainConfig.from_file(settings).model_dump(exclude_unset=True))
    raw["version"] = version
    if threads:
        raw["threads"] = threads
    return TrainConfig.from_file(None, **raw)


def export_corrections(db: Path, work_dir: Path) -> Path:
    """The feedback database's corrections, exported once per round (a resumed round trains on the same)."""
    from framing.training.feedback_store import FeedbackStore

    target = work_dir / FRESH_EXPORT
    if not target.is_file():
        work_dir.mkdir(parents=True, exist_ok=True)
        with FeedbackStore(db) as store:
            count = store.export_jsonl(target)
        log.info("exported %d corrections from %s", count, db)
    return target


def load(paths: Sequence[str | Path], strict: bool) -> TrainingData:
    data = load_training_data(paths, strict=strict)
    for problem in data.problems:
        log.warning("skipped: %s", problem)
    return data


def run_round(registry: Registry, fresh_paths: Sequence[str | Path], corpus: Sequence[str],
              settings: Path | None = None, threads: int | None = None, db: Path | None = None,
              strict: bool = False, pairs: Sequence[LoadedPair] | None = None) -> Round:
    """Fine-tune the promoted version on the corrections into the registry's next version and judge both
    (on the loaded-language probe too when its `pairs` are given)."""
    base_name = registry.promoted_version()
    if base_name is None:
        raise TrainingError(f"{registry.root}: no promoted version to start from (framing models promote VERSION)")
    base = registry.version_dir(base_name)
    version = registry.next_version()
    work_dir = registry.work_dir(version)
    if db is not None:
        fresh_paths = [*fresh_paths, export_corrections(db, work_dir)]
    fresh = load(fresh_paths, strict)
    new_ids = {d.id for d in fresh_documents(fresh.documents, read_lineage(base))}
    if not new_ids:
        raise TrainingError("no fresh annotations: every given document is already known to "
                            f"{base_name}'s lineage")
    corpus_data = load(corpus_sources(base, corpus), strict)
    documents = [*[d for d in corpus_data.documents if d.id not in {f.id for f in fresh.documents}],
                 *fresh.documents]
    output = registry.version_dir(version)
    if not (output / MANIFEST).is_file():
        config = round_config(base, version, settings, threads)
        log.info("fine-tuning %s from %s on %d fresh annotations, replaying %s corpus articles", version, base_name,
                 len(new_ids), config.replay_articles if config.replay_articles is not None else "all")
        train(documents, output, config, init_from=base, work_dir=work_dir,
              sources=[*corpus_data.sources, *fresh.sources])
    heldout_ids = ModelFolder(output).heldout_ids() or set()
    heldout = [d for d in documents if d.id in heldout_ids]
    log.info("judging %s and %s on the same %d held-out articles", base_name, version, len(heldout))
    from framing.model.analyzer import Analyzer

    before, after = Analyzer.load(base), Analyzer.load(output)  # each loaded once: judged, then probed
    result = Round(base_name, version, judge(before, heldout, new_ids), judge(after, heldout, new_ids),
                   probed(before, after, pairs) if pairs else None)
    report = output / "report" / ROUND_REPORT
    report.parent.mkdir(parents=True, exist_ok=True)
    probe = None if result.probe is None else {"before": result.probe[0].to_json(), "after": result.probe[1].to_json()}
    report.write_text(json.dumps({"base": base_name, "version": version, "lines": result.lines(),
                                  "before": _figures(result.before), "after": _figures(result.after),
                                  "loaded_probe": probe}, indent=2),
                      encoding="utf-8")
    shutil.rmtree(work_dir, ignore_errors=True)
    return result


def _figures(figures: RoundFigures) -> dict[str, Any]:
    return {"corpus": figures.corpus.model_dump() if figures.corpus else None, "intervals": figures.intervals,
            "corpus_articles": figures.corpus_articles, "fresh_found": figures.fresh_found,
            "fresh_extra": figures.fresh_extra, "fresh_spans": figures.fresh_spans,
            "fresh_articles": figures.fresh_articles, "fresh_f1": figures.fresh_f1}
