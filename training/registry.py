"""A folder of trained model versions, one of them promoted for serving.

Layout: `REGISTRY/versions/<version>/` holds complete model directories (with `data.json`, what
the run trained on, with hashes); `REGISTRY/PROMOTED` names the version the service loads. A path
that is a plain model directory is served as it is.

Which version is promoted is read by `model.folder` (loading a model needs it, and `model/` never
imports `training/`); listing, creating and promoting versions is this module's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from framing.model.files import write_atomic
from framing.model.folder import (
    VERSION_NAME,
    ModelFolder,
    RegistryError,
    check_version_name,
    promoted_dir,
    promoted_version,
    version_path,
)
from framing.model.layout import MANIFEST, PROMOTED, VERSIONS, WORK
from framing.training.documents import Document
from framing.training.gate import GATE_METRICS, Comparison, compare
from framing.training.loaded_probe import LoadedPair

log = logging.getLogger("framing.train")

__all__ = ["GATE_METRICS", "PromotionRefused", "Registry", "VersionInfo"]


def _log_note(note: str) -> None:
    log.warning("%s", note)


class PromotionRefused(RegistryError):
    """The gate refused a valid version: `framing models promote` exits 1 (a verdict, not a usage error)."""


@dataclass
class VersionInfo:
    version: str
    path: Path
    promoted: bool
    summary: dict

    @property
    def created(self) -> str:
        record = ModelFolder(self.path).data_record()
        return record.get("created", "") if isinstance(record, dict) else ""


def _version_key(name: str) -> tuple[int, str]:
    match = re.fullmatch(r"v(\d+)", name)
    return (int(match.group(1)) if match else -1, name)


class Registry:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def versions(self) -> list[VersionInfo]:
        promoted = self.promoted_version()
        folder = self.root / VERSIONS
        names = sorted((p.name for p in folder.iterdir() if (p / MANIFEST).is_file()
                        and VERSION_NAME.fullmatch(p.name)), key=_version_key) if folder.is_dir() else []
        return [VersionInfo(name, folder / name, name == promoted, self.summary(name)) for name in names]

    def summary(self, version: str) -> dict:
        return ModelFolder(self.version_dir(version)).metrics().get("summary", {}).get("model", {})

    def next_version(self) -> str:
        """An unfinished run's version if there is one (so re-running resumes it), else a new one."""
        work = self.root / WORK
        if work.is_dir():
            unfinished = sorted((p.name for p in work.iterdir() if p.is_dir() and VERSION_NAME.fullmatch(p.name)),
                                key=_version_key)
            if unfinished:
                return unfinished[-1]
        taken = [_version_key(v.version)[0] for v in self.versions()]
        return f"v{max(taken, default=0) + 1}"

    def work_dir(self, version: str) -> Path:
        return self.root / WORK / check_version_name(version)

    def version_dir(self, version: str) -> Path:
        """`versions/<version>`; RegistryError for a name that could lead outside `versions/`."""
        return version_path(self.root, version)

    def promoted_version(self) -> str | None:
        return promoted_version(self.root)

    def promoted_dir(self) -> Path:
        return promoted_dir(self.root)

    def compare(self, version: str, documents: Sequence[Document] | None = None,
                pairs: Sequence[LoadedPair] | None = None) -> Comparison | str | None:
        """`version` against the promoted one on their common held-out articles, and on the
        loaded-language probe's `pairs` when given (`training.gate`); None when there is nothing to
        compare with."""
        current = self.promoted_version()
        if not current or current == version:
            return None
        return compare(self.version_dir(current), self.version_dir(version), documents, pairs)

    def promote(self, version: str, force: bool = False, documents: Sequence[Document] | None = None,
                evidence: Comparison | None = None, pairs: Sequence[LoadedPair] | None = None,
                on_note: Callable[[str], None] | None = None) -> list[str]:
        """Mark `version` as served; returns the gate's complaints (empty when it passed or was forced).

        The gate compares figures on the same held-out articles only; `documents` lets it score both
        versions again when they were held out on different ones, `pairs` adds the loaded-language
        probe, and `evidence` gives figures already obtained so (a correction round's). The falls it
        lets pass go to `on_note` (default: a warning in the log), so a command can show them as its own."""
        if not (self.version_dir(version) / MANIFEST).is_file():
            raise RegistryError(f"{self.root}: no version {version!r}")
        comparison = evidence if evidence is not None else self.compare(version, documents, pairs)
        complaints: list[str] = []
        if isinstance(comparison, str):
            complaints.append(comparison)
        elif comparison is not None:
            complaints = comparison.complaints(str(self.promoted_version()))
            for note in comparison.notes(str(self.promoted_version())):
                (on_note or _log_note)(note)
        if complaints and not force:
            raise PromotionRefused(f"refusing to promote {version}: " + "; ".join(complaints) + " (use --force)")
        write_atomic(self.root / PROMOTED, version + "\n")
        return complaints
