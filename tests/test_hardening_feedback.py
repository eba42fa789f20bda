"""Issue 16, point 5: the feedback database's folders are private whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from framing.training.feedback_store import FOLDER_MODE, FeedbackStore, unusable_reason


def test_folders_made_for_the_database_are_0750_even_under_umask_000(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        with FeedbackStore(tmp_path / "a" / "b" / "fb.sqlite3"):
            pass
    finally:
        os.umask(previous)
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(folder.stat().st_mode) == FOLDER_MODE == 0o750


def test_unusable_reason_names_the_problem_without_a_path(tmp_path: Path) -> None:
    assert unusable_reason(tmp_path / "new" / "fb.sqlite3") is None
    (tmp_path / "file").write_text("x")
    reason = unusable_reason(tmp_path / "file" / "fb.sqlite3")
    assert reason is not None and str(tmp_path) not in reason
    (tmp_path / "folder.sqlite3").mkdir()
    assert "not a file" in (unusable_reason(tmp_path / "folder.sqlite3") or "")
