# CPU-only image of the framing service, with the shipped model inside.
#   docker build -t framing .
#   docker run --rm -p 8000:8000 framing          # then open http://127.0.0.1:8000/
# The FRAMING_* settings (service/settings.py) can be changed with -e, e.g. -e FRAMING_PORT=9000.

# Build the project's wheel (code + model/shipped and the probes of data/probes as package data).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY model ./model
COPY training ./training
COPY service ./service
COPY model/shipped ./model/shipped
COPY data/probes ./data/probes
RUN test -f model/shipped/framing.json && test -f data/probes/loaded_pairs.jsonl \
    && pip wheel --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# torch first, from PyTorch's CPU index, so nothing can pull the CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

# Then the project and the rest of its dependencies, pinned by constraints.txt.
COPY constraints.txt /tmp/constraints.txt
COPY --from=build /wheels /tmp/wheels
RUN pip install -c /tmp/constraints.txt /tmp/wheels/*.whl \
    && python -c "import torch; assert torch.version.cuda is None, torch.__version__" \
    && python -c "from framing.model.folder import SHIPPED_MODEL_DIR as d; assert (d / 'framing.json').is_file(), d" \
    && python -c "from framing.training.loaded_probe import LOADED_PAIRS as p, default_pairs; assert default_pairs(), p" \
    && rm -rf /tmp/wheels /tmp/constraints.txt

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin framing
USER framing
WORKDIR /home/framing

ENV FRAMING_HOST=0.0.0.0 \
    FRAMING_PORT=8000
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('FRAMING_PORT', '8000') + '/healthz', timeout=4)"

CMD ["framing", "serve"]
