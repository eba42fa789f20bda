"""Writes data/probes/frame_sentences.jsonl and frame_articles.jsonl from the sentences below.

Every sentence is the project's own, written for this probe: each plainly carries one of the 14
SemEval-2023 frames (definitions in model/taxonomy.py), six per frame, across topics. The script
joins them into short mixed articles of four sentences with four different frames (one paragraph,
sentences separated by one space) and records where each sentence lies in its article. The
grouping is a seeded shuffle, so re-running the script gives the same files.

    python data/probes/make_frame_probe.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

# frame -> [(topic, sentence)]
SENTENCES: dict[str, list[tuple[str, str]]] = {
    "Capacity_and_resources": [
        ("health", "The regional hospital has only four ambulances and twelve nurses to serve two hundred "
                   "thousand people."),
        ("migration", "The border agency says it lacks the staff and the boats to patrol the coast every night."),
        ("conflict", "The army has run short of artillery shells, and its factories can make only a fraction "
                     "of what the front consumes."),
        ("education", "Schools in the district have too few teachers and classrooms to take in the children "
                      "who arrived this year."),
        ("disaster", "The fire service has two working helicopters left, and both need spare parts it cannot "
                     "obtain."),
        ("migration", "Reception centres built for three thousand people now hold more than nine thousand."),
    ],
    "Crime_and_punishment": [
        ("crime", "The man was convicted of armed robbery and sentenced to twelve years in prison."),
        ("migration", "Police arrested three smugglers who had charged migrants large sums to cross the strait "
                      "at night."),
        ("crime", "Detectives said the gang had stolen more than forty cars before its leader was caught."),
        ("politics", "The former mayor was jailed for six years for taking bribes from building contractors."),
        ("drugs", "Officers seized two tonnes of cocaine hidden in a shipment of bananas and arrested the "
                  "crew."),
        ("conflict", "The soldier who looted shops in the occupied town was found guilty of theft and sent "
                     "to prison."),
    ],
    "Cultural_identity": [
        ("tradition", "For the fishing villages of the coast, the spring boat festival is the heart of a way "
                      "of life passed down for centuries."),
        ("migration", "Many families who came from the mountains still speak their own language at home and "
                      "cook the dishes of their grandparents."),
        ("urban", "The churches and bazaars of the old quarter are, residents say, what makes the city who "
                  "they are."),
        ("diaspora", "Young people in the diaspora learn the traditional songs and dances to keep their "
                     "heritage alive."),
        ("land", "The elders of the tribe say the sacred forest is bound up with their ancestors, their "
                 "stories and their customs."),
        ("language", "For many in the region, the national language and its poetry are the core of what it "
                     "means to belong."),
    ],
    "Economic": [
        ("energy", "Oil exports fell by a third last quarter, and the currency lost twelve percent of its "
                   "value against the dollar."),
        ("conflict", "The war has cost the economy four percent of its output and pushed inflation to a "
                     "ten-year high."),
        ("trade", "Farmers say the new tariffs will cut their profits and drive up the price of wheat."),
        ("finance", "The central bank raised interest rates by half a point to slow the rise in prices."),
        ("migration", "Migrant workers send home remittances worth more than the entire tourism revenue of "
                      "the country."),
        ("industry", "The closure of the steel plant will take about two hundred million a year out of the "
                     "local economy."),
    ],
    "External_regulation_and_reputation": [
        ("diplomacy", "The foreign ministry summoned the ambassador after the neighbouring country expelled "
                      "three of its diplomats."),
        ("migration", "The European Union warned the government that its treatment of asylum seekers breaches "
                      "its obligations under the treaty."),
        ("diplomacy", "The reputation of the country abroad has fallen, and several allies have recalled "
                      "their ambassadors."),
        ("rights", "The human rights council of the United Nations criticised the country for its treatment "
                   "of journalists."),
        ("trade", "Trading partners threatened sanctions if the government did not honour the treaty it "
                  "signed with its neighbours."),
        ("diplomacy", "The summit ended with both nations pledging to restore the diplomatic relations they "
                      "broke off five years ago."),
    ],
    "Fairness_and_equality": [
        ("labour", "Women in the factory earn a third less than men who do the same work."),
        ("migration", "Refugees from one country are welcomed and housed, while those from another are left "
                      "to sleep in tents, an unequal treatment aid groups condemn."),
        ("education", "Children in the poorer villages get half the school funding that pupils in the capital "
                      "receive."),
        ("migration", "The new rules let wealthy investors buy residency while ordinary workers wait years "
                      "for the same right."),
        ("policing", "Members of ethnic minorities are stopped and searched by police far more often than the "
                     "rest of the population."),
        ("veterans", "Former soldiers from the east receive smaller pensions than those from the west, though "
                     "they served the same years."),
    ],
    "Health_and_safety": [
        ("health", "Doctors at the cholera ward treated more than two hundred patients this week as the "
                   "outbreak spread through the camp."),
        ("health", "Health officials warned that the measles vaccination rate among children has fallen "
                   "below seventy percent."),
        ("disaster", "Contaminated water from the flooded wells has made hundreds of villagers sick with "
                     "diarrhoea."),
        ("labour", "Inspectors found that the workers in the factory had no protective masks against the "
                   "toxic dust."),
        ("climate", "The heatwave sent dozens of elderly people to hospital with dehydration and heatstroke."),
        ("infrastructure", "Engineers warned residents to stay away from the damaged bridge, which could "
                           "collapse at any time."),
    ],
    "Legality_Constitutionality_and_jurisprudence": [
        ("rights", "The constitutional court ruled that the emergency decree violated the right to a fair "
                   "trial."),
        ("politics", "Judges declared the law unconstitutional because parliament had passed it without the "
                     "required quorum."),
        ("migration", "Lawyers for the asylum seekers argue that the deportations breach the constitutional "
                      "guarantee of due process."),
        ("politics", "The supreme court will decide whether the president has the legal authority to extend "
                     "his term."),
        ("protest", "The appeals court struck down the ban on demonstrations, saying it infringed the "
                    "freedom of assembly."),
        ("technology", "Legal scholars say the new surveillance law conflicts with the constitutional right "
                       "to privacy."),
    ],
    "Morality": [
        ("migration", "The archbishop said it is a sin to turn away a stranger who knocks at the door in "
                      "need."),
        ("conflict", "Leaving wounded people without help is simply wrong, whatever side they fought on, the "
                     "priest told his congregation."),
        ("gambling", "Many believers regard gambling as a moral evil that corrupts families."),
        ("religion", "The imam reminded worshippers that their faith commands them to care for the orphan "
                     "and the widow."),
        ("arms", "Critics say it is shameful and unethical to profit from selling weapons to both sides of "
                 "a war."),
        ("religion", "Honesty is a sacred duty, the rabbi said, and no cause can justify lying to the "
                     "people."),
    ],
    "Policy_prescription_and_evaluation": [
        ("welfare", "The ministry proposes to replace the housing benefit with a single monthly payment from "
                    "next year."),
        ("labour", "An independent review found that the job training scheme had failed to reduce "
                   "unemployment in the regions where it ran."),
        ("transport", "Experts recommend that the city introduce a congestion charge and expand bus lanes "
                      "to cut traffic."),
        ("migration", "The plan would require every asylum claim to be decided within six months, with extra "
                      "judges hired to meet the deadline."),
        ("education", "An evaluation of the school meals programme concluded that it had improved attendance "
                      "and should be extended."),
        ("migration", "The government will introduce a points-based visa system to replace the current "
                      "quota rules."),
    ],
    "Political": [
        ("politics", "The ruling party lost its majority after two coalition partners walked out over the "
                     "budget."),
        ("politics", "The opposition leader announced that she will run for president in next year's "
                     "election."),
        ("politics", "The prime minister reshuffled his cabinet to shore up support among the right wing of "
                     "his party ahead of the vote."),
        ("politics", "Lawmakers from the governing coalition accused the opposition of blocking the bill to "
                     "score points before the election."),
        ("politics", "The two main parties are neck and neck, and both are courting the small centrist party "
                     "as a kingmaker."),
        ("politics", "The senator switched parties last week, handing the conservatives control of the upper "
                     "chamber."),
    ],
    "Public_opinion": [
        ("conflict", "A new poll shows that sixty percent of voters oppose sending more troops abroad."),
        ("pensions", "Tens of thousands of people marched through the capital on Sunday to protest against "
                     "the pension reform."),
        ("migration", "Surveys find that public support for taking in refugees has dropped sharply since the "
                      "summer."),
        ("disaster", "Social media filled with angry messages from residents after the remarks of the mayor "
                     "about the flood."),
        ("trust", "Most people questioned in the survey said they trust their local doctor more than any "
                  "politician."),
        ("urban", "Thousands signed a petition within a day demanding that the old park be saved."),
    ],
    "Quality_of_life": [
        ("industry", "Since the factory closed, families in the town struggle to pay rent and many children "
                     "go to school hungry."),
        ("migration", "Residents of the camp spend hours each day queuing for water and have no privacy in "
                      "the crowded tents."),
        ("transport", "Commuters now spend three hours a day travelling to work because the bridge is still "
                      "closed."),
        ("urban", "The new park has given the neighbourhood a place for children to play and for older "
                  "people to meet."),
        ("energy", "Power cuts of up to twelve hours a day mean families cannot keep food cold or work from "
                   "home."),
        ("migration", "After the move to the city, life got better for the family: the children have their "
                      "own rooms and the parents have steady jobs."),
    ],
    "Security_and_defense": [
        ("conflict", "A drone strike destroyed an ammunition depot near the front line overnight."),
        ("conflict", "The defence ministry is moving extra air defence batteries to the border to protect the "
                     "capital from missile attacks."),
        ("maritime", "The navy intercepted two armed boats trying to approach the oil terminal."),
        ("infrastructure", "Intelligence services warned of a heightened threat of attacks on the national "
                           "power grid."),
        ("conflict", "Troops dug new trenches and laid mines along the northern front to halt the expected "
                     "offensive."),
        ("alliance", "The alliance agreed to station four more battalions in its eastern member states as a "
                     "deterrent."),
    ],
}

ARTICLE_SIZE = 4
SEED = 20
FOLDER = Path(__file__).resolve().parent


def sentence_records() -> list[dict]:
    records = []
    for frame, items in SENTENCES.items():
        for k, (topic, text) in enumerate(items, start=1):
            records.append({"id": f"{frame}-{k}", "frame": frame, "topic": topic, "text": text})
    return records


def group(records: list[dict]) -> list[list[dict]]:
    """Seeded shuffles until every article of ARTICLE_SIZE sentences has distinct frames."""
    rng = random.Random(SEED)
    for _ in range(10_000):
        order = records[:]
        rng.shuffle(order)
        groups = [order[i : i + ARTICLE_SIZE] for i in range(0, len(order), ARTICLE_SIZE)]
        if all(len({r["frame"] for r in g}) == len(g) for g in groups):
            return groups
    raise RuntimeError("no grouping with distinct frames found")


def article_record(index: int, sentences: list[dict]) -> dict:
    text, placed = "", []
    for sentence in sentences:
        if text:
            text += " "
        placed.append({"id": sentence["id"], "frame": sentence["frame"], "start": len(text),
                       "end": len(text) + len(sentence["text"])})
        text += sentence["text"]
    return {"id": f"article-{index:02d}", "text": text, "sentences": placed}


def main() -> None:
    records = sentence_records()
    articles = [article_record(i, g) for i, g in enumerate(group(records), start=1)]
    (FOLDER / "frame_sentences.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    (FOLDER / "frame_articles.jsonl").write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    print(f"wrote {len(records)} sentences and {len(articles)} articles to {FOLDER}")


if __name__ == "__main__":
    main()
