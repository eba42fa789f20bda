"""Checks data/training/loaded_labels.jsonl: offsets, ids, and that no probe word is in it.

The loaded-language probes (data/probes/loaded_pairs.jsonl, and loaded_pairs_heldout.jsonl, never
tuned on) measure whether the model flags pejoratives it was never taught; they only measure that
while this training file shares none of their words. So every word below, in any case, singular or plural, hyphenated or not, is refused
anywhere in the file (loaded or neutral records), and so is every loaded word of both probe files.

    python data/training/check_loaded_labels.py [FILE]    # exit status 1 on any violation
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE / "loaded_labels.jsonl"
PROBE_FILE = HERE.parent / "probes" / "loaded_pairs.jsonl"
HELDOUT_PROBE_FILE = HERE.parent / "probes" / "loaded_pairs_heldout.jsonl"

# The probe's words (and the named terms of the example articles): never in the training file.
FORBIDDEN = [
    "aliens", "anchor babies", "apparatchiks", "bandits", "barbarians", "bloodthirsty", "border jumpers",
    "butchers", "clowns", "commies", "corrupt elite", "cronies", "crooks", "cutthroats", "death squads",
    "degenerates", "demagogue", "dictator", "drug lord", "fanatics", "fascists", "fraudster",
    "freeloaders", "gangsters", "globalist", "hardline regime", "henchmen", "hoodlums", "horde",
    "illegals", "infiltrators", "invaders", "kleptocrats", "lowlifes", "lunatics", "marauders", "mob",
    "monster", "occupiers", "parasites", "predator", "propagandists", "psychopath", "puppet",
    "queue-jumpers", "rabble", "radical leftists", "scum", "regime", "savages", "scumbags", "sellouts",
    "stooge", "swarm", "terrorists", "thugs", "tin-pot", "traitors", "tyrant", "vermin", "war criminals",
    "warlord", "scroungers", "yobs", "zealots", "takfiri", "mercenaries", "mercenary", "jihadist",
    "jihadists",
]
LABELS = {"Name_Calling-Labeling", "Loaded_Language"}
ID = re.compile(r"loaded-labels-(\d{3}(-neutral)?|neutral-\d{3})")


def word_forms(term: str) -> set[str]:
    """The term with its last word in singular and plural, with hyphens, spaces or neither."""
    *head, last = term.lower().split()
    lasts = {last, last + "s", last + "es"}
    if last.endswith("ies"):
        lasts.add(last[:-3] + "y")
    if last.endswith("y"):
        lasts.add(last[:-1] + "ies")
    if last.endswith("es"):
        lasts.add(last[:-2])
    if last.endswith("s"):
        lasts.add(last[:-1])
    if last.endswith("men"):
        lasts.add(last[:-3] + "man")
    if last.endswith("man"):
        lasts.add(last[:-3] + "men")
    forms = set()
    for tail in lasts:
        phrase = " ".join([*head, tail])
        forms |= {phrase, phrase.replace("-", " "), phrase.replace("-", ""), phrase.replace(" ", "-")}
    return forms


def forbidden_pattern(terms: list[str]) -> re.Pattern[str]:
    forms = sorted({form for term in terms for form in word_forms(term)}, key=len, reverse=True)
    body = "|".join(re.escape(form).replace(r"\ ", r"\s+") for form in forms)
    return re.compile(rf"(?<![A-Za-z])(?:{body})(?![A-Za-z])", re.IGNORECASE)


def probe_words(path: Path = PROBE_FILE) -> list[str]:
    """The loaded words of the probe file, so a word added to the probe is refused here too."""
    if not path.is_file():
        return []
    return [json.loads(line)["loaded"]["word"] for line in path.read_text("utf-8").splitlines() if line.strip()]


def check(path: Path) -> tuple[list[str], dict[str, int]]:
    """Every violation as `line N: reason`, and the counts of a file without violations."""
    problems: list[str] = []
    records: list[tuple[int, dict]] = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: not JSON ({error})")
            continue
        records.append((number, record))
    banned = forbidden_pattern(FORBIDDEN + probe_words() + probe_words(HELDOUT_PROBE_FILE))
    seen: set[str] = set()
    labels: set[str] = set()
    counts = {"records": 0, "loaded": 0, "neutral": 0}
    for number, record in records:
        where = f"line {number}"
        if set(record) - {"id", "text", "spans"} or not {"id", "text", "spans"} <= set(record):
            problems.append(f"{where}: keys must be exactly id, text, spans (got {sorted(record)})")
            continue
        rid, text, spans = record["id"], record["text"], record["spans"]
        if not isinstance(rid, str) or not ID.fullmatch(rid):
            problems.append(f"{where}: id {rid!r} is not loaded-labels-NNN[-neutral] or loaded-labels-neutral-NNN")
        elif rid in seen:
            problems.append(f"{where}: id {rid!r} repeated")
        seen.add(str(rid))
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: text is blank")
            continue
        for found in banned.finditer(text):
            problems.append(f"{where}: probe word {found.group(0)!r} is not allowed in training data")
        neutral = "neutral" in str(rid)
        if neutral and spans:
            problems.append(f"{where}: neutral record {rid} has spans")
        if not neutral and not any(isinstance(s, dict) and s.get("label") == "Name_Calling-Labeling" for s in spans):
            problems.append(f"{where}: loaded record {rid} has no Name_Calling-Labeling span")
        for span in spans:
            start, end = span.get("start"), span.get("end")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                problems.append(f"{where}: span offsets {start}, {end} outside the text")
                continue
            if span.get("label") not in LABELS:
                problems.append(f"{where}: span label {span.get('label')!r} is not one of {sorted(LABELS)}")
            if span.get("text") != text[start:end]:
                problems.append(f"{where}: span text {span.get('text')!r} != text[{start}:{end}] {text[start:end]!r}")
            if span.get("label") == "Name_Calling-Labeling":
                labels.add(text[start:end].lower())
        counts["records"] += 1
        counts["neutral" if neutral else "loaded"] += 1
    problems.extend(_unannotated_labels(records, labels))
    counts["distinct labels"] = len(labels)
    return problems, counts


def _unannotated_labels(records: list[tuple[int, dict]], labels: set[str]) -> list[str]:
    """A label annotated in one record must be annotated wherever it occurs, or the data contradicts itself."""
    problems = []
    for number, record in records:
        text, spans = record.get("text"), record.get("spans") or []
        if not isinstance(text, str):
            continue
        covered = [(s["start"], s["end"]) for s in spans if isinstance(s, dict) and isinstance(s.get("start"), int)]
        for label in labels:
            for found in re.finditer(rf"(?<![A-Za-z]){re.escape(label)}(?![A-Za-z])", text, re.IGNORECASE):
                if not any(start <= found.start() and found.end() <= end for start, end in covered):
                    problems.append(f"line {number}: label {label!r} occurs without a span")
    return problems


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_FILE
    problems, counts = check(path)
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"{path}: ok, " + ", ".join(f"{value} {name}" for name, value in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
