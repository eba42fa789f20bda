"""A folder of trained model versions, one of them promoted for serving.

Layout: `REGISTRY/versions/<version>/` holds complete model directories (with `data.json`, what
the run trained on, with hashes); `REGISTRY/PROMOTED` names the version the service loads. A path
that is a plain model directory is served as it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from framing.model.artifact import MANIFEST, METRICS
from framing.model.errors import FramingError
from framing.model.files import write_atomic

VERSIONS = "versions"
PROMOTED = "PROMOTED"
WORK = ".work"
# Metrics that must not fall for a version to replace the promoted one.
GATE_METRICS = ("paragraph_micro_f1", "span_f1", "frame_micro_f1")


class RegistryError(FramingError, RuntimeError):
    pass


@dataclass
class VersionInfo:
    version: str
    path: Path
    promoted: bool
    summary: dict

    @property
    def created(self) -> str:
        data = self.path / "data.json"
        if data.is_file():
            return json.loads(data.read_text(encoding="utf-8")).get("created", "")
        return ""


def is_registry(path: Path) -> bool:
    return (Path(path) / VERSIONS).is_dir()


def _version_key(name: str) -> tuple[int, str]:
    match = re.fullmatch(r"v(\d+)", name)
    return (int(match.group(1)) if match else -1, name)


class Registry:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def versions(self) -> list[VersionInfo]:
        promoted = self.promoted_version()
        folder = self.root / VERSIONS
        names = sorted((p.name for p in folder.iterdir() if (p / MANIFEST).is_file()), key=_version_key) \
            if folder.is_dir() else []
        return [VersionInfo(name, folder / name, name == promoted, self.summary(name)) for name in names]

    def summary(self, version: str) -> dict:
        path = self.root / VERSIONS / version / METRICS
        if not path.is_file():
            return {}
        return json.loads(path.read_text(encoding="utf-8")).get("summary", {}).get("model", {})

    def next_version(self) -> str:
        """An unfinished run's version if there is one (so re-running resumes it), else a new one."""
        work = self.root / WORK
        if work.is_dir():
            unfinished = sorted((p.name for p in work.iterdir() if p.is_dir()), key=_version_key)
            if unfinished:
                return unfinished[-1]
        taken = [_version_key(v.version)[0] for v in self.versions()]
        return f"v{max(taken, default=0) + 1}"

    def work_dir(self, version: str) -> Path:
        return self.root / WORK / version

    def version_dir(self, version: str) -> Path:
        return self.root / VERSIONS / version

    def promoted_version(self) -> str | None:
        marker = self.root / PROMOTED
        return marker.read_text(encoding="utf-8").strip() or None if marker.is_file() else None

    def promoted_dir(self) -> Path:
        version = self.promoted_version()
        if version is None:
            raise RegistryError(f"{self.root}: no version is promoted; run 'framing models promote VERSION'")
        path = self.version_dir(version)
        if not (path / MANIFEST).is_file():
            raise RegistryError(f"{self.root}: promoted version {version!r} is missing")
        return path

    def promote(self, version: str, force: bool = False) -> list[str]:
        """Mark `version` as served; returns the gate's complaints (empty when it passed or was forced)."""
        if not (self.version_dir(version) / MANIFEST).is_file():
            raise RegistryError(f"{self.root}: no version {version!r}")
        complaints: list[str] = []
        current = self.promoted_version()
        if current and current != version:
            old, new = self.summary(current), self.summary(version)
            for metric in GATE_METRICS:
                if metric in old and new.get(metric, -1.0) < old[metric]:
                    complaints.append(f"{metric} {new.get(metric, 'missing')} < {old[metric]} of {current}")
        if complaints and not force:
            raise RegistryError(f"refusing to promote {version}: " + "; ".join(complaints) + " (use --force)")
        write_atomic(self.root / PROMOTED, version + "\n")
        return complaints


def resolve_model_dir(path: str | Path) -> Path:
    """The directory to load: a registry's promoted version, or the path itself."""
    path = Path(path)
    return Registry(path).promoted_dir() if is_registry(path) else path
