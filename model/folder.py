"""A trained model folder: found, read and written in one place, as `from_pretrained` and
`save_pretrained` do for transformers.

`ModelFolder.resolve` turns what a user names into the folder to load: nothing is the shipped
model, a registry is its promoted version, a model folder is itself. The accessors read each file
of the folder (their names are in `model.layout`) and raise `ModelLoadError` for one that is
missing, unreadable or from an incompatible version, so every caller reports the same problem the
same way. Reading a registry (which version is promoted) lives here too, because loading needs it;
listing, creating and promoting versions is training's business (`training.registry`).

torch, transformers and scikit-learn are imported only by the methods that need them, so finding a
folder or reading its metrics stays cheap for commands that never load the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing.model.errors import FramingError
from framing.model.files import write_atomic
from framing.model.layout import (
    ARTICLE_FRAME_FILES,
    BASELINE_THRESHOLDS,
    DATA_RECORD,
    HASHED_FILES,
    HASHES,
    LEGACY_TFIDF_FILE,
    MANIFEST,
    METRICS,
    MODEL_CARD,
    PROMOTED,
    REPORT_DIR,
    REQUIRED_FILES,
    SENSITIVE_THRESHOLDS,
    SENTENCE_FRAME_EXAMPLES,
    SENTENCE_FRAME_FILES,
    SENTENCE_STACK,
    SENTENCE_TECHNIQUE_FILES,
    SPAN_MEMORY_FILES,
    TFIDF_FILES,
    THRESHOLDS,
    VERSIONS,
    WEIGHTS,
)
from framing.model.manifest import Manifest
from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.model.thresholds import OperatingPoints, Thresholds

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from framing.model.article_frames import ArticleFrameModel
    from framing.model.embedding_regression import EmbeddingRegression
    from framing.model.network import FramingNetwork
    from framing.model.sentence_frames import SentenceFrameModel
    from framing.model.sentence_stack import SentenceStack
    from framing.model.sentence_techniques import SentenceTechniqueModel
    from framing.model.span_memory import SpanMemory
    from framing.model.tfidf import BaselineScorer

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "shipped"


class ModelLoadError(FramingError, RuntimeError):
    """The model directory is missing, incomplete or from an incompatible version."""


class RegistryError(FramingError, RuntimeError):
    """A registry that cannot serve (nothing promoted, the promoted version gone) or cannot be changed."""


# ------------------------------------------------------------------------- reading a registry

# A version name is one plain folder name: no separators, no `..`, no leading dot or dash, so
# `versions/<name>` can never point outside the registry (`promote ../../evil`, `/abs/path`).
VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_version_name(name: str) -> str:
    """`name` if it is a safe version name, else RegistryError saying what a name may be."""
    if not VERSION_NAME.fullmatch(name) or ".." in name:
        shown = name.encode("utf-8", "backslashreplace").decode("utf-8")[:100]
        raise RegistryError(f"{shown!r} is not a version name: use letters, digits, '.', '_' and '-' "
                            "(at most 64, starting with a letter or digit), e.g. v3")
    return name


def version_path(registry: str | Path, version: str) -> Path:
    """`registry/versions/<version>`, refused (RegistryError) for an unsafe name or for a folder that
    resolves outside `versions/` (a symbolic link pointing elsewhere)."""
    versions = Path(registry) / VERSIONS
    path = versions / check_version_name(version)
    if path.exists() and not path.resolve().is_relative_to(versions.resolve()):
        raise RegistryError(f"{registry}: version {version!r} resolves outside {VERSIONS}/")
    return path


def is_registry(path: str | Path) -> bool:
    return (Path(path) / VERSIONS).is_dir()


def promoted_version(registry: str | Path) -> str | None:
    """The version named in the registry's PROMOTED file (None when nothing is promoted)."""
    marker = Path(registry) / PROMOTED
    return marker.read_text(encoding="utf-8").strip() or None if marker.is_file() else None


