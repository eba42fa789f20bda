"""`framing analyze` end to end with the shipped model: argument, file, stdin, --pretty, offline."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from framing.service.cli import main

LOADED = "The brutal, barbaric terrorists slaughtered innocent civilians in a cowardly attack."


def run_cli(args: list[str], model: Path, stdin: str | None = None, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "framing.service.cli", "analyze", "--model", str(model), *args],
                          input=stdin, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_analyze_argument_prints_an_analysis_with_consistent_offsets(shipped_model_dir: Path, capsys) -> None:
    assert main(["analyze", "--model", str(shipped_model_dir), "--id", "a1", LOADED]) == 0
    analysis = json.loads(capsys.readouterr().out)
    assert analysis["id"] == "a1"
    assert analysis["sentences"][0]["start"] == 0 and analysis["sentences"][-1]["end"] == len(LOADED)
    for span in analysis["spans"]:
        assert LOADED[span["start"]:span["end"]] == span["text"]


@pytest.mark.slow
def test_shipped_model_flags_loaded_language(analyzer) -> None:
    analysis = analyzer.analyze(LOADED)
    labels = {item.label for item in analysis.techniques}
    assert labels & {"Loaded_Language", "Name_Calling-Labeling"}, labels


def test_analyze_reads_files_and_stdin_alike(shipped_model_dir: Path, tmp_path: Path, capsys,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "article.txt"
    path.write_text("Café owners in Zürich “fear the worst”.\n\nThey called it a disaster.", encoding="utf-8")
    assert main(["analyze", "--model", str(shipped_model_dir), "--file", str(path)]) == 0
    from_file = json.loads(capsys.readouterr().out)
    result = run_cli([], shipped_model_dir, stdin=path.read_text(encoding="utf-8"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == from_file
    # '-' for the text reads stdin too (as `--file -` does), not the one-character text "-".
    monkeypatch.setattr("sys.stdin", io.StringIO(path.read_text(encoding="utf-8")))
    assert main(["analyze", "--model", str(shipped_model_dir), "-"]) == 0
    assert json.loads(capsys.readouterr().out) == from_file


def test_offsets_index_a_file_with_windows_line_breaks_as_it_is(shipped_model_dir: Path, tmp_path: Path,
                                                               capsys) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(("Headline here\r\n\r\n" + LOADED + "\r\n" + LOADED).encode("utf-8"))
    assert main(["analyze", "--model", str(shipped_model_dir), "--file", str(path)]) == 0
    analysis = json.loads(capsys.readouterr().out)
    text = path.read_bytes().decode("utf-8")
    assert analysis["spans"] and analysis["sentences"][-1]["end"] == len(text)
    for span in analysis["spans"]:
        assert text[span["start"]:span["end"]] == span["text"]


def test_pretty_prints_brackets_and_control_characters_as_text(shipped_model_dir: Path, capsys) -> None:
    text = "Critics say [sic] the brutal thugs [/quote] lied. \x1b[31mThey are barbaric terrorists.\r"
    assert main(["analyze", "--model", str(shipped_model_dir), "--pretty", text]) == 0
    out = capsys.readouterr().out
    assert "[sic]" in out and "[/quote]" in out  # not read as markup: no crash, nothing dropped
    assert "\x1b" not in out and "\r" not in out and "\u241b[31m" in out  # the escape is shown, not obeyed


@pytest.mark.slow
def test_model_loads_with_no_network_and_no_cache(shipped_model_dir: Path, tmp_path: Path) -> None:
    offline = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"),
               "HF_HUB_CACHE": str(tmp_path / "hf" / "hub"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
               "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    result = run_cli(["--pretty", LOADED], shipped_model_dir, env=offline)
    assert result.returncode == 0, result.stderr
    assert "barbaric" in result.stdout and "Article" in result.stdout
    assert not (tmp_path / "hf" / "hub").exists() or not any((tmp_path / "hf" / "hub").iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [(["   \n  "], "text is empty"), (["--file", "/nonexistent/x.txt"], "No such file"),
     (["x", "--file", "y"], "not both")],
)
def test_analyze_rejects_bad_input_with_a_clear_message(shipped_model_dir: Path, args, message, capsys) -> None:
    assert main(["analyze", "--model", str(shipped_model_dir), *args]) == 2
    assert message in capsys.readouterr().err


def test_analyze_rejects_non_utf8_files(shipped_model_dir: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    assert main(["analyze", "--model", str(shipped_model_dir), "--file", str(path)]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err


def test_analyze_reports_a_missing_model(tmp_path: Path, capsys) -> None:
    assert main(["analyze", "--model", str(tmp_path), "text"]) == 2
    assert "not a framing model directory" in capsys.readouterr().err
