"""`framing batch --engine ray`: the batch job on Ray Data, on this machine or a Ray cluster.

The driver cuts the input into shards (`shards.py`) and hands their descriptions, not their text,
to `map_batches` on a pool of actors: each actor loads the model once (`open_analyzer`) and reads,
checks and scores whole shards with the local engine's code (`shard_scoring.py`). Results come back
to the driver, the one writer (`sharded_output.py`): it drops ids that another shard already gave
(each id is written once), appends JSONL lines or writes one Parquet part per shard, and keeps the
progress and summary the local engine gives.

Ray is an optional extra (`pip install -e '.[ray]'`): this module imports it only when it runs.
"""

from __future__ import annotations

import json
import logging
import pickle
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framing.model.errors import FramingError
from framing.service.batch.options import STDIN, BatchError, BatchOptions, available_cores, default_workers
from framing.service.batch.progress import Progress, Summary
from framing.service.batch.signals import Interrupts

DEFAULT_SHARD_ROWS = 128
INSTALL_HINT = "pip install -e '.[ray]'"


@dataclass
class RayOptions:
    address: str | None = None  # None: start a Ray on this machine; else join this cluster
    actors: int | None = None  # None: one per free CPU (of this machine, or of the cluster)
    shard_rows: int | None = None  # None: what the output was started with, else DEFAULT_SHARD_ROWS
    output: str | None = None  # the output as typed, when it is a URI (a Path would fold its '//')


def import_ray() -> Any:
    try:
        import pyarrow  # noqa: F401
        import ray
        import ray.data
    except ImportError as error:
        raise BatchError(f"--engine ray needs Ray Data, which is not installed ({error.name} is missing); "
                         f"install it with: {INSTALL_HINT}") from error
    return ray


class ShardScorer:
    """A Ray actor: the model loaded once, then whole shards scored, one result per shard."""

    def __init__(self, model: str | None, threads: int, sensitivity: str, max_chars: int, batch_size: int,
                 parquet: bool, done: frozenset[str]) -> None:
        from framing.service.batch.scoring import check_sensitivity, open_analyzer

        self.analyzer = open_analyzer(model, threads)
        check_sensitivity(self.analyzer, sensitivity)
        self.settings = {"max_chars": max_chars, "batch_size": batch_size, "sensitivity": sensitivity,
                         "parquet": parquet}
        self.done = done  # the ids already in the output: skipped

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        from framing.service.batch.shard_scoring import score_shard
        from framing.service.batch.shards import Shard

        results = []
        for text in batch.column("shard").to_pylist():
            shard = Shard(**json.loads(text))
            results.append(pickle.dumps(score_shard(self.analyzer, shard, done=self.done, **self.settings)))
        return pa.table({"result": pa.array(results, pa.binary())})