def promoted_dir(registry: str | Path) -> Path:
    """The folder of the promoted version; RegistryError when there is none to serve, or when
    PROMOTED names something other than a folder inside `versions/`."""
    registry = Path(registry)
    version = promoted_version(registry)
    if version is None:
        raise RegistryError(f"{registry}: no version is promoted; run 'framing models promote VERSION'")
    try:
        path = version_path(registry, version)
    except RegistryError as error:
        raise RegistryError(f"{registry}: {PROMOTED} is refused: {error}") from None
    if not (path / MANIFEST).is_file():
        raise RegistryError(f"{registry}: promoted version {version!r} is missing")
    return path


# ------------------------------------------------------------------------------------- file hashes

def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------ the model folder

@dataclass(frozen=True)
class ModelFolder:
    """One model folder on disk. `os.PathLike`, so it goes wherever a path to the folder went."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    @classmethod
    def resolve(cls, location: str | os.PathLike[str] | None = None, *, check: bool = True) -> ModelFolder:
        """The folder to load for `location`: the shipped model for None, a registry's promoted
        version, or the folder itself.

        With `check` (the default) the folder must hold a model (ModelLoadError naming the missing
        files otherwise); without, it only has to be found, e.g. to read its data record.
        RegistryError for a registry with no (existing) promoted version.
        """
        if isinstance(location, ModelFolder):
            folder = location
        elif location is None or str(location) == "":
            folder = cls(SHIPPED_MODEL_DIR)
        else:
            path = Path(location)
            folder = cls(promoted_dir(path) if is_registry(path) else path)
        if check:
            folder.require_files()
        return folder

    @classmethod
    def shipped(cls) -> ModelFolder:
        return cls(SHIPPED_MODEL_DIR)

    def require_files(self) -> None:
        """Refuses a folder that is not a trained model before anything reads from it."""
        missing = [name for name in REQUIRED_FILES if not (self.path / name).is_file()]
        if missing:
            raise ModelLoadError(f"{self.path} is not a framing model directory (missing {', '.join(missing)})")

    # ----------------------------------------------------------------------------------- hashes

    def hashes(self) -> dict[str, str] | None:
        """The sha256 of each model file recorded when the folder was saved (None: not recorded,
        a folder from before hashes were kept)."""
        if not (self.path / HASHES).is_file():
            return None
        recorded = self._json(HASHES)
        files = recorded.get("sha256") if isinstance(recorded, dict) else None
        if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in files.items()):
            raise ModelLoadError(f"{self.path / HASHES}: expected {{\"sha256\": {{file name: hex digest}}}}")
        return files

    def check_hashes(self) -> None:
        """ModelLoadError when a file that is read to serve the model differs from the one saved
        (swapped, truncated or edited), or is missing though its hash was recorded."""
        recorded = self.hashes()
        if recorded is None:
            return
        for name, expected in sorted(recorded.items()):
            if name not in HASHED_FILES:
                continue  # only the layout's own file names are opened, never a path read from the file
            path = self.path / name
            if not path.is_file():
                raise ModelLoadError(f"{self.path}: {name} is listed in {HASHES} but missing")
            if file_sha256(path) != expected.lower():
                raise ModelLoadError(f"{self.path}: {name} does not match the sha256 recorded in {HASHES} "
                                     "(the file was changed after the model was saved); refusing to load it")

    def save_hashes(self) -> dict[str, str]:
        """Record the sha256 of every model file now in the folder (called at the end of `save`)."""
        files = {name: file_sha256(self.path / name) for name in HASHED_FILES if (self.path / name).is_file()}
        self._write_json(HASHES, {"sha256": files})
        return files

    @property
    def report_dir(self) -> Path:
        return self.path / REPORT_DIR

    # ---------------------------------------------------------------------------------- reading

    def manifest(self) -> Manifest:
        """The manifest, refused when its label order is not this version's."""
        try:
            manifest = Manifest.load(self.path)
        except (OSError, ValueError, TypeError) as error:
            raise ModelLoadError(f"{self.path}: cannot read {MANIFEST}: {error}") from error
        problem = manifest.label_order_problem()
        if problem:
            raise ModelLoadError(f"{self.path}: {problem}; it was trained with another label set than this "
                                 "version's, so its outputs would be read under the wrong names: retrain it "
                                 "with this version or serve it with the version that wrote it")
        return manifest

    def thresholds(self) -> Thresholds:
        return self._thresholds(THRESHOLDS)

    def sensitive_thresholds(self) -> Thresholds | None:
        """The `sensitive` operating point (None in folders calibrated before it existed)."""
        return (self._thresholds(SENSITIVE_THRESHOLDS) if (self.path / SENSITIVE_THRESHOLDS).is_file()
                else None)

    def operating_points(self) -> OperatingPoints:
        return OperatingPoints(self.thresholds(), self.sensitive_thresholds())

    def baseline_thresholds(self) -> Thresholds | None:
        """The TF-IDF baseline's own thresholds (None in folders trained without the baseline)."""
        return self._thresholds(BASELINE_THRESHOLDS) if (self.path / BASELINE_THRESHOLDS).is_file() else None

    def _thresholds(self, name: str) -> Thresholds:
        try:
            return Thresholds.load(self.path / name)
        except (OSError, ValueError) as error:
            raise ModelLoadError(f"{self.path}: cannot read {name}: {error}") from error

    def metrics(self) -> dict:
        """Held-out metrics recorded when the folder was written (empty if none were)."""
        return self._json(METRICS) or {}

    def data_record(self) -> dict | None:
        """What the run trained on (`data.json`), or None for a folder without one."""
        return self._json(DATA_RECORD)

    def heldout_ids(self) -> set[str] | None:
        """The articles the model was held out on, from its data record (None if it has none)."""
        record = self.data_record()
        if record is None:
            return None
        try:
            return {d["id"] for d in record["documents"] if d["split"] == "heldout"}
        except (KeyError, TypeError) as error:
            raise ModelLoadError(f"{self.path / DATA_RECORD}: malformed data record ({error!r})") from error

    def model_card(self) -> str | None:
        path = self.path / MODEL_CARD
        try:
            return path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError) as error:
            raise ModelLoadError(f"{path}: {error}") from error

    def _json(self, name: str) -> Any:
        path = self.path / name
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelLoadError(f"{path}: {error}") from error

    def has_tfidf(self) -> bool:
        return all((self.path / name).is_file() for name in TFIDF_FILES)

    def tfidf(self) -> BaselineScorer:
        """The TF-IDF model saved beside the network (the baseline, and the ensemble's lexical half)."""
        from framing.model.tfidf import BaselineScorer, TfidfFormatError

        missing = [name for name in TFIDF_FILES if not (self.path / name).is_file()]
        if missing:
            legacy = (f" (its {LEGACY_TFIDF_FILE} is a pickle from an older version, which is never loaded: "
                      "retrain or recalibrate the model)") if (self.path / LEGACY_TFIDF_FILE).exists() else ""
            raise ModelLoadError(f"{self.path}: the manifest asks for the TF-IDF model, but "
                                 f"{', '.join(missing)} is missing{legacy}")
        try:
            return BaselineScorer.load(self.path)
        except TfidfFormatError as error:
            raise ModelLoadError(str(error)) from error

    def has_sentence_frames(self) -> bool:
        return all((self.path / name).is_file() for name in SENTENCE_FRAME_FILES)

    def sentence_frames(self) -> SentenceFrameModel | None:
        """The sentence-frame model (None in folders fitted before it existed: their sentence frames
        come from the network's frame head, decided with the article thresholds)."""
        from framing.model.sentence_frames import SentenceFrameFormatError, SentenceFrameModel

        present = [name for name in SENTENCE_FRAME_FILES if (self.path / name).is_file()]
        if not present:
            return None
        if len(present) < len(SENTENCE_FRAME_FILES):
            missing = sorted(set(SENTENCE_FRAME_FILES) - set(present))
            raise ModelLoadError(f"{self.path}: {', '.join(missing)} is missing beside {', '.join(present)}; "
                                 "refit it with 'framing fit-sentence-frames'")
        try:
            return SentenceFrameModel.load(self.path)
        except SentenceFrameFormatError as error:
            raise ModelLoadError(str(error)) from error

    def article_frames(self, table_shape: tuple[int, ...] | None = None) -> ArticleFrameModel:
        """The article-frame embedding model the manifest gives a share (`Manifest.article_frame_weight`),
        checked against the network's embedding table when its shape is given."""
        from framing.model.article_frames import ArticleFrameModel

        return self._embedding_regression(ArticleFrameModel, ARTICLE_FRAME_FILES, table_shape)

    def sentence_techniques(self, table_shape: tuple[int, ...] | None = None) -> SentenceTechniqueModel:
        """The sentence-technique embedding model the manifest gives a share
        (`Manifest.sentence_technique_weight`), checked against the network's embedding table."""
        from framing.model.sentence_techniques import SentenceTechniqueModel

        return self._embedding_regression(SentenceTechniqueModel, SENTENCE_TECHNIQUE_FILES, table_shape)

    def _embedding_regression(self, kind: type[EmbeddingRegression], files: tuple[str, ...],
                              table_shape: tuple[int, ...] | None) -> Any:
        missing = [name for name in files if not (self.path / name).is_file()]
        if missing:
            raise ModelLoadError(f"{self.path}: the manifest gives the {kind.WHAT} a share, but "
                                 f"{', '.join(missing)} is missing")
        try:
            model = kind.load(self.path)
            if table_shape is not None:
                model.check_shapes(str(self.path), vocabulary=table_shape[0], dim=table_shape[1])
            return model
        except kind.ERROR as error:
            raise ModelLoadError(str(error)) from error

    def sentence_stack(self) -> SentenceStack | None:
        """The per-technique stack of the parts' sentence scores (None in folders without one: the
        fixed blend serves them)."""
        from framing.model.sentence_stack import SentenceStack, SentenceStackFormatError

        if not (self.path / SENTENCE_STACK).is_file():
            return None
        try:
            return SentenceStack.load(self.path)
        except SentenceStackFormatError as error:
            raise ModelLoadError(str(error)) from error

    def span_memory(self, state_size: int | None = None) -> SpanMemory | None:
        """The memory of annotated loaded words (None in folders without one: word scores are the
        network's alone), checked against the network's hidden size when it is given."""
        from framing.model.span_memory import SpanMemory, SpanMemoryFormatError

        present = [name for name in SPAN_MEMORY_FILES if (self.path / name).is_file()]
        if not present:
            return None
        if len(present) < len(SPAN_MEMORY_FILES):
            missing = sorted(set(SPAN_MEMORY_FILES) - set(present))
            raise ModelLoadError(f"{self.path}: {', '.join(missing)} is missing beside {', '.join(present)}")
        try:
            return SpanMemory.load(self.path, state_size)
        except SpanMemoryFormatError as error:
            raise ModelLoadError(str(error)) from error

    def sentence_frame_examples(self) -> Path | None:
        """The file of team-written sentences the sentence-frame model was fitted with, if any."""
        path = self.path / SENTENCE_FRAME_EXAMPLES
        return path if path.is_file() else None

    def save_sentence_frames(self, model: SentenceFrameModel, examples: list[tuple[str, str]] | None = None) -> None:
        """Adds the sentence-frame files (and the (frame, text) examples they were fitted with) to a
        saved folder and records their hashes; the folder's other files must still match their
        recorded hashes, so this never blesses an edited file."""
        self.check_hashes()
        model.save(self.path)
        path = self.path / SENTENCE_FRAME_EXAMPLES
        if examples:
            lines = [json.dumps({"id": f"example-{i + 1}", "frame": frame, "text": text}, ensure_ascii=False)
                     for i, (frame, text) in enumerate(examples)]
            write_atomic(path, "\n".join(lines) + "\n")
        else:
            path.unlink(missing_ok=True)
        self.save_hashes()

    def load_network(self, trainable: bool = False) -> tuple[FramingNetwork, PreTrainedTokenizerBase, Manifest,
                                                              Thresholds]:
        """The network as the model serves it, or with float weights when `trainable` (to fine-tune
        or recalibrate it: quantised layers cannot learn)."""
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        from framing.model.network import FramingNetwork
        from framing.model.quantization import QUANTIZATIONS, quantize

        self.require_files()
        self.check_hashes()  # before any file is parsed: the TF-IDF files, read later, are checked too
        manifest = self.manifest()
        if manifest.quantization not in QUANTIZATIONS:
            raise ModelLoadError(f"{self.path}: unknown quantization {manifest.quantization!r} in {MANIFEST}; "
                                 f"this version knows {', '.join(QUANTIZATIONS)}")
        network = FramingNetwork.from_config(str(self.path), frame_sharpness=manifest.frame_sharpness,
                                             article_context=manifest.article_context)
        state = {key: value.float() for key, value in load_file(str(self.path / WEIGHTS)).items()}
        try:
            network.load_state_dict(state)
        except RuntimeError as error:
            raise ModelLoadError(f"{self.path}: weights do not fit the network: {error}") from error
        tokenizer = AutoTokenizer.from_pretrained(str(self.path))
        network = network.eval() if trainable else quantize(network.eval(), manifest.quantization, inplace=True)
        return network, tokenizer, manifest, self.thresholds()

    # ---------------------------------------------------------------------------------- writing

    def save(self, network: FramingNetwork, tokenizer: PreTrainedTokenizerBase, manifest: Manifest,
             thresholds: Thresholds, tfidf: BaselineScorer | None = None,
             tfidf_thresholds: Thresholds | None = None, sensitive: Thresholds | None = None,
             article_frames: ArticleFrameModel | None = None, span_memory: SpanMemory | None = None,
             sentence_techniques: SentenceTechniqueModel | None = None,
             sentence_stack: SentenceStack | None = None) -> None:
        """Writes the network, its tokenizer, manifest and thresholds, and the TF-IDF, article-frame,
        sentence-technique, sentence-stack and span-memory models when given (a folder saved without
        one of the last four loses any it had). A
        sentence-frame model already in the folder is removed: it reads the embedding table of the
        network it was fitted on (`save_sentence_frames` adds a new one).

        `thresholds` is the `precise` operating point, `sensitive` the other one; a folder saved
        without `sensitive` loses any it had, so the two points always come from one calibration.

        Weights go out in fp16: half the size, and no measurable change in the decisions. The
        manifest records this version's label order, the order the network's outputs are in.
        """
        import torch
        from safetensors.torch import save

        self.path.mkdir(parents=True, exist_ok=True)
        state = {key: value.detach().to(torch.float16).contiguous() for key, value in network.state_dict().items()}
        write_atomic(self.path / WEIGHTS, save(state))
        with tempfile.TemporaryDirectory(dir=self.path, prefix=".pretrained.") as staging:
            network.encoder.config.save_pretrained(staging)  # transformers writes in place: staged, then
            tokenizer.save_pretrained(staging)                # moved, so a hard-linked file is replaced
            for item in Path(staging).iterdir():
                os.replace(item, self.path / item.name)
        replace(manifest, techniques=list(TECHNIQUES), frames=list(FRAMES)).save(self.path)
        thresholds.save(self.path / THRESHOLDS)
        if sensitive is not None:
            sensitive.save(self.path / SENSITIVE_THRESHOLDS)
        else:
            (self.path / SENSITIVE_THRESHOLDS).unlink(missing_ok=True)
        if tfidf is not None:
            tfidf.save(self.path)
        if tfidf_thresholds is not None:
            tfidf_thresholds.save(self.path / BASELINE_THRESHOLDS)
        for part, files in ((article_frames, ARTICLE_FRAME_FILES), (sentence_techniques, SENTENCE_TECHNIQUE_FILES),
                            (span_memory, SPAN_MEMORY_FILES), (sentence_stack, (SENTENCE_STACK,))):
            if part is not None:
                part.save(self.path)
            else:
                for name in files:
                    (self.path / name).unlink(missing_ok=True)
        for name in (*SENTENCE_FRAME_FILES, SENTENCE_FRAME_EXAMPLES):  # fitted on another network's table
            (self.path / name).unlink(missing_ok=True)
        self.save_hashes()

    def save_metrics(self, metrics: dict) -> None:
        self._write_json(METRICS, metrics)

    def save_data_record(self, record: dict) -> None:
        self._write_json(DATA_RECORD, record)

    def _write_json(self, name: str, value: Any) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path / name, json.dumps(value, indent=2) + "\n")
