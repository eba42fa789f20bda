"""Writes `sample-corpora/`: tiny invented stand-ins for the SemEval-2021 task 6 and BABE corpora,
each with the quirks its reader must report (see training/import_formats/semeval2021.py, babe.py).

Spans are marked inline as [[Technique|text]] and every offset is computed here; re-run after an
edit (`python data/make_sample_corpora.py`), never edit the offsets by hand. The one wrong offset
is made on purpose, below, as the real test file has five.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent / "sample-corpora"
MARK = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")


def meme(meme_id: str, marked: str) -> dict:
    """A SemEval-2021 record from text with [[technique|fragment]] marks (the task's technique names)."""
    text, labels, position, out = marked, [], 0, []
    for match in MARK.finditer(marked):
        out.append(marked[position:match.start()])
        start = sum(len(part) for part in out)
        out.append(match.group(2))
        labels.append({"start": start, "end": start + len(match.group(2)), "technique": match.group(1),
                       "text_fragment": match.group(2)})
        position = match.end()
    out.append(marked[position:])
    text = "".join(out)
    return {"id": meme_id, "text": text, "labels": labels}


def write_semeval2021(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    training = [
        meme("11", "[[Smears|MAYOR VOSKAR LIED AGAIN]]\n\nWHO IS SURPRISED?\n"),
        meme("12", "THE [[Loaded Language|SHAMEFUL]] TOLL PLAN OF [[Name calling/Labeling|TAX-HUNGRY BUREAUCRATS]]"),
        meme("13", "Sunny skies over Lake Orvel this weekend."),
        meme("14", "[[Glittering generalities (Virtue)|FAMILY. FAITH. FREEDOM.]]"),
    ]
    dev = [meme("21_batch_2", "[[Bandwagon|EVERYONE IN BRELLAN]] ALREADY KNOWS")]
    wrong = meme("31_batch_2", "WHEN THE DAM BREAKS [[Appeal to fear/prejudice|THERE WILL BE FLOODS!]]")
    wrong["labels"][0]["start"] -= 1  # as released: the offsets are one character early
    wrong["labels"][0]["end"] -= 1
    test = [
        wrong,
        meme("32_batch_2", "[[Thought-terminating cliché|IT IS WHAT IT IS.]]"),
        meme("13", "Sunny skies over [[Loaded Language|Lake Orvel]] this weekend."),  # same id, other spans
    ]
    for name, records in (("training", training), ("dev", dev), ("test", test)):
        (folder / f"{name}_set_task2.json").write_text(json.dumps(records, indent=4, ensure_ascii=False) + "\n",
                                                      encoding="utf-8")


BABE_ROWS = [
    # text, label_bias, label_opinion, biased_words
    ("The council's reckless spending spree left Tarvo's schools without heating.", "Biased",
     "Expresses writer’s opinion", ["reckless", "spending", "spree"]),
    ("The Tarvo council approved the budget on Tuesday by seven votes to two.", "Non-biased",
     "Entirely factual", []),
    ("Critics said the “Mob” had taken over the square; police made no arrests.", "Biased",
     "Somewhat factual but also opinionated", ['"mob"']),
    ("At the end of the day the mob outside the hall stayed until the morning.", "Biased",
     "Expresses writer’s opinion", ["the", "mob"]),
    ("These grifters sold the bridge twice, and the grifters are back.", "Biased",
     "Expresses writer’s opinion", ["grifters"]),
    ("The dictators of Osmia met in the capital.", "Biased", "Somewhat factual but also opinionated",
     ["dictator"]),
    ("Ministers defended the harbour tax in a long speech.", "Biased", "Entirely factual", []),
    ("The opposition slammed the plan in parliament.", "Non-biased", "Somewhat factual but also opinionated",
     ["slammed"]),
    ("Officials met the Brellan delegation.", "No agreement", "No agreement", []),
    ("Voters couldn’t stand the smug,\nself-serving mayor.", "Biased", "Expresses writer’s opinion",
     ["couldn't", "smug", "self-serving"]),
]


def write_babe(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["text", "news_link", "outlet", "topic", "type", "label_bias", "label_opinion", "biased_words"])
    for number, (text, bias, opinion, words) in enumerate(BABE_ROWS, start=1):
        writer.writerow([text, f"https://news.example/{number}", "Example Outlet", "local politics", "center",
                         bias, opinion, repr(words)])
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")  # a BOM, as the real file has


if __name__ == "__main__":
    write_semeval2021(HERE / "semeval2021-task6")
    write_babe(HERE / "babe" / "babe_sample.csv")
