"""The SemEval-2023 task 3 label sets, with categories and plain-language definitions.

Label names are kept exactly as the task spells them, so outputs can be scored with the task's
own tools and compared with published results.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    name: str
    category: str
    definition: str


# The six technique groups of the SemEval-2023 scheme.
ATTACK_ON_REPUTATION = "Attack on reputation"
JUSTIFICATION = "Justification"
SIMPLIFICATION = "Simplification"
DISTRACTION = "Distraction"
CALL = "Call"
MANIPULATIVE_WORDING = "Manipulative wording"

TECHNIQUE_LABELS: tuple[Label, ...] = (
    Label("Appeal_to_Authority", JUSTIFICATION,
          "Treats a claim as true because an expert, institution or famous person backs it."),
    Label("Appeal_to_Popularity", JUSTIFICATION,
          "Argues a claim is right because many people, or 'everybody', agree with it."),
    Label("Appeal_to_Values", JUSTIFICATION,
          "Ties a position to cherished values such as freedom, tradition or religion."),
    Label("Appeal_to_Fear-Prejudice", JUSTIFICATION,
          "Builds support by stoking fear of an outcome or prejudice against a group."),
    Label("Flag_Waving", JUSTIFICATION,
          "Justifies an idea by appeal to national or group pride and identity."),
    Label("Causal_Oversimplification", SIMPLIFICATION,
          "Blames a complex outcome on a single cause."),
    Label("False_Dilemma-No_Choice", SIMPLIFICATION,
          "Presents two options as the only possible ones, or one as the only way."),
    Label("Consequential_Oversimplification", SIMPLIFICATION,
          "Claims a first step will inevitably lead to a chain of (usually bad) consequences."),
    Label("Straw_Man", DISTRACTION,
          "Refutes a distorted version of the opponent's argument instead of the real one."),
    Label("Red_Herring", DISTRACTION,
          "Diverts attention to an irrelevant topic to avoid the issue at hand."),
    Label("Whataboutism", DISTRACTION,
          "Deflects criticism by pointing at the opponent's alleged wrongdoing."),
    Label("Slogans", CALL,
          "Uses a short, catchy phrase in place of an argument."),
    Label("Appeal_to_Time", CALL,
          "Demands action by insisting that the time to act is now."),
    Label("Conversation_Killer", CALL,
          "Uses a phrase that discourages further thought or discussion."),
    Label("Loaded_Language", MANIPULATIVE_WORDING,
          "Uses emotionally charged words to sway the reader rather than inform."),
    Label("Repetition", MANIPULATIVE_WORDING,
          "Repeats a word, phrase or idea so the audience comes to accept it."),
    Label("Exaggeration-Minimisation", MANIPULATIVE_WORDING,
          "Overstates or downplays something beyond what the facts support."),
    Label("Obfuscation-Vagueness-Confusion", MANIPULATIVE_WORDING,
          "Is deliberately unclear so that readers fill in their own interpretation."),
    Label("Name_Calling-Labeling", ATTACK_ON_REPUTATION,
          "Attaches a label to a person or group that the audience fears, hates or admires."),
    Label("Doubt", ATTACK_ON_REPUTATION,
          "Questions the credibility of someone or something without substance."),
    Label("Guilt_by_Association", ATTACK_ON_REPUTATION,
          "Discredits a target by linking it to a group or person seen negatively."),
    Label("Appeal_to_Hypocrisy", ATTACK_ON_REPUTATION,
          "Attacks a target for hypocrisy instead of addressing the argument."),
    Label("Questioning_the_Reputation", ATTACK_ON_REPUTATION,
          "Undermines the character or standing of a target to discredit their position."),
)

FRAME_CATEGORY = "Frame"

FRAME_LABELS: tuple[Label, ...] = (
    Label("Capacity_and_resources", FRAME_CATEGORY,
          "Availability of physical, human or financial resources, and the capacity to act."),
    Label("Crime_and_punishment", FRAME_CATEGORY,
          "Violation of laws, enforcement, and the punishment of offenders."),
    Label("Cultural_identity", FRAME_CATEGORY,
          "Traditions, customs and values of a social group as they bear on the story."),
    Label("Economic", FRAME_CATEGORY,
          "Costs, benefits and other financial implications."),
    Label("External_regulation_and_reputation", FRAME_CATEGORY,
          "A country's standing, relations and obligations towards other nations."),
    Label("Fairness_and_equality", FRAME_CATEGORY,
          "Equality or inequality in how laws, rights and resources are distributed."),
    Label("Health_and_safety", FRAME_CATEGORY,
          "Health care, sanitation, public safety and disease."),
    Label("Legality_Constitutionality_and_jurisprudence", FRAME_CATEGORY,
          "Legal rights, constitutional questions and court decisions."),
    Label("Morality", FRAME_CATEGORY,
          "Religious or ethical duties and what is right or wrong."),
    Label("Policy_prescription_and_evaluation", FRAME_CATEGORY,
          "Specific policies proposed to address a problem, and whether they work."),
    Label("Political", FRAME_CATEGORY,
          "Political considerations: parties, elections, partisan manoeuvring."),
    Label("Public_opinion", FRAME_CATEGORY,
          "Attitudes of the public, polls and protests."),
    Label("Quality_of_life", FRAME_CATEGORY,
          "Effects on individuals' wealth, mobility, happiness and daily life."),
    Label("Security_and_defense", FRAME_CATEGORY,
          "Threats to the welfare of a nation or group, and defence against them."),
)

TECHNIQUES: tuple[str, ...] = tuple(label.name for label in TECHNIQUE_LABELS)
FRAMES: tuple[str, ...] = tuple(label.name for label in FRAME_LABELS)
TECHNIQUE_INDEX: dict[str, int] = {name: i for i, name in enumerate(TECHNIQUES)}
FRAME_INDEX: dict[str, int] = {name: i for i, name in enumerate(FRAMES)}


def _folded(name: str) -> str:
    return name.casefold().replace("_", " ").replace("-", " ")


def closest_label(name: str, known: Iterable[str]) -> str | None:
    """The known label a misspelt `name` most likely meant, for a "did you mean" hint, else None.
    Case, `_`, `-` and spaces do not count, and a part of a compound name ("Name calling" for
    Name_Calling-Labeling) stands for it; otherwise `difflib`'s closest, if close enough."""
    by_folded: dict[str, str] = {}
    for label in known:
        for key in (label, *label.split("-")):
            by_folded.setdefault(_folded(key), label)
    folded = _folded(name)
    if folded in by_folded:
        return by_folded[folded]
    close = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.75)
    return by_folded[close[0]] if close else None
