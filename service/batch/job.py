"""The run loop: read records, drop what is done or bad, score the rest, write results as they come."""

from __future__ import annotations

import math
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from framing.model.errors import FramingError
from framing.model.folder import ModelFolder
from framing.model.inputs import InputError, check_text
from framing.service.batch.inputs import Record, count_records, detect_input_kind, open_records, record_problem
from framing.service.batch.options import STDIN, BatchError, BatchOptions, default_workers
from framing.service.batch.output import ErrorLog, OutputFile
from framing.service.batch.pool import PoolScorer
from framing.service.batch.progress import Progress, Summary
from framing.service.batch.scoring import InProcessScorer, Outcome, Task
from framing.service.batch.semeval_output import SemevalOutput, semeval_payload
from framing.service.batch.signals import Interrupts
from framing.training import semeval_writer

if TYPE_CHECKING:
    from framing.model.analyzer import Analyzer


def _same_file(a: str | Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == b.resolve()
    except OSError:
        return False


class _Job:
    """The state of one run, so the loop in `run_batch` reads as the steps it takes."""

    def __init__(self, options: BatchOptions, summary: Summary, interrupts: Interrupts,
                 out: OutputFile, errors: ErrorLog, semeval: SemevalOutput | None, progress: Progress) -> None:
        self.options = options
        self.summary = summary
        self.interrupts = interrupts
        self.out = out
        self.errors = errors
        self.semeval = semeval
        self.progress = progress
        self.seen: dict[str, str] = {}  # id -> source of its first occurrence in this input
        self.article_sources: dict[str, str] = {}

    def fail(self, doc_id: str | None, source: str, reason: str) -> None:
        self.errors.add(doc_id, source, reason)
        self.summary.failed += 1
        self.progress.update(self.summary)

    def deliver(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.error is not None or outcome.line is None:
                self.fail(outcome.id, outcome.source, outcome.error or "no result")
                continue
            with self.interrupts.deferred():
                if self.semeval is not None and outcome.semeval is not None:
                    self.semeval.write(outcome.semeval)
                self.out.append(outcome.line)
                self.summary.done += 1
            self.progress.update(self.summary)

    def admit(self, record: Record) -> Task | None:
        """The record as a task to score, or None when it is failed or already done."""
        problem = record_problem(record, self.seen)
        if problem is not None:
            self.fail(record.id, record.source, problem)
            return None
        assert record.id is not None and record.text is not None
        article_id = None
        if self.semeval is not None:
            article_id = semeval_writer.semeval_article_id(record.id)
            try:
                semeval_writer.check_article_id(article_id)
            except ValueError as error:
                self.fail(record.id, record.source, str(error))
                return None
            if article_id in self.article_sources:
                self.fail(record.id, record.source, f"SemEval id {article_id!r} is also the id of the "
                                                    f"document at {self.article_sources[article_id]}")
                return None
            self.article_sources[article_id] = record.source
        if record.id in self.out.done:
            if self.semeval is not None and article_id is not None and article_id not in self.semeval.complete:
                self._semeval_from_output(record, article_id)
            self.summary.skipped += 1
            return None
        try:
            check_text(record.text, self.options.max_chars, limit_name="--max-chars")
        except InputError as error:
            self.fail(record.id, record.source, error.message)
            return None
        return Task(record.id, record.source, record.text, article_id, record.metadata)

    def _semeval_from_output(self, record: Record, article_id: str) -> None:
        """A document complete in the JSONL but not in the SemEval files (an earlier run without
        --format semeval): rebuild its SemEval lines from the saved Analysis, no re-scoring needed."""
        from framing.model.schema import Analysis

        assert self.semeval is not None and record.id is not None and record.text is not None
        analysis = Analysis.model_validate_json(self.out.read_line(record.id))
        with self.interrupts.deferred():
            self.semeval.write(semeval_payload(article_id, analysis, record.text))


def run_batch(options: BatchOptions, log: Callable[[str], None] | None = None,
              analyzer: Analyzer | None = None) -> Summary:
    """Run (or resume) a batch job. Raises BatchError for problems that stop it.

    `analyzer`: an already loaded `Analyzer` to score with in this process (no workers), for
    callers that hold one; by default the job loads `options.model` itself.
    """
    say: Callable[[str], None] = log or (lambda message: print(message, file=sys.stderr, flush=True))
    started = time.monotonic()
    if options.max_chars < 1 or options.batch_size < 1 or options.threads < 1:
        raise BatchError("--max-chars, --batch-size and --threads must be at least 1")
    input_kind = detect_input_kind(options.input, options.input_format)
    output, errors_path = options.output, options.errors_path
    for other, what in ((options.input, "input"), (errors_path, "errors file")):
        if other != STDIN and _same_file(other, output):
            raise BatchError(f"the {what} and the output are the same file ({output})")

    interrupts = Interrupts()
    interrupts.install()
    summary = Summary(errors_path=errors_path)
    out = semeval = errors = progress = None
    scorer: InProcessScorer | PoolScorer | None = None
    try:
        out = OutputFile(output)
        others = sorted(out.operating_points - {options.sensitivity})
        if others:
            raise BatchError(f"{output} holds analyses made at the {', '.join(others)} operating point; resume it "
                             f"with --sensitivity {others[0]}, or write the {options.sensitivity} ones to another file")
        if out.dropped_tail:
            say(f"framing batch: dropped an unfinished last line ({out.dropped_tail} bytes) from {output}")
        if out.dropped_lines:
            say(f"framing batch: dropped {out.dropped_lines} unreadable line(s) from {output}; they will be redone")
        if options.semeval_dir is not None:
            done_articles = {semeval_writer.semeval_article_id(doc_id) for doc_id in out.done}
            semeval = SemevalOutput(options.semeval_dir, done_articles)
        errors = ErrorLog(errors_path)

        total = count_records(options.input, input_kind)
        to_do = max(total - len(out.done), 0) if total is not None else None
        workers = 1 if analyzer is not None else options.workers or default_workers()
        if to_do is not None:
            workers = max(1, min(workers, math.ceil(to_do / options.batch_size)))
        summary.workers = workers
        say(f"framing batch: {options.input} ({input_kind}"
            + (f", {total} records" if total is not None else "") + f") -> {output}"
            + (f", {len(out.done)} already complete" if out.done else "")
            + f"; {workers} worker(s) x {options.threads} thread(s)")
        show_bar = options.progress if options.progress is not None else sys.stderr.isatty()
        progress = Progress(to_do, show_bar, options.log_every, say)
        job = _Job(options, summary, interrupts, out, errors, semeval, progress)

        batch: list[Task] = []
        with open_records(options.input, input_kind, options.max_chars) as records:
            for record in records:
                task = job.admit(record)
                if task is None:
                    continue
                batch.append(task)
                if len(batch) >= options.batch_size:
                    if scorer is None:  # the model loads once there is work for it
                        scorer = _make_scorer(options, workers, analyzer)
                    job.deliver(scorer.submit(batch))
                    batch = []
        if batch:
            if scorer is None:
                scorer = _make_scorer(options, workers, analyzer)
            job.deliver(scorer.submit(batch))
        if isinstance(scorer, PoolScorer):
            for outcomes in scorer.drain():
                job.deliver(outcomes)
    except KeyboardInterrupt:
        summary.interrupted_by = interrupts.signal or signal.SIGINT
    finally:
        with interrupts.shielded():
            interrupted = summary.interrupted_by is not None
            if scorer is not None:
                scorer.close(interrupted=interrupted)
            if progress is not None:
                progress.close()
            for closable in (errors, semeval, out):
                if closable is not None:
                    closable.close()
        interrupts.restore()
        summary.interrupted_by = summary.interrupted_by or interrupts.signal  # one may arrive during the clean-up
        summary.seconds = time.monotonic() - started
    return summary


def _make_scorer(options: BatchOptions, workers: int, analyzer: Analyzer | None = None
                 ) -> InProcessScorer | PoolScorer:
    try:  # once, here: every worker then loads the same version even if a registry promotes another
        folder = ModelFolder.resolve(options.model) if analyzer is None else None
        model = folder.path if folder is not None else None
        if folder is not None and workers > 1:  # refused here, before any worker loads a model
            points = folder.operating_points()
            if options.sensitivity not in points.available:
                raise BatchError(f"--sensitivity {options.sensitivity}: the model serves "
                                 f"{', '.join(points.available)} only; it was calibrated without "
                                 f"{options.sensitivity!r} thresholds")
    except BatchError:
        raise
    except FramingError as error:
        raise BatchError(f"cannot load the model: {error}") from error
    if workers == 1:
        return InProcessScorer(model, options.threads, analyzer, options.sensitivity)
    return PoolScorer(model, options.threads, workers, options.sensitivity)
