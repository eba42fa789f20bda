"""Writes data/training/loaded_labels.jsonl from the marked-up sentences below; run it after editing them.

Training data, not a probe: it teaches "a loaded label for people or groups" (Name_Calling-Labeling)
by contrast with the same sentence naming the people plainly. Every sentence was written by the team
for this file; none is taken from the example articles or any corpus. Markers:

    [N:loaded|neutral]   a Name_Calling-Labeling span (the label phrase itself)
    [L:loaded|neutral]   a Loaded_Language span (a charged word that is not a label)

When every marker of a sentence has a `|neutral` part, the script also writes the neutral record
(each marker replaced by its neutral part, no spans). A marker without `|` gives a loaded record
only; a (marked, neutral sentence) pair gives a loaded record and a hand-written neutral one.
The script computes every offset; never edit them by hand.

    python data/training/make_loaded_labels.py && python data/training/check_loaded_labels.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

MARKER = re.compile(r"\[(N|L):([^\]|]+)(?:\|([^\]]*))?\]")
LABELS = {"N": "Name_Calling-Labeling", "L": "Loaded_Language"}

LOADED: list[str | tuple[str, str]] = [
    # conflict
    "Witnesses said the army's [N:goons|guards] pulled two reporters from their car near the checkpoint.",
    "The [N:warmongers|planners] in the defence ministry want another offensive before the winter "
    "sets in, according to "
    "two officials who attended the briefing and asked not to be named because the plans are secret.",
    "Ministers described the rebels as [N:brigands|fighters] who live off stolen cattle and ransom money.",
    "The [N:rogue state|neighbouring state] test-fired two more missiles over the sea on Sunday, officials said.",
    ("Pro-government channels called the defecting officers [N:turncoats] and demanded their arrest.",
     "Pro-government channels named the defecting officers and demanded their arrest."),
    "The militia's [N:jackboots|officers] marched through the market square, checking papers at gunpoint.",
    ("Shipping firms called the coastguard officers [N:pirates] after a third cargo vessel was impounded.",
     "Shipping firms criticised the coastguard officers after a third cargo vessel was impounded."),
    "The president's [N:lackeys|allies] in parliament voted the emergency law through without a debate.",
    "The [N:despot|governor] of the northern province has ruled by decree for eleven years. He has not "
    "given an interview since 2019.",
    "Analysts said the [N:autocrat|president] would not tolerate any rival candidate in next year's vote.",
    ("A spokesman for the separatists called the peacekeepers [N:hired guns] serving foreign interests.",
     "A spokesman for the separatists said the peacekeepers were serving foreign interests."),
    "The [N:insurrectionists|insurgents] seized the television tower and broadcast a statement at midnight.",
    "State media said the [N:subversives|suspects] had been plotting attacks on railway lines for months.",
    "Refugees described how the [N:brutes|guards] at the border post beat a man with rifle butts.",
    "The [N:strongman|general]'s forces shelled the port city for a third night. Hospitals reported dozens "
    "of wounded.",
    ("Opposition leaders said the ruling party's [N:hatchet men] had [L:bullied] voters at polling stations "
     "across the south.",
     "Opposition leaders said the ruling party's officials had approached voters at polling stations across "
     "the south."),
    "The [N:fifth columnists|informants] inside the capital are feeding the enemy information, a minister "
    "claimed.",
    ("Rebel commanders dismissed the government army as a [N:paper tiger] that cannot hold territory.",
     "Rebel commanders described the government army as a force that cannot hold territory."),
    "The [N:stormtroopers|officers] of the interior ministry broke up the vigil within minutes.",
    ("Exiled activists called the country a [N:pariah state] that jails its poets.",
     "Exiled activists said the country jails its poets."),
    "Human rights groups said the [N:quislings|officials] running the captured town had handed lists of "
    "teachers to the army.",
    "The [N:collaborators|local officials] who ran the checkpoint left when the army returned.",
    "The [N:zealous mullahs|senior clerics] in the capital issued a new decree banning music at weddings.",
    "The [N:narco-state] next door keeps [L:exporting its bloodshed] across our border, the senator said.",
    "The president vowed to hunt down the [N:evildoers|people] behind the bombing at the bus depot.",
    "The [N:deserters|soldiers] who crossed into the neighbouring country have asked for protection.",
    "The [N:armchair generals|analysts] on television keep demanding a ground offensive.",
    "The [N:sabre-rattlers|officials] in the foreign ministry want the fleet moved closer to the strait.",
    # politics
    "The senator said her opponents were a [N:cabal|group] of lobbyists working against ordinary families.",
    ("Party members dismissed the new leader as an [N:empty suit] with no policies of his own.",
     "Party members described the new leader as a newcomer with no policies of his own."),
    ("The mayor is a [N:lame duck] now, and everyone at city hall knows it.",
     "The mayor is leaving office in May, and everyone at city hall knows it."),
    "Critics say the minister surrounded himself with [N:yes-men|advisers] who never questioned a single "
    "budget line.",
    "The governor's [N:toadies|supporters] on the committee blocked every amendment from the opposition.",
    ("Protesters outside the assembly chanted that the deputies were [N:sycophants] of the palace.",
     "Protesters outside the assembly chanted that the deputies were loyal to the palace."),
    "The [N:bootlickers|journalists] in the state press praised the budget before anyone had read it.",
    ("He called the finance committee a bunch of [N:bean counters] who have never run a business.",
     "He said the members of the finance committee have never run a business."),
    ("The candidate promised to clear out the [N:faceless bureaucrats] in the capital on her first day.",
     "The candidate promised to cut jobs in the civil service in the capital on her first day."),
    "The [N:ideologues|officials] at the central bank have pushed rates too high, the union leader said.",
    ("Columnists on the right dismissed the marchers as [N:champagne socialists] from the wealthy suburbs.",
     "Columnists on the right said many of the marchers came from the wealthy suburbs."),
    "The [N:loony left|left wing] has taken over the council's housing committee, a councillor complained.",
    "She accused the [N:elitists|lawmakers] in the capital of ignoring farmers for a decade.",
    ("Government supporters labelled the striking doctors [N:saboteurs] of the national recovery.",
     "Government supporters criticised the striking doctors, whose walkout entered its second week."),
    ("The prime minister dismissed his critics as [N:doom-mongers] who want the economy to fail.",
     "The prime minister answered his critics, who expect the economy to slow next year."),
    ("Opposition figures are [N:scaremongers] spreading panic about the vaccine, the health minister said.",
     "Opposition figures have raised concerns about the vaccine, the health minister said."),
    "The [N:fearmongers] on talk radio have spent a week telling listeners that the currency will collapse.",
    ("Party elders called the breakaway group [N:renegades] and expelled six of them on Friday.",
     "Party elders criticised the breakaway group and expelled six of them on Friday."),
    "The new chancellor is a [N:relic] of the cold war, one newspaper wrote.",
    ("Delegates cheered as the speaker called the old guard [N:dinosaurs] [L:clinging to power].",
     "Delegates listened as the speaker said the party's older members had led it for too long."),
    ("He dismissed the protesting students as [N:snowflakes] who cannot handle a difficult lecture.",
     "He said the protesting students had objected to a difficult lecture."),
    ("Ministers called the campaigners [N:tree huggers] standing in the way of ten thousand jobs.",
     "Ministers said the campaigners opposed a project worth ten thousand jobs."),
    "The [N:nanny state] now wants to tell people how much salt they may eat.",
    "The senator mocked the charity's founders as [N:do-gooders] who had never met a refugee.",
    ("A backbencher called the cabinet a [N:clique] of old school friends.",
     "A backbencher said the cabinet was made up of old school friends."),
    ("The [N:camarilla] around the ailing president now takes every decision, diplomats say.",
     "The advisers around the ailing president now take every decision, diplomats say."),
    "The [N:chickenhawks] in congress who never served are eager to send other people's children to war.",
    "The [N:windbags|members] in the upper house talked for nine hours and passed nothing.",
    ("Online, the president's fans called the reporter a [N:Judas] for asking about the loan.",
     "Online, the president's fans criticised the reporter for asking about the loan."),
    "The [N:backstabbers|ministers] in his own cabinet leaked the memo to the press, the former minister "
    "wrote.",
    "The [N:hatemongers|group] behind the leaflet campaign targeted the town's new mosque.",
    "The [N:bigots|people] who sent the letters to the councillor have not been identified. "
    "Police say the letters were posted from three towns, and the councillor has asked for patrols outside her home.",
    ("The [N:extremists] running the party's youth wing posted a video threatening local imams.",
     "The activists running the party's youth wing posted a video about local imams."),
    "The [N:keyboard warriors|users] who flooded her page with abuse have mostly deleted their accounts.",
    "A [N:troll farm|network] of paid accounts spread the rumour within an hour, researchers said.",
    "The [N:provocateurs|people] at the rally were paid by the ruling party, the opposition claims.",
    "The [N:useful idiots] of foreign powers are marching in our streets, the minister said.",
    "The [N:hypocrites|delegates] who flew private jets to the climate summit spoke to farmers about diesel.",
    "The [N:brownshirts|members] of the ruling party's youth wing broke up the book fair.",
    "The party's [N:commissars|officials] decide who may teach history in the state schools.",
    "The [N:thought police|disciplinary panel] at the university suspended a lecturer over a joke.",
    ("The opposition leader said the country had become a [N:banana republic] where judges take orders by "
     "phone.",
     "The opposition leader said judges in the country take orders by phone."),
    "The [N:failed state] on our southern border cannot even collect its own rubbish, the minister said.",
    "The [N:sheep|members] who voted for the motion did what the whips told them.",
    "The [N:buffoons|officials] running the health ministry have lost the vaccine contracts twice.",
    "The [N:minions|employees] of the media tycoon wrote every editorial on the election.",
    "The [N:flunkeys|staff] at the embassy could not help the stranded tourists.",
    "The [N:hacks|journalists] at the state broadcaster repeated the ministry's figures word for word.",
    "The [N:radicals|members] in the student union want to cancel the visiting speaker.",
    "She said the [N:snakes|colleagues] in her own party had briefed against her for months.",
    "The [N:hyenas|members] of the opposition are already fighting over the leadership.",
    "The [N:inquisitors|members] on the ethics committee questioned the minister for six hours.",
    # crime
    "Police raided a warehouse used by [N:racketeers|a criminal group] to store stolen electronics.",
    "The [N:crime boss|defendant] was sentenced to twenty years on Thursday for extortion and money "
    "laundering.",
    "Three [N:mobsters|men] were arrested in a dawn raid on a restaurant in the harbour district. A "
    "fourth man is still being sought.",
    "The [N:kingpin|man] behind the smuggling ring ran his business from a prison cell.",
    "The [N:godfather|head] of the port's cocaine trade was extradited on Monday after a two-year legal "
    "fight.",
    ("[N:Looters] [L:ransacked] pharmacies and phone shops after the storm knocked out the power.",
     "People took goods from pharmacies and phone shops after the storm knocked out the power."),
    "[N:Rioters|Demonstrators] set fire to two buses and a bank branch on the third night of unrest.",
    "The [N:swindlers|advisers] who sold the pension plans to retirees have been ordered to repay 3 million "
    "euros.",
    "Police warned residents about [N:scammers|callers] posing as bank staff on the telephone.",
    "The [N:con men|two men] persuaded an 80-year-old widow to hand over her life savings.",
    "The [N:loan sharks|lenders] charging 300 per cent interest [L:preyed on|lent to] families on the estate.",
    "The [N:ambulance chasers|lawyers] have already written to every passenger on the derailed train.",
    "The [N:shysters|lawyers] who handled the estate billed the family for 400 hours of work.",
    "The [N:street punks|teenagers] who damaged the war memorial were caught on camera.",
    "Residents say [N:tearaways|teenagers] on scooters have made the park hard to use after dark.",
    "The [N:delinquents|people] responsible for the fire will face charges, the police chief said.",
    "A gang of [N:ruffians|men] attacked a bus driver on the night route, the company said.",
    "Drunken [N:louts|fans] smashed shop windows on the high street after the match.",
    ("The judge called the defendant a [N:fiend] who showed no remorse.",
     "The judge said the defendant showed no remorse."),
    "The [N:villains|robbers] who held up the jeweller's shop escaped on motorbikes.",
    "The [N:miscreants|pupils] who spray-painted the school gates will be made to clean them, the head "
    "teacher said.",
    "The debt collector's [N:hired muscle|staff] turned up at the bakery twice last week.",
    "The [N:bagmen|couriers] who carried the payments to the ministry have turned state's witness.",
    "Prosecutors say the [N:fixers|intermediaries] arranged the contracts in exchange for villas on the coast.",
    "The nightclub owner's [N:heavies|doormen] pushed the inspector down the stairs.",
    "The [N:scofflaws|drivers] who ignore the parking rules cost the city 2 million a year.",
    ("Prosecutors described the accused as [N:outlaws] who treated the valley as their private kingdom.",
     "Prosecutors said the accused had controlled the valley for years."),
    "The [N:tax cheats|people] who hid their fortunes offshore will face new penalties, the minister said.",
    "The [N:beasts|men] who attacked the pensioner in her kitchen took only her handbag.",
    "The [N:animals|people] who wrecked the children's playground have not been caught.",
    "The [N:ghouls|people] selling photos of the crash site online were condemned by the victims' families.",
    "The [N:scoundrels|directors] who emptied the pension fund have left the country.",
    "Police say the [N:crime family|family] controlling the fish market has moved into construction.",
    ("The [N:ringleaders] of the prison riot were moved to a high-security jail.",
     "The inmates who led the prison riot were moved to a high-security jail."),
    "The [N:sleazebags] who ran the modelling agency [L:exploited] teenagers for years, the court heard.",
    ("Police said the [N:nutjobs] who threatened the judge online would be found.",
     "Police said the people who sent threats to the judge online would be found."),
    "The [N:wide boys|traders] selling counterfeit designer bags have moved to the station car park.",
    "Residents said the [N:rats|people] who stole the charity box from the shop counter should return it.",
    # migration
    ("A tabloid headline called the families [N:bogus asylum seekers] before their cases had been heard.",
     "A newspaper reported on the families, asylum seekers whose cases have not yet been heard."),
    ("The councillor said [N:spongers] from abroad were filling the town's housing list.",
     "The councillor said families from abroad were on the town's housing list."),
    "Locals complained that [N:interlopers|buyers] from the city had bought up every cottage in the village.",
    ("The minister described the people in the camp as [N:gatecrashers] who had skipped the legal route.",
     "The minister said the people in the camp had arrived outside the legal route."),
    "Campaigners called the smugglers who run the boats [N:vultures] profiting from desperation.",
    ("The party leaflet warned of [N:benefit cheats] arriving on every ferry.",
     "The party leaflet discussed the number of people arriving on every ferry."),
    "The [N:carpetbaggers|candidates] from the capital have never lived here, yet they want to run our "
    "district.",
    ("A radio host called the new arrivals [N:cockroaches] and was suspended by the station.",
     "A radio host interviewed the new arrivals on his morning show."),
    "The newcomers were described as [N:riff-raff] by a local councillor, prompting an apology from the party.",
    ("The mayor dismissed the young men in the shelter as [N:layabouts] who refuse to work.",
     "The mayor said the young men in the shelter are not yet allowed to work."),
    # protest
    "The [N:agitators|activists] who organised the blockade will be prosecuted, the interior ministry "
    "said in a statement that also promised compensation to hauliers who lost three days of deliveries.",
    ("Police said [N:troublemakers] had [L:hijacked] an otherwise peaceful march.",
     "Police said a small group had joined an otherwise peaceful march."),
    "[N:Hooligans|Demonstrators] threw bottles at riot police outside the parliament building. Eleven "
    "officers were hurt.",
    "The [N:anarchists|people] who smashed the bank's windows were not part of the union march, organisers "
    "said.",
    ("The minister called the blockading farmers [N:hotheads] and told them to go home.",
     "The minister called on the blockading farmers to go home."),
    ("A minister described the students sitting in the library as [N:malcontents] with nothing better to do.",
     "A minister said the students sitting in the library would be asked to leave."),
    ("The [N:rent-a-crowd] outside the embassy was bussed in by the opposition, state television claimed.",
     "The crowd outside the embassy travelled in by bus, state television said."),
    "The [N:seditionists|protesters] who blocked the motorway should be jailed, a government MP said.",
    "The [N:eco-loonies|climate activists] glued themselves to the runway, delaying forty flights.",
    "Police chiefs accused the [N:Bolsheviks|leaders] in the dockers' union of planning a general strike.",
    "The [N:bleeding hearts] who want the camp kept open have never lived next to it, the councillor said.",
    "Protesters chanted that the [N:pigs|police] had beaten a student outside the library.",
    "The [N:firebrands|leaders] of the farmers' union want to block every motorway in the country.",
    "The [N:bully boys|members] of the dockers' union blocked the gates for a week.",
    # business
    "The [N:fat cats|directors] in the boardroom awarded themselves bonuses while closing two factories. "
    "Workers learned of the payouts from the "
    "annual report.",
    "The [N:robber barons|operators] of the rail industry raised fares again this spring.",
    ("Unions called the new owners [N:asset strippers] who will sell the plant for scrap.",
     "Unions said the new owners may sell the plant for scrap."),
    "The [N:vulture capitalists|investors] who bought the newspaper fired half the newsroom within a month.",
    "The [N:banksters|bankers] whose loans caused the crash never paid for it, the campaigner said.",
    "The [N:oligarchs|businessmen] who own the port have bought two more television channels.",
    "A small circle of [N:plutocrats|investors] now owns most of the farmland in the region.",
    "The [N:slumlords|landlords] renting mouldy flats to students face fines under the new law, which the "
    "city council passed on Wednesday after a two-year campaign by tenants' groups and the students' union.",
    "The [N:price gougers|shops] that tripled the cost of bottled water after the flood will be investigated.",
    "The [N:war profiteers|firms] supplying the army with boots made millions last year.",
    "The [N:corporate raiders|investors] interested in the brewery want its land, not its beer.",
    ("Critics called the company's founder a [N:snake oil salesman] selling a blood test that never worked.",
     "Critics said the company's founder had sold a blood test that never worked."),
    "The [N:cowboy builders|builders] who left the roof half-finished have not returned the deposit.",
    "The [N:grifters|founders] behind the coin raised 40 million dollars before the website went dark. "
    "Investors have filed a complaint.",
    "The [N:shills|influencers] paid to promote the supplement never disclosed the payments.",
    "The [N:quacks|clinics] selling the treatment were fined by the health regulator.",
    "The [N:charlatans] promising to double your money in a week have moved their office again.",
    "The [N:hustlers|men] who sold counterfeit tickets outside the stadium were arrested.",
    "[N:Chancers] and [N:spivs] have moved into the energy market, the regulator warned.",
    "The [N:sweatshop bosses|owners] who paid seamstresses a dollar a day have shut the factory.",
    "The [N:union bosses] are [L:holding the country to ransom], the transport secretary said.",
    ("The consultants are [N:leeches] on the health service, the nurses' union said.",
     "The consultants cost the health service too much, the nurses' union said."),
    "The [N:wolves|brokers] of the stock exchange bet against the pension funds and won.",
    "The [N:sharks|buyers] interested in the bankrupt airline want its landing slots, not its staff.",
    "The tech [N:overlords|companies] in California decide what millions of people read each morning.",
    "The [N:profiteers|traders] who stored flour during the siege sold it at four times the price.",
    # sport
    "The [N:cheats|riders] from the cycling team were stripped of their medals. The team has not commented.",
    "Fans booed the [N:cowards|players] who refused to take a penalty in the shootout.",
    ("The club's owner called the referees [N:incompetents] after the late penalty.",
     "The club's owner criticised the referees after the late penalty."),
    "The visiting side were [N:bullies] who kicked our winger off the pitch, the coach said.",
    "Season-ticket holders dismissed the new supporters as [N:glory hunters].",
    ("The coach called the striker a [N:prima donna] for walking off before the final whistle.",
     "The coach criticised the striker for walking off before the final whistle."),
    "The [N:has-been|veteran] in goal let in three goals, one pundit wrote.",
    "The [N:drug cheats|athletes] on the relay team were banned for four years.",
    "The [N:racists|fans] who shouted at the goalkeeper were banned from the stadium for life.",
    "[N:Trolls|Users] flooded the footballer's account with messages after the final.",
    # celebrity
    ("The singer called the photographers outside her house [N:jackals].",
     "The singer asked the photographers outside her house to leave."),
    ("The reality star's former manager called her a [N:diva] and a [N:liar] in a new memoir.",
     "The reality star's former manager wrote about her in a new memoir."),
    "The actor arrived with an entourage of [N:hangers-on|assistants] and bodyguards.",
    "Tabloids called his young wife a [N:gold-digger] within a week of the wedding.",
    ("The chat show host is a [N:blowhard] who interrupts every guest, the critic wrote.",
     "The chat show host interrupts many of his guests, the critic wrote."),
    "The rapper dismissed his rivals as [N:wannabes] on his new album.",
    "The [N:loudmouth|radio] presenter was taken off air after another argument with a caller.",
    ("Fans called the producer a [N:creep] after the messages were published.",
     "Fans criticised the producer after the messages were published."),
    "The [N:gutter press|reporters] camped outside the hospital for three days.",
    # local news
    "The [N:busybodies|members] on the parish council have banned barbecues in the park.",
    "The [N:pen-pushers|staff] at the planning office rejected the bakery's extension for a third time. "
    "The owner says she will appeal.",
    "The [N:NIMBYs|residents] on Mill Lane have opposed the new school for two years.",
    ("A councillor called the homeless men in the station [N:vagrants] and [N:wasters].",
     "A councillor spoke about the homeless men sleeping in the station."),
    "The [N:cranks|residents] opposing the fluoride plan filled the town hall meeting.",
    "The [N:crackpots|people] behind the petition say the phone mast causes headaches.",
    "The [N:jobsworths|attendants] at the car park fined a nurse who was late from a night shift.",
    "The [N:petty Napoleon|chairman] who runs the allotment committee told a pensioner to remove his shed.",
    "Shopkeepers say [N:deadbeats|customers] owe them thousands in unpaid tabs.",
    "The [N:wastrels|young people] drinking in the churchyard every night have upset the choir.",
    "The [N:yahoos|drivers] who drove across the cricket pitch caused a thousand pounds of damage.",
    "The [N:reprobates|people] who stole the lead from the church roof have not been found.",
    "The [N:philistines|members] on the arts council cut the orchestra's grant. The players learned of it "
    "from a newspaper.",
    ("The minister called the taxi drivers [N:Luddites] for opposing the ride app.",
     "The minister criticised the taxi drivers for opposing the ride app."),
    "The [N:Neanderthals|members] on the club's board still refuse to admit women.",
    "The [N:idiots|officials] at the transport department have closed the only bridge during the festival.",
    "The [N:brainwashed followers|followers] of the preacher blocked the road to the compound.",
    "Former members described the movement as a [N:cult] that took their savings and their children.",
    "The promoter's [N:bruisers|security staff] pushed the journalist out of the press conference.",
    "The minister called the men arrested after the fire the [N:dregs of society].",
]

NEUTRAL: list[str] = [
    "The insurgents withdrew from the mountain pass after two days of fighting, the army said.",
    "The militia has controlled the road to the airport since March.",
    "The president met farmers' leaders on Monday to discuss fuel prices.",
    "Thousands of protesters marched through the capital on Saturday. The march ended without arrests.",
    "Police arrested two men suspected of stealing copper cable from the railway.",
    "The asylum seekers were given beds in a former school building near the coast.",
    "The coach praised his players after a hard-fought draw away from home.",
    "The singer thanked her fans after the final concert of the tour.",
    "The council will repair the footbridge over the canal next month.",
    "Shareholders approved the merger at the annual meeting in Frankfurt.",
    "The military council said elections would be held within eighteen months.",
    "The rebels and the army agreed a 48-hour ceasefire to let aid convoys through.",
    "Migrants rescued off the coast were taken to the port and given medical checks.",
    "The union called off the strike after a pay offer of 6 per cent.",
]


def _build(marked: str) -> tuple[str, list[dict], str | None]:
    """Loaded text with its spans, and the neutral text where every marker names a neutral part."""
    loaded, neutral, spans, all_neutral = "", "", [], True
    position = 0
    for match in MARKER.finditer(marked):
        plain = marked[position:match.start()]
        loaded += plain
        neutral += plain
        kind, word, swap = match.group(1), match.group(2), match.group(3)
        spans.append({"start": len(loaded), "end": len(loaded) + len(word), "label": LABELS[kind], "text": word})
        loaded += word
        all_neutral = all_neutral and swap is not None
        neutral += swap or ""
        position = match.end()
    loaded += marked[position:]
    neutral += marked[position:]
    return loaded, spans, (re.sub(r"  +", " ", neutral) if all_neutral else None)


def records() -> list[dict]:
    """Every record, loaded ones first, then the neutral counterparts and the neutral sentences."""
    loaded_records, neutral_records = [], []
    for number, entry in enumerate(LOADED, start=1):
        marked, written = entry if isinstance(entry, tuple) else (entry, None)
        text, spans, neutral = _build(marked)
        assert "[" not in text and "]" not in text, marked
        loaded_records.append({"id": f"loaded-labels-{number:03d}", "text": text, "spans": spans})
        neutral = written or neutral
        if neutral:
            neutral_records.append({"id": f"loaded-labels-{number:03d}-neutral", "text": neutral, "spans": []})
    for number, text in enumerate(NEUTRAL, start=1):
        neutral_records.append({"id": f"loaded-labels-neutral-{number:03d}", "text": text, "spans": []})
    return loaded_records + neutral_records


def main() -> None:
    target = Path(__file__).resolve().parent / "loaded_labels.jsonl"
    lines = [json.dumps(record, ensure_ascii=False) for record in records()]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} records to {target}")


if __name__ == "__main__":
    main()
