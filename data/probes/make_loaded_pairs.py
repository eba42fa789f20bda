"""Writes data/probes/loaded_pairs.jsonl from the marked-up minimal pairs below; run it after editing them.

Every sentence is the project's own, written for this probe (nothing is taken from the example
articles or any corpus). Each is written once as `... [loaded|neutral] ...`: the script builds the
loaded sentence and the neutral one from it and computes both offsets, so the two sentences differ
only in the marked words and the offsets always match.

    python data/probes/make_loaded_pairs.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# (topic, marked sentence). The loaded word labels people or groups; the neutral word names the
# same people plainly. Grammar must hold for both (same number, same article).
PAIRS: list[tuple[str, str]] = [
    # conflict
    ("conflict", "The [warlord|commander] ordered his fighters to withdraw from the northern villages."),
    ("conflict", "Residents said the [butchers|soldiers] arrived in the town shortly after dawn."),
    ("conflict", "The [savages|militiamen] set fire to three houses near the river crossing."),
    ("conflict", "Officials in the capital met envoys of the [puppet government|government] on Tuesday."),
    ("conflict", "The [regime|government] announced a ceasefire that will take effect at midnight."),
    ("conflict", "The [invaders|troops] crossed the border in armoured columns overnight."),
    ("conflict", "The [terrorists|fighters] took control of the airport road after a day of clashes."),
    ("conflict", "The [occupiers|forces] have set up checkpoints around the old market."),
    ("conflict", "The [bandits|armed men] stopped the aid convoy on the mountain pass."),
    ("conflict", "The [cutthroats|rebels] released two of the hostages on Friday."),
    ("conflict", "The [henchmen|aides] of the governor were seen leaving the building."),
    ("conflict", "The [death squads|security units] patrolled the district after the curfew."),
    ("conflict", "The [zealots|clerics] called for calm after the bombing at the bus station."),
    ("conflict", "Villagers fled as the [marauders|armed groups] approached from the east."),
    ("conflict", "The [fanatics|volunteers] dug trenches along the edge of the city."),
    ("conflict", "The [barbarians|attackers] shelled the hospital compound, the ministry said."),
    ("conflict", "The [hordes|columns] moved south along the coastal highway."),
    ("conflict", "Negotiators met the [rebel scum|rebel leaders] in a hotel near the border."),
    ("conflict", "The [bloodthirsty militia|militia] took control of the bridge on Monday."),
    ("conflict", "The [war criminals|generals] of both armies signed the truce in a tent by the road."),
    # politics
    ("politics", "The [dictator|president] signed the decree on Monday evening."),
    ("politics", "The [tyrant|president] addressed the nation from the palace balcony."),
    ("politics", "The [stooge|envoy] of the foreign power arrived in the capital this morning."),
    ("politics", "The [demagogue|candidate] told supporters the vote would be held in spring."),
    ("politics", "The [cronies|advisers] of the mayor sat on the committee that approved the contract."),
    ("politics", "The [traitors|opposition lawmakers] voted against the budget on Thursday."),
    ("politics", "A [mob|crowd] gathered outside the parliament building as the vote began."),
    ("politics", "The [globalist elites|delegates] met behind closed doors in a lakeside hotel."),
    ("politics", "The [fascists|conservatives] won four seats in the regional assembly."),
    ("politics", "The [commies|socialists] proposed a new tax on large estates."),
    ("politics", "The [radical leftists|activists] marched through the city centre on Saturday."),
    ("politics", "The [lunatics|officials] in the planning office approved the new road plan."),
    ("politics", "The [kleptocrats|ministers] in the cabinet approved the sale of the state airline."),
    ("politics", "The [apparatchiks|civil servants] of the ministry drafted the new rules."),
    ("politics", "The [propagandists|journalists] of the state broadcaster covered the rally."),
    ("politics", "The [sellouts|negotiators] agreed to the deal after ten hours of talks."),
    ("politics", "The [tin-pot dictator|leader] of the island nation held a press conference."),
    ("politics", "The [clowns|lawmakers] in parliament postponed the vote again."),
    ("politics", "The [hardline regime|administration] in the capital rejected the proposal."),
    ("politics", "The [corrupt elite|business leaders] of the province backed the new governor."),
    # crime
    ("crime", "Police said the [thugs|protesters] blocked the main road for several hours."),
    ("crime", "The [hoodlums|teenagers] were arrested near the train station on Friday night."),
    ("crime", "The [scumbags|suspects] were charged with robbery and released on bail."),
    ("crime", "The [monster|defendant] showed no reaction as the verdict was read."),
    ("crime", "The [predator|man] was sentenced to eight years in prison."),
    ("crime", "The [gangsters|men] ran a chain of car washes in the east of the city."),
    ("crime", "The [crooks|bankers] moved the money through accounts in three countries."),
    ("crime", "Neighbours said the [lowlifes|tenants] had lived in the flat for two years."),
    ("crime", "A group of [yobs|youths] was seen near the bus depot before the fire."),
    ("crime", "The [fraudster|businessman] told the court he had repaid the loans."),
    ("crime", "The [drug lord|suspect] was extradited on Wednesday."),
    ("crime", "Officers pushed the [rabble|crowd] back from the gates of the stadium."),
    ("crime", "The [degenerates|residents] of the estate complained about the noise."),
    ("crime", "The [psychopath|driver] was stopped by police after a chase through the suburbs."),
    # migration
    ("migration", "The [illegals|migrants] were taken to a reception centre on the island."),
    ("migration", "A boat carrying forty [aliens|asylum seekers] reached the harbour at dawn."),
    ("migration", "A [swarm|group] of migrants crossed the river at night."),
    ("migration", "The [freeloaders|newcomers] have applied for housing in the district."),
    ("migration", "The [infiltrators|refugees] were registered at the border post."),
    ("migration", "Local officials said the [parasites|new arrivals] would be housed in the old school."),
    ("migration", "The [horde|caravan] of migrants reached the northern border on Sunday."),
    ("migration", "The [queue-jumpers|applicants] waited outside the immigration office."),
    ("migration", "The [welfare scroungers|families] were moved to temporary housing."),
    ("migration", "The [border jumpers|migrants] were detained by coast guard patrols."),
    ("migration", "The [vermin|people] living in the camp were told to leave by Friday."),
    ("migration", "Officials said the [anchor babies|children] were born in the city hospital."),
    ("migration", "The [illegal aliens|foreign workers] were employed on farms in the valley."),
    ("migration", "The [invading hordes|arrivals] from the south filled the shelters this winter."),
]

_MARK = re.compile(r"\[([^|\]]+)\|([^\]]+)\]")
OUTPUT = Path(__file__).resolve().parent / "loaded_pairs.jsonl"


def build(index: int, topic: str, marked: str) -> dict:
    matches = list(_MARK.finditer(marked))
    if len(matches) != 1:
        raise ValueError(f"pair {index}: expected one [loaded|neutral] mark in {marked!r}")
    match = matches[0]
    prefix, suffix = marked[: match.start()], marked[match.end() :]
    loaded, neutral = match.group(1), match.group(2)
    start = len(prefix)
    return {
        "id": f"loaded-{index:03d}",
        "topic": topic,
        "loaded": {"text": prefix + loaded + suffix, "start": start, "end": start + len(loaded), "word": loaded},
        "neutral": {"text": prefix + neutral + suffix, "start": start, "end": start + len(neutral),
                    "word": neutral},
    }


def main() -> None:
    lines = [json.dumps(build(i, topic, marked), ensure_ascii=False)
             for i, (topic, marked) in enumerate(PAIRS, start=1)]
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} pairs to {OUTPUT}")


if __name__ == "__main__":
    main()
