"""`framing analyze` has the API's options and limit; `framing train` documents every setting;
`framing --help` stays fast (no torch, no scikit-learn)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from framing.service.cli import main

LOADED = "The brutal, barbaric terrorists slaughtered innocent civilians in a cowardly attack."
GERMAN = "Die Regierung hat am Montag beschlossen, die Steuern für alle Familien deutlich zu erhöhen."


def test_analyze_refuses_a_text_over_the_limit_at_once(tmp_path: Path, capsys, monkeypatch) -> None:
    big = tmp_path / "big.txt"
    big.write_text("word " * 30_000)  # 150,000 characters: over the API's 100,000
    assert main(["analyze", "-f", str(big)]) == 2
    err = capsys.readouterr().err
    assert "150,000 characters, over the limit of 100,000" in err and "--max-chars" in err
    monkeypatch.setenv("FRAMING_MAX_CHARS", "50")
    assert main(["analyze", LOADED]) == 2  # the API's setting applies here too
    assert "over the limit of 50" in capsys.readouterr().err


def test_analyze_options_filter_like_the_api(shipped_model_dir: Path, capsys) -> None:
    assert main(["analyze", "--model", str(shipped_model_dir), LOADED]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full["techniques"], "the example needs at least one technique"
    keep = full["techniques"][0]["label"]
    assert main(["analyze", "--model", str(shipped_model_dir), "--techniques", keep, "--min-score", "0.3",
                 "--max-chars", "1000", LOADED]) == 0
    kept = json.loads(capsys.readouterr().out)
    assert {t["label"] for t in kept["techniques"]} <= {keep}
    assert all(s["label"] == keep and s["score"] >= 0.3 for s in kept["spans"])
    assert main(["analyze", "--techniques", "Loaded_Languag", LOADED]) == 2
    assert "Loaded_Languag" in capsys.readouterr().err
    assert main(["analyze", "--min-score", "1.5", LOADED]) == 2
    assert "min_score" in capsys.readouterr().err


def test_analyze_suggests_the_technique_meant(capsys) -> None:
    # Refused before any model is loaded, with the name the user most likely meant.
    assert main(["analyze", "--techniques", "Loaded_Language,Flag waving", LOADED]) == 2
    assert "Flag waving (did you mean 'Flag_Waving'?)" in capsys.readouterr().err


def test_analyze_reports_progress_and_warnings_on_stderr(shipped_model_dir: Path, capsys) -> None:
    assert main(["analyze", "--model", str(shipped_model_dir), "--progress", GERMAN]) == 0
    captured = capsys.readouterr()
    assert "loading the model" in captured.err and "scoring" in captured.err and "done:" in captured.err
    assert "warning (not_english)" in captured.err
    assert json.loads(captured.out)["warnings"][0]["code"] == "not_english"


def test_train_help_lists_defaults_and_every_setting(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "(default 13)" in out and "--seed N" in out and "random seed" in out
    for name in ("heldout_fraction = 0.2", "encoder_lr", "quantization", "lexical_weight"):
        assert name in out
    assert "training/config.py" not in out
    assert main(["train", "--print-config", "--epochs", "2"]) == 0
    settings = json.loads(capsys.readouterr().out)
    assert settings["epochs"] == 2 and settings["seed"] == 13
    assert main(["train", "-o", "x"]) == 2
    assert "--data" in capsys.readouterr().err


def test_help_loads_neither_torch_nor_scikit_learn() -> None:
    code = ("import sys; from framing.service.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('torch', 'sklearn', 'transformers') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "[]"
