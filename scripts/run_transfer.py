"""Move a `framing crossval` run trained elsewhere (a GPU machine) back to finish it here.

`pack RUN OUT` writes what the thresholds and the packaging need into OUT as a tar split into parts
of at most 15 MiB (the GPU tool returns at most 8 files of 16 MiB): the plan, each fold's out-of-fold
scores of every system fitted with its fold network (the network's own, and the article-frame,
sentence-technique and span-memory models' where the recipe gives them a share) and the final
network, all in fp16 (the model folder stores the network in fp16 anyway; probabilities lose nothing
the threshold grid can see), plus the logs. The fold networks themselves stay behind (60 MB each),
so every system that needs one must come back as scores. The TF-IDF baseline's out-of-fold scores are
not sent: `unpack PARTS RUN --data ... --config ...` refits each fold's baseline here
(deterministic, seconds) and writes complete fold score files, so that a plain `framing crossval` on
RUN skips every part and only fits thresholds and writes the model.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tarfile
from pathlib import Path

import numpy as np

PART_BYTES = 15 * 1024 * 1024
FOLD_SCORES = "systems.npz"
# Refitted on arrival rather than sent: deterministic, and the only system that needs no fold network.
REFITTED = "baseline"


def pack(run: Path, out: Path, logs: Path | None) -> None:
    from safetensors.torch import load_file, save

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(run / "plan.json", "plan.json")
        for fold_dir in sorted(run.glob("fold-*")):
            scores = fold_dir / "scores.npz"
            if not scores.is_file():
                print(f"{fold_dir.name}: not finished, not packed", file=sys.stderr)
                continue
            with np.load(scores, allow_pickle=False) as data:
                arrays = {key: (data[key].astype(np.float16) if data[key].dtype.kind == "f" else data[key])
                          for key in data.files if key.split(".")[0] != REFITTED}
            packed = io.BytesIO()
            np.savez_compressed(packed, **arrays)
            _add(tar, f"{fold_dir.name}/{FOLD_SCORES}", packed.getvalue())
        final = run / "final.work"
        if (final / "finished.json").is_file():
            state = load_file(final / "finished.safetensors")
            half = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in state.items()}
            _add(tar, "final.work/finished.safetensors", save(half))
            tar.add(final / "finished.json", "final.work/finished.json")
        else:
            print("final network: not finished, not packed", file=sys.stderr)
        if logs is not None:
            for log in sorted(logs.glob("*")):
                tar.add(log, f"logs/{log.name}")
    data = buffer.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    for number, start in enumerate(range(0, len(data), PART_BYTES)):
        (out / f"run.tar.{number:02d}").write_bytes(data[start:start + PART_BYTES])
    print(f"packed {len(data) / 1e6:.1f} MB into {out}")


def _add(tar: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    tar.addfile(info, io.BytesIO(payload))


def unpack(parts: Path, run: Path, data_paths: list[Path], config_path: Path | None) -> None:
    from framing.model.scores import DocumentScores, PreparedText
    from framing.model.tfidf import BaselineScorer
    from framing.training.config import TrainConfig
    from framing.training.crossval import fold_dir
    from framing.training.data_sources import load_training_data
    from framing.training.fold_plan import FIELDS, SCORES, FoldPlan, save_scores

    data = b"".join(p.read_bytes() for p in sorted(parts.glob("run.tar.*")))
    staging = run.with_name(run.name + ".transfer")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(staging, filter="data")
    run.mkdir(parents=True, exist_ok=True)
    if (staging / "logs").is_dir():
        shutil.copytree(staging / "logs", run / "logs", dirs_exist_ok=True)
    if not (run / "plan.json").is_file():
        shutil.copy(staging / "plan.json", run / "plan.json")
    config = TrainConfig.from_file(config_path)
    documents = load_training_data(data_paths).documents
    recorded = json.loads((run / "plan.json").read_text(encoding="utf-8"))
    plan = FoldPlan.make(documents, recorded["k"], recorded["seed"], recorded["gate_fraction"],
                         recorded["gate_ids"] or None, config.train_only_formats)
    plan.save_or_check(run, documents, config)  # the same deal, documents and training settings
    for fold in range(plan.k):
        packed = staging / f"fold-{fold + 1}" / FOLD_SCORES
        if not packed.is_file() or (fold_dir(run, fold) / SCORES).is_file():
            continue
        train_docs, heldout = plan.split(documents, fold)
        with np.load(packed, allow_pickle=False) as arrays:
            ids = [str(i) for i in arrays["ids"]]
            if ids != [d.id for d in heldout]:
                raise SystemExit(f"fold {fold + 1}: its out-of-fold articles differ from this plan's")
            names = sorted({key.split(".")[0] for key in arrays.files if key != "ids"})
            systems = {name: [DocumentScores(**{f: arrays[f"{name}.{j}.{f}"].astype(np.float32) for f in FIELDS})
                              for j in range(len(ids))] for name in names}
        if config.fits_tfidf():
            prepared = [PreparedText.from_text(d.text) for d in heldout]
            systems["baseline"] = BaselineScorer().fit(train_docs).score(prepared)
        save_scores(fold_dir(run, fold) / SCORES, ids, systems)
        print(f"fold {fold + 1}: {len(ids)} out-of-fold articles, systems {', '.join(sorted(systems))}")
    if (staging / "final.work" / "finished.json").is_file():
        (run / "final.work").mkdir(exist_ok=True)
        for name in ("finished.safetensors", "finished.json"):  # the record last: it marks the network done
            shutil.copy(staging / "final.work" / name, run / "final.work" / name)
        print("final network unpacked")
    shutil.rmtree(staging)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    packing = commands.add_parser("pack")
    packing.add_argument("run", type=Path)
    packing.add_argument("out", type=Path)
    packing.add_argument("--logs", type=Path)
    unpacking = commands.add_parser("unpack")
    unpacking.add_argument("parts", type=Path)
    unpacking.add_argument("run", type=Path)
    unpacking.add_argument("--data", action="append", required=True, type=Path)
    unpacking.add_argument("--config", type=Path)
    args = parser.parse_args()
    if args.command == "pack":
        pack(args.run, args.out, args.logs)
    else:
        unpack(args.parts, args.run, args.data, args.config)


if __name__ == "__main__":
    main()