def _start_ray(ray: Any, address: str | None, cpus: int) -> bool:
    """Start (or join) Ray quietly; True when this job started it and so must stop it."""
    if ray.is_initialized():
        return False
    quiet = {"include_dashboard": False, "logging_level": logging.ERROR, "log_to_driver": False}
    logging.getLogger("ray").setLevel(logging.ERROR)  # start-up notices; errors still show
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(num_cpus=cpus, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise BatchError(f"cannot start {where}: {error}") from error
    return True


def _check_model(options: BatchOptions) -> str | None:
    """The model folder every actor loads (resolved once, so all load the same version), checked
    for the operating point before any actor starts. None: each actor loads the shipped model."""
    from framing.model.folder import ModelFolder

    if options.model is None and options.sensitivity == "precise":
        return None
    try:
        folder = ModelFolder.resolve(options.model)
        points = folder.operating_points()
    except FramingError as error:
        raise BatchError(f"cannot load the model: {error}") from error
    if options.sensitivity not in points.available:
        raise BatchError(f"--sensitivity {options.sensitivity}: the model serves {', '.join(points.available)} "
                         f"only; it was calibrated without {options.sensitivity!r} thresholds")
    return str(folder.path) if options.model is not None else None


def _worker_failure(error: Exception) -> BatchError:
    """An unexpected failure in Ray (a worker died, a bug): the job stops, a rerun resumes it."""
    return BatchError(f"a Ray worker failed: {error}; re-run the command to resume")


def run_ray_batch(options: BatchOptions, ray_options: RayOptions,
                  log: Callable[[str], None] | None = None) -> Summary:
    """Run (or resume) a batch job on Ray. Raises BatchError for problems that stop it."""
    say: Callable[[str], None] = log or (lambda message: print(message, file=sys.stderr, flush=True))
    started = time.monotonic()
    if options.max_chars < 1 or options.batch_size < 1 or options.threads < 1:
        raise BatchError("--max-chars, --batch-size and --threads must be at least 1")
    if ray_options.actors is not None and ray_options.actors < 1:
        raise BatchError("--actors must be at least 1")
    if ray_options.shard_rows is not None and ray_options.shard_rows < 1:
        raise BatchError("--shard-rows must be at least 1")
    if options.input == STDIN:
        raise BatchError("--engine ray reads files, not stdin; give a file, a folder or a URI")
    ray = import_ray()
    from framing.service.batch.sharded_output import ParquetSink, open_sink
    from framing.service.batch.shards import plan_shards

    model = _check_model(options)
    output = ray_options.output or str(options.output)
    sink = open_sink(output, options.errors_path, options.sensitivity, ray_options.shard_rows, options.input)
    summary = Summary(errors_path=Path(sink.errors_location))
    interrupts = Interrupts()
    interrupts.install()
    owned = False
    progress: Progress | None = None
    try:
        shard_rows = getattr(sink, "shard_rows", None) or ray_options.shard_rows or DEFAULT_SHARD_ROWS
        shards = plan_shards(options.input, shard_rows, options.input_format)
        if isinstance(sink, ParquetSink):
            sink.start(shard_rows)
            summary.skipped = sink.skipped_in_done_shards
            summary.failed = sink.errors_of_done_shards()
        todo = [shard for shard in shards if shard.name not in sink.done_shards]
        actors = 0
        if todo:
            owned = _start_ray(ray, ray_options.address,
                               max(available_cores(), (ray_options.actors or 1) * options.threads))
            interrupts.reclaim()  # Ray's own SIGTERM handler would abort the process mid-write
            cluster_cpus = int(ray.cluster_resources().get("CPU", 1))
            wanted = ray_options.actors or (default_workers() if ray_options.address is None
                                            else max(1, cluster_cpus // options.threads))
            actors = max(1, min(wanted, len(todo)))
        summary.workers = actors
        say(f"framing batch: {options.input} ({len(shards)} shard(s) of up to {shard_rows} records) -> {output}"
            + (f", {len(shards) - len(todo)} shard(s) already complete" if len(todo) < len(shards) else "")
            + (f", {len(sink.done)} document(s) already complete" if sink.done else "")
            + (f"; Ray{' at ' + ray_options.address if ray_options.address else ' (local)'}: "
               f"{actors} actor(s) x {options.threads} thread(s)" if todo else "; nothing to do"))
        show_bar = options.progress if options.progress is not None else sys.stderr.isatty()
        sizes = [shard.records for shard in todo]
        to_do = None
        if all(size is not None for size in sizes):  # a CSV shard's count is known once it is read
            to_do = max(sum(size or 0 for size in sizes) - (0 if isinstance(sink, ParquetSink) else len(sink.done)), 0)
        progress = Progress(to_do, show_bar, options.log_every, say)
        if todo:
            _score(ray, options, model, sink, todo, actors, summary, progress, interrupts)
    except KeyboardInterrupt:
        summary.interrupted_by = interrupts.signal or signal.SIGINT
    finally:
        with interrupts.shielded():  # a SIGTERM during Ray's shutdown must not skip the rest (it exited 130)
            if progress is not None:
                progress.close()
            sink.close()
            if owned:
                ray.shutdown()
        interrupts.restore()
        summary.interrupted_by = summary.interrupted_by or interrupts.signal  # one may arrive during the clean-up
        summary.seconds = time.monotonic() - started
    return summary


def _score(ray: Any, options: BatchOptions, model: str | None, sink: Any, todo: list[Any], actors: int,
           summary: Summary, progress: Progress, interrupts: Interrupts) -> None:
    """The Ray Data pipeline: shard descriptions -> actor pool -> results, written as they arrive."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    dataset = ray.data.from_items([{"shard": json.dumps(shard.as_dict())} for shard in todo],
                                  override_num_blocks=len(todo))
    scored = dataset.map_batches(
        ShardScorer, batch_size=1, batch_format="pyarrow", num_cpus=options.threads,
        compute=ray.data.ActorPoolStrategy(size=actors),
        fn_constructor_kwargs={"model": model, "threads": options.threads, "sensitivity": options.sensitivity,
                               "max_chars": options.max_chars, "batch_size": options.batch_size,
                               "parquet": sink.parquet, "done": frozenset(sink.done)})
    written: dict[str, str] = {}  # id -> source, for the ids this run wrote
    try:
        # Block by block as the actors finish them (iter_rows would gather rows into larger batches first).
        for block in scored.iter_batches(batch_size=None, prefetch_batches=0, batch_format="pyarrow"):
            for payload in block.column("result").to_pylist():
                _write(pickle.loads(payload), sink, written, summary, progress, interrupts)
    except (KeyboardInterrupt, BatchError):
        raise
    except Exception as error:
        if type(error).__module__.startswith("ray"):
            raise _worker_failure(error) from error
        raise


def _write(result: Any, sink: Any, written: dict[str, str], summary: Summary, progress: Progress,
           interrupts: Interrupts) -> None:
    """One shard's result into the output; an id another shard of this run already gave is refused."""
    if result.fatal is not None:
        raise BatchError(result.fatal)
    errors = list(result.errors)
    keep = []
    for doc_id, source in zip(result.ids, result.sources, strict=True):
        if doc_id in written:  # the same id in two shards: the first to finish is kept
            errors.append((doc_id, source, f"duplicate id (first seen at {written[doc_id]})"))
            keep.append(False)
        else:
            written[doc_id] = source
            keep.append(True)
    lines = [line for line, kept in zip(result.lines, keep, strict=False) if kept]
    part = result.part.filter(keep) if result.part is not None and not all(keep) else result.part
    with interrupts.deferred():
        sink.write(result.name, lines, part, errors)
    summary.done += sum(keep)
    summary.failed += len(errors)
    summary.skipped += result.skipped
    progress.update(summary, processed=len(result.ids) + len(result.errors))
