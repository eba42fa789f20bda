"""Writes data/probes/loaded_pairs.jsonl and loaded_pairs_heldout.jsonl from the marked-up minimal
pairs below; run it after editing them.

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

# A second probe, written later (2026-11-28) and never tuned on: no threshold, rule or training
# sentence may be chosen by it. Its labels share no word with the training sentences or the first
# probe (data/training/check_loaded_labels.py refuses them in training data), and its sentences are
# in other shapes (possessives, predicates, quoted claims), so it tells whether the first probe's
# figures carry over to words and sentences nobody has looked at while building the model. Its
# neutral words name people plainly: not ideological labels ("socialists", "feminists"), which the
# corpus's annotators mark as labeling in many contexts.
HELDOUT_PAIRS: list[tuple[str, str]] = [

    ("politics", "Tenants' groups said the [bloodsuckers|landlords] had raised rents twice this year."),
    ("crime", "Police relied on [snitches|informants] inside the port to track the shipments."),
    ("politics", "The opposition called the ministers Washington's [lapdogs|allies] during the debate."),
    ("conflict", "The [usurpers|new rulers] dissolved parliament two days after the coup."),
    ("conflict", "The [junta|military government] promised elections within eighteen months."),
    ("politics", "A government of [thieves|officials] signed the contract without a tender."),
    ("migration", "The bill targets [welfare queens|benefit claimants] who move between councils."),
    ("migration", "Campaign leaflets blamed [job stealers|foreign workers] for the closure of the plant."),
    ("crime", "The [hate preachers|preachers] were banned from speaking at the mosque."),
    ("conflict", "Militia commanders vowed to drive the [crusaders|Western troops] out of the province."),
    ("conflict", "The group's statement said the [infidels|non-believers] would not be harmed if they left."),
    ("conflict", "The court sentenced the [apostates|converts] to three years in prison."),
    ("politics", "The synod expelled the [heretics|dissenters] after a two-day hearing."),
    ("politics", "The columnist blamed [feminazis|women's groups] for the collapse of the talks."),
    ("politics", "Party officials dismissed the [wingnuts|conservatives] who walked out of the convention."),
    ("politics", "The senator mocked the [moonbats|students] who organised the march."),
    ("politics", "The candidate's [deplorables|supporters] filled the stadium on Saturday night."),
    ("politics", "Pollsters found the [rednecks|rural voters] had turned against the governor."),
    ("politics", "The university gave in to the [social justice warriors|campaigners] and cancelled the lecture."),
    ("politics", "The [neocons|policy advisers] in the administration pushed for air strikes."),
    ("crime", "The magistrate said the [chavs|teenagers] had damaged four cars on the estate."),
    ("crime", "The [desperadoes|gunmen] held up the bank shortly before closing time."),
    ("crime", "Shopkeepers complained that the [ne'er-do-wells|young men] gathered outside every evening."),
    ("migration", "Ministers promised to stop [benefit tourists|EU migrants] claiming housing support."),
    ("politics", "Critics say the country has become a [mafia state|one-party state] under the president."),
    ("politics", "He accused the [deep state|civil service] of blocking the reforms."),
    ("politics", "The minister refused to answer questions from the [presstitutes|journalists] outside."),
    ("politics", "The union said the company's [weasels|negotiators] had walked away from the table."),
    ("politics", "The prime minister surrounded himself with [vipers|rivals] in the cabinet."),
    ("politics", "The broadcaster's [lemmings|viewers] repeated the claim on social media."),
    ("politics", "The paper is the Kremlin's [mouthpiece|main newspaper], critics say."),
    ("politics", "The regime's [apologists|supporters] in the West called the vote fair."),
    ("politics", "The senator and his [fellow travellers|colleagues] voted against the sanctions."),
    ("politics", "The tabloid warned that the [pinkos|opposition] would raise taxes."),
    ("conflict", "State television said the [Nazis|soldiers] had shelled the railway station."),
    ("conflict", "Local officials said the [orcs|invading soldiers] looted the village before retreating."),
    ("politics", "The law requires [foreign agents|foreign-funded charities] to register with the ministry."),
    ("conflict", "The [fundamentalists|believers] gathered outside the courthouse after the verdict."),
    ("crime", "The [guttersnipes|street children] slept under the railway bridge."),
    ("politics", "The [bigwigs|executives] flew in for the summit on private jets."),
]

_MARK = re.compile(r"\[([^|\]]+)\|([^\]]+)\]")
OUTPUT = Path(__file__).resolve().parent / "loaded_pairs.jsonl"
HELDOUT_OUTPUT = Path(__file__).resolve().parent / "loaded_pairs_heldout.jsonl"


def build(index: int, topic: str, marked: str, id_prefix: str = "loaded") -> dict:
    matches = list(_MARK.finditer(marked))
    if len(matches) != 1:
        raise ValueError(f"pair {index}: expected one [loaded|neutral] mark in {marked!r}")
    match = matches[0]
    prefix, suffix = marked[: match.start()], marked[match.end() :]
    loaded, neutral = match.group(1), match.group(2)
    start = len(prefix)
    return {
        "id": f"{id_prefix}-{index:03d}",
        "topic": topic,
        "loaded": {"text": prefix + loaded + suffix, "start": start, "end": start + len(loaded), "word": loaded},
        "neutral": {"text": prefix + neutral + suffix, "start": start, "end": start + len(neutral),
                    "word": neutral},
    }


def records(pairs: list[tuple[str, str]], prefix: str) -> list[dict]:
    return [build(i, topic, marked, prefix) for i, (topic, marked) in enumerate(pairs, start=1)]


def main() -> None:
    for pairs, prefix, output in ((PAIRS, "loaded", OUTPUT), (HELDOUT_PAIRS, "heldout", HELDOUT_OUTPUT)):
        lines = [json.dumps(record, ensure_ascii=False) for record in records(pairs, prefix)]
        output.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {len(lines)} pairs to {output}")


if __name__ == "__main__":
    main()
