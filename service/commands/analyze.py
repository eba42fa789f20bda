"""`framing analyze`: one text from an argument, a file or stdin, to JSON or highlighted text.

It takes the API's options (`--min-score`, `--techniques`, `--sensitivity`) and its length limit (FRAMING_MAX_CHARS,
100,000 characters by default; `--max-chars` overrides it), so a 5 MB file is refused in a moment
instead of running for minutes. Imports stay inside `run`: `framing --help` must not load torch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from framing.model.errors import FramingError

# Texts longer than this show what is happening on stderr while they are scored (about 10,000
# characters a second on one core, so this is where the wait becomes noticeable).
PROGRESS_CHARS = 20_000


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "analyze", help="analyse one text and print its Analysis",
        description="Analyse one text. Reads TEXT, or --file, or stdin. Prints the Analysis as JSON "
                    "(or highlighted with --pretty); warnings (e.g. a text not in English) also go to stderr.")
    parser.add_argument("text", nargs="?", help="the text itself; omit it (or give '-') to read --file or stdin")
    parser.add_argument("-f", "--file", type=Path, help="read the text from this UTF-8 file ('-' for stdin)")
    parser.add_argument("--id", help="document id to put in the output")
    parser.add_argument("--model", type=Path,
                        help="model directory, or a registry to use its promoted version (default: the shipped model)")
    parser.add_argument("--pretty", action="store_true", help="print the text with highlighted spans")
    parser.add_argument("--min-score", type=float, metavar="X",
                        help="drop labels and spans scored below X (0 to 1; 0.5 is each label's precise threshold), "
                             "as the API's options.min_score")
    parser.add_argument("--techniques", metavar="NAMES",
                        help="keep only these techniques, comma-separated (names as `framing labelstudio "
                             "config` or GET /v1/labels list them), as the API's options.techniques")
    parser.add_argument("--sensitivity", choices=("precise", "sensitive"), default="precise",
                        help="operating point, as the API's options.sensitivity: precise (F1-fitted thresholds, "
                             "the default) or sensitive (recall-fitted: more highlights, more false alarms); "
                             "a model without sensitive thresholds refuses it (exit 2)")
    parser.add_argument("--max-chars", type=int, metavar="N",
                        help="longest text accepted, in characters (default: the API's limit, "
                             "$FRAMING_MAX_CHARS or 100000)")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help=f"report progress on stderr (default: for texts over {PROGRESS_CHARS:,} "
                               "characters when stderr is a terminal)")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never report progress")
    parser.set_defaults(run=run)


def read_input(args: argparse.Namespace) -> str:
    if args.text is not None and args.file is not None:
        raise FramingError("give the text or --file, not both")
    if args.text is not None and args.text != "-":  # '-' reads stdin, as it does for --file
        return args.text
    if args.file is not None and str(args.file) != "-":
        try:
            # bytes decoded as they are: read_text would turn "\r\n" into "\n", and every offset after the
            # first line break would then miss the file's own text
            return args.file.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise FramingError(f"{args.file}: not valid UTF-8 ({error.reason})") from error
        except OSError as error:
            raise FramingError(f"{args.file}: {error.strerror}") from error
    if sys.stdin.isatty():
        raise FramingError("no text given: pass TEXT, --file PATH, or pipe text on stdin")
    return sys.stdin.read()


def default_max_chars() -> int:
    """The API's limit, read from the same settings (FRAMING_MAX_CHARS), so both refuse the same texts."""
    from framing.service.settings import Settings

    return Settings.from_env().max_chars  # a bad FRAMING_* value is a SettingsError, reported by the CLI


def technique_names(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [name.strip() for name in raw.split(",") if name.strip()]


def run(args: argparse.Namespace) -> int:
    from framing.model.filtering import check_min_score, check_techniques, filter_analysis
    from framing.model.inputs import check_text

    text = read_input(args)
    if args.max_chars is not None and args.max_chars < 1:
        raise FramingError("--max-chars must be at least 1")
    limit = args.max_chars if args.max_chars is not None else default_max_chars()
    # The same rule as the API and batch jobs: too long, empty or unencodable text is an InputError.
    check_text(text, limit, limit_name="--max-chars or FRAMING_MAX_CHARS")
    techniques = technique_names(args.techniques)
    try:
        if techniques is not None:
            check_techniques(techniques)
        check_min_score(args.min_score)
    except ValueError as error:
        raise FramingError(str(error)) from error

    show_progress = args.progress if args.progress is not None else (
        len(text) > PROGRESS_CHARS and sys.stderr.isatty())
    analysis = analyze_with_progress(text, args, show_progress)
    if techniques is not None or args.min_score is not None:
        analysis = filter_analysis(analysis, techniques, args.min_score)
    for warning in analysis.warnings:
        print(f"warning ({warning.code}): {warning.message}", file=sys.stderr)
    if args.pretty:
        from framing.service.pretty import print_pretty

        print_pretty(text, analysis)
    else:
        print(analysis.model_dump_json(indent=2))
    return 0


def analyze_with_progress(text: str, args: argparse.Namespace, show: bool):
    """Load the model and score the text, saying on stderr what is being waited for when `show`."""
    from framing.model.analyzer import Analyzer

    started = time.perf_counter()

    def say(message: str) -> None:
        if show:
            print(f"[{time.perf_counter() - started:5.1f} s] {message}", file=sys.stderr, flush=True)

    say("loading the model")
    # A model folder, a registry (its promoted version) or the shipped model; the FramingErrors of a
    # bad folder reach the CLI's one handler.
    analyzer = Analyzer.load(args.model)
    say(f"scoring {len(text):,} characters")
    analysis = analyzer.analyze(text, args.id, getattr(args, "sensitivity", "precise"))
    say(f"done: {len(analysis.sentences):,} sentences, {len(analysis.spans):,} spans")
    return analysis
