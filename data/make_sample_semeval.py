"""Writes data/sample-semeval/ from the marked-up articles below; run it after editing them.

Every article is the project's own invented text about invented places and people. Spans are written
inline as [[CODE|words]] (they may nest); this script strips the markup and computes the character
offsets, so the span files always match the texts exactly. Paragraph labels (one line = one
paragraph) are derived from the spans the way SemEval-2023 task 3 defines them.

    python data/make_sample_semeval.py
"""

from __future__ import annotations

import re
from pathlib import Path

CODES = {
    "AA": "Appeal_to_Authority",
    "AP": "Appeal_to_Popularity",
    "AV": "Appeal_to_Values",
    "AF": "Appeal_to_Fear-Prejudice",
    "FW": "Flag_Waving",
    "CO": "Causal_Oversimplification",
    "FD": "False_Dilemma-No_Choice",
    "CS": "Consequential_Oversimplification",
    "SM": "Straw_Man",
    "RH": "Red_Herring",
    "WH": "Whataboutism",
    "SL": "Slogans",
    "AT": "Appeal_to_Time",
    "CK": "Conversation_Killer",
    "LL": "Loaded_Language",
    "RE": "Repetition",
    "EM": "Exaggeration-Minimisation",
    "OV": "Obfuscation-Vagueness-Confusion",
    "NC": "Name_Calling-Labeling",
    "DO": "Doubt",
    "GA": "Guilt_by_Association",
    "AH": "Appeal_to_Hypocrisy",
    "QR": "Questioning_the_Reputation",
}

# (id, frames, marked-up text). Line 1 is a headline with no full stop; blank lines separate paragraphs.
ARTICLES: list[tuple[str, list[str], str]] = [
    (
        "900000001",
        ["Economic", "Political", "Quality_of_life"],
        """Port Halden dock strike enters third week as council trades blame

The strike at the Port Halden container terminal entered its third week on Monday, with cargo ships \
waiting offshore and shop shelves thinning across the county.

Council leader Marta Ilves called the union bosses "[[NC|economic saboteurs]]" who were \
"[[LL|holding the whole county hostage]]" for a pay rise.

"[[EM|Not a single family in this town]] will escape the damage," she told reporters outside the \
town hall.

The dockers' union answered that the council had [[LL|squandered]] the port's reserves on a \
[[NC|vanity project]], a new marina that has yet to open.

A spokesman for the terminal operator said talks would resume on Thursday.""",
    ),
    (
        "900000002",
        ["Security_and_defense", "External_regulation_and_reputation", "Cultural_identity"],
        """Norvalia sends troops to disputed Estmark border

Norvalia moved two battalions to its northern border on Saturday, a week after [[NC|Estmark \
militias]] were accused of crossing into the valley of Brenn.

"[[FW|Every true Norvalian stands with our soldiers tonight]]," Defence Minister Oren Kast said in \
a televised address. "[[AF|If we hesitate, our villages will burn]]."

Estmark's government dismissed the deployment as "[[LL|reckless sabre-rattling]]" by \
"[[NC|a regime of warmongers]]".

Analysts in the U.S. and Europe urged both capitals to return to the talks that collapsed in March. \
Dr. Lena Haas, a regional historian, said the valley had changed hands four times in a century.

"[[FW|Brenn is Norvalian soil and it will stay Norvalian soil]]," Kast added.""",
    ),
    (
        "900000003",
        ["Health_and_safety", "Public_opinion", "Policy_prescription_and_evaluation"],
        """Vaccination drive divides Riverton as clinics open weekend doors

Health officials in Riverton opened three clinics on Saturday to speed up the autumn vaccination \
drive.

Dr. Samuel Okafor, who leads the county health board, said more than 4,000 residents had booked \
appointments in the first two days.

Critics of the drive have filled local radio with [[LL|scare stories]]. One caller described the \
clinics as "[[NC|injection factories]]" run by "[[NC|pharma puppets]]".

"[[DO|Who exactly is checking these figures?]]" asked councillor Ray Dunmore. "[[DO|We are told it \
is safe, but nobody has shown us the evidence.]]"

Okafor said the figures are published every week and invited anyone to read them.""",
    ),
    (
        "900000004",
        ["Crime_and_punishment", "Legality_Constitutionality_and_jurisprudence", "Political"],
        """Mayor's aide charged over missing park funds

Prosecutors in Westbury charged J. R. Hall, a senior aide to the mayor, with fraud on Tuesday over \
money meant for the renovation of the Elm Street park.

The opposition called the affair "[[LL|a stinking swamp of corruption]]" and said the mayor's \
office was run by "[[NC|crooks and cronies]]".

"[[RE|This is corruption]], plain and simple. [[RE|This is corruption]] at the very heart of city \
hall," said opposition leader Dana Whitlow.

The mayor's office said the aide had been suspended and that the city would cooperate fully with \
the investigation.

[[QR|Whitlow herself has never explained the donations her campaign took last year]], a city hall \
official noted.""",
    ),
    (
        "900000005",
        ["Economic", "Fairness_and_equality", "Quality_of_life"],
        """Rents jump again as Lakeside housing shortage bites

Rents in Lakeside rose by nine percent in the year to June, the fastest rise the city has recorded.

Tenant groups blamed "[[NC|greedy landlords]]" for [[LL|bleeding families dry]] and demanded an \
immediate freeze.

"[[FD|Either the council caps rents now or our children will never live in this city]]," said \
Priya Nandakumar of the Lakeside Tenants' Union.

Property owners said the rise merely reflected higher repair and insurance costs, calling the \
freeze proposal [[EM|the end of the rental market as we know it]].

The council will debate the proposal next month.""",
    ),
    (
        "900000006",
        ["Cultural_identity", "Quality_of_life", "Economic"],
        """Zürich festival draws record crowds despite rain

The Seefest in Zürich drew a record 210,000 visitors over the weekend, organisers said, \
despite two days of steady rain.

Chef José Muñoz, whose paella stand has come every year since 2009, called it "[[LL|an \
absolutely magical]] weekend — [[EM|the best festival in the history of Europe]]."

Visitors from Kraków, Łódź and São Paulo queued for crêpes and rösti along the lakeshore.

A few residents complained about noise. "[[LL|This endless racket]] ruins our summer," said \
Ueli Brändli, 71. Organisers said quiet hours were respected after 22:00.""",
    ),
    (
        "900000007",
        ["Political", "Public_opinion", "Morality"],
        """Senator's speech on election reform draws fire

Sen. Harold Brisk defended his election reform bill on Wednesday in a speech that opponents \
called [[LL|divisive]].

"[[SL|Clean votes, clean country!]]" Brisk told supporters in Millford. "[[AP|Millions of \
ordinary voters already agree with us]]."

He accused the bill's critics of wanting "[[SM|to let anyone vote as many times as they please]]" \
and called them "[[NC|enemies of democracy]]".

"[[AT|The time to act is now, before the next election is stolen]]," he said.

Opponents said the bill would make voting harder for the elderly and the poor, and vowed to fight \
it in the courts.""",
    ),
    (
        "900000008",
        ["Capacity_and_resources", "Health_and_safety", "Policy_prescription_and_evaluation"],
        """Drought forces water limits across Ashvale valley

Water companies in the Ashvale valley banned garden hoses on Friday after the driest spring in \
forty years.

Farmers said the ban came too late and blamed "[[NC|incompetent bureaucrats]]" for the \
[[LL|catastrophic]] state of the reservoirs.

"[[CO|The reservoirs are empty because the agency sold our water to the city]]," one farmer said.

Officials said leaking pipes lost a fifth of the supply and that repairs would take years. \
"[[CK|It is what it is]]," a spokesman said when asked about the delays.

Dr. Ana Reyes of Ashvale University said rainfall had been 40 percent below average since March.""",
    ),
    (
        "900000009",
        ["Political", "External_regulation_and_reputation", "Security_and_defense"],
        """Minister rejects criticism of arms sale

Foreign Minister Petra Lund on Thursday rejected criticism of a planned arms sale to the Republic \
of Tessaly.

"[[WH|Our critics said nothing when their own government sold far more weapons last year]]," \
Lund told parliament.

Opposition MPs called the sale "[[LL|a shameful betrayal]]" and the government "[[NC|arms \
dealers in suits]]". [[GA|The sale puts us in the same camp as every tyrant in the region]], one \
said.

"[[AF|[[EM|Thousands of innocent people]] could die with weapons that carry our flag]]," said \
MP Tomas Berg.

The sale still needs the approval of the export committee.""",
    ),
]

_OPEN = re.compile(r"\[\[([A-Z]{2})\|")


def strip_markup(marked: str) -> tuple[str, list[tuple[str, int, int]]]:
    """The plain text and (technique, start, end) spans; end is exclusive."""
    out: list[str] = []
    length = 0
    stack: list[tuple[str, int]] = []
    spans: list[tuple[str, int, int]] = []
    i = 0
    while i < len(marked):
        opening = _OPEN.match(marked, i)
        if opening:
            stack.append((CODES[opening.group(1)], length))
            i = opening.end()
        elif marked.startswith("]]", i):
            technique, start = stack.pop()
            spans.append((technique, start, length))
            i += 2
        else:
            out.append(marked[i])
            length += 1
            i += 1
    if stack:
        raise ValueError(f"unclosed span {stack}")
    return "".join(out), sorted(spans, key=lambda s: (s[1], s[2], s[0]))


def paragraph_labels(text: str, spans: list[tuple[str, int, int]]) -> list[tuple[int, list[str]]]:
    """(1-based line, techniques) for every non-empty line: a line has T when a span of T overlaps it."""
    rows = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        found = sorted({t for t, s, e in spans if s < end and e > start})
        rows.append((number, found))
    return rows


def write(folder: Path) -> None:
    articles = folder / "train-articles-subtask-3"
    span_dir = folder / "train-labels-subtask-3-spans"
    articles.mkdir(parents=True, exist_ok=True)
    span_dir.mkdir(parents=True, exist_ok=True)
    frames_rows, paragraph_rows = [], []
    for article_id, frames, marked in ARTICLES:
        text, spans = strip_markup(marked)
        for _technique, start, end in spans:
            piece = text[start:end]
            if piece != piece.strip() or "\n" in piece:
                raise ValueError(f"{article_id}: span {piece!r} has outer whitespace or crosses a line")
        (articles / f"article{article_id}.txt").write_text(text + "\n", encoding="utf-8", newline="\n")
        (span_dir / f"article{article_id}-labels-subtask-3.txt").write_text(
            "".join(f"{article_id}\t{t}\t{s}\t{e}\n" for t, s, e in spans), encoding="utf-8", newline="\n"
        )
        frames_rows.append(f"{article_id}\t{','.join(frames)}\n")
        paragraph_rows += [f"{article_id}\t{n}\t{','.join(ts)}\n" for n, ts in paragraph_labels(text, spans)]
    (folder / "train-labels-subtask-2.txt").write_text("".join(frames_rows), encoding="utf-8", newline="\n")
    (folder / "train-labels-subtask-3.txt").write_text(
        "".join(paragraph_rows), encoding="utf-8", newline="\n"
    )


if __name__ == "__main__":
    write(Path(__file__).resolve().parent / "sample-semeval")
