"""Review mode and long articles in headless Chromium (Debian's /usr/bin/chromium, Playwright, no download).

A correction made in the page (select words, label them, relabel and remove a highlight, tick a
frame, save) reaches the feedback database and `framing annotations export`. Screenshots of a long
article at desktop and phone widths go to $FRAMING_TEST_ARTEFACTS (default reports/screenshots/).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import ARTEFACTS, CHROMIUM, free_port, served_in_thread

from framing.service.cli import main
from framing.service.settings import Settings

pytestmark = pytest.mark.browser

TEXT = ("The brutal, barbaric terrorists slaughtered innocent civilians. "
        "Officials met on Monday to discuss the budget.")
GERMAN = "Die Regierung hat am Montag beschlossen, die Steuern für alle Familien deutlich zu erhöhen. " * 2

# A long article of the project's own words (the example articles may not be copied).
PARAGRAPHS = [
    "The reckless regime has once again betrayed the brave soldiers who defend our homeland.",
    "Officials said the ministry would publish the figures on Thursday, after a review by auditors.",
    "These corrupt bureaucrats and their foreign puppet masters will stop at nothing to destroy us.",
    "Either we stand together now or we lose everything our grandparents built with their own hands.",
    "Critics asked whether any of the promised money had ever reached the flooded villages in the north.",
    "Every patriot knows the truth: the invaders are criminals, thugs and terrorists, nothing more.",
    "The central bank kept interest rates unchanged and said inflation was expected to ease next year.",
    "Is it really a coincidence that the same people always profit from every disaster?",
]
LONG = "\n\n".join(f"{p} {PARAGRAPHS[(i + 3) % len(PARAGRAPHS)]}" for i, p in enumerate(PARAGRAPHS * 3))

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def feedback_db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"


@pytest.fixture(scope="module")
def base_url(analyzer, feedback_db):
    port = free_port()
    with served_in_thread(Settings(port=port, feedback_db=feedback_db), analyzer) as url:
        yield url


def open_page(browser, base_url, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(base_url + "/")
    expect(page.locator("#model-info")).not_to_contain_text("loading")
    return context, page, problems


@pytest.fixture
def page(browser, base_url):
    context, page, problems = open_page(browser, base_url, 1280, 900)
    yield page
    context.close()
    assert problems == [], problems


def analyse(page, text: str) -> dict:
    page.fill("#text", text)
    with page.expect_response(lambda r: r.url.endswith("/v1/analyze")) as info:
        page.click("#analyse")
    assert info.value.status == 200
    page.wait_for_selector("#results:not([hidden])")
    expect(page.locator("#analyse")).to_be_enabled()
    return info.value.json()


def select_words(page, words: str) -> None:
    """Select `words` in the drawn text as a user's drag would, then release the mouse."""
    page.eval_on_selector("#document", """(root, words) => {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.textContent.indexOf(words);
            if (at < 0 || !node.parentElement.closest('.sentence-text')) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + words.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            root.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
            return;
        }
        throw new Error('not drawn as one piece: ' + words);
    }""", words)


def test_a_correction_made_in_the_page_is_saved_and_exported(page, feedback_db: Path, tmp_path: Path) -> None:
    analysis = analyse(page, TEXT)
    page.click("#review-toggle")
    expect(page.locator("#review-panel")).to_be_visible()
    assert page.locator("#review-frames-list input[data-frame]").count() == 14
    assert page.locator("#review-technique option").count() == 23

    # Select words with the mouse's selection, pick a technique, add.
    select_words(page, "Officials met")
    expect(page.locator("#review-words")).to_have_value("Officials met")
    page.select_option("#review-technique", "Appeal_to_Authority")
    page.click("#review-add")
    added = page.locator('#document mark.hl[data-labels~="Appeal_to_Authority"]')
    assert added.all_text_contents() == ["Officials met"]

    # The keyboard alone: type the words, Enter adds them.
    page.select_option("#review-technique", "Exaggeration-Minimisation")
    page.fill("#review-words", "innocent civilians")
    page.press("#review-words", "Enter")
    assert "innocent civilians" in "".join(
        page.locator('#document mark.hl[data-labels~="Exaggeration-Minimisation"]').all_text_contents())

    # Relabel a highlight from the keyboard (focus, Enter, choose), then remove one with the mouse.
    mark = page.locator('#document mark.hl[data-labels~="Appeal_to_Authority"]').first
    mark.focus()
    mark.press("Enter")
    expect(page.locator("#span-editor")).to_be_visible()
    page.locator("#span-editor select").first.select_option("Flag_Waving")
    expect(page.locator("#span-editor")).to_be_hidden()
    assert page.locator('#document mark.hl[data-labels~="Flag_Waving"]').count() == 1
    model_words = [s for s in analysis["spans"] if s["unit"] == "words"]
    if model_words:
        removed = model_words[0]
        page.locator('#document mark.hl[data-labels~="{}"]'.format(removed["label"])).first.click()
        rows = page.locator("#span-editor li")
        # The mark may hold several spans (one per technique): remove the row of this one.
        matching = [rows.nth(i) for i in range(rows.count())
                    if rows.nth(i).locator(".quote").inner_text() == f"“{removed['text']}”"
                    and rows.nth(i).locator("select").input_value() == removed["label"]]
        assert matching, removed
        matching[0].locator("button.remove").click()

    # Frames: tick one the model did not assert.
    page.check('#review-frames-list input[data-frame="Crime_and_punishment"]')
    with page.expect_response(lambda r: r.url.endswith("/v1/annotations")) as info:
        page.click("#review-save")
    assert info.value.status == 201, info.value.text()
    expect(page.locator("#review-status")).to_contain_text("Saved as")
    expect(page.locator("#review-count")).to_contain_text("1 correction saved")
    expect(page.locator("#review-count")).to_contain_text("1 correction stored in the service's database")

    out = tmp_path / "corrections.jsonl"
    assert main(["annotations", "export", "--db", str(feedback_db), "-o", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 1
    record = records[0]
    assert record["text"] == TEXT
    spans = {(TEXT[s["start"]:s["end"]], s["label"]) for s in record["spans"]}
    assert ("Officials met", "Flag_Waving") in spans
    assert ("innocent civilians", "Exaggeration-Minimisation") in spans
    if model_words:
        assert (removed["text"], removed["label"]) not in spans
    assert "Crime_and_punishment" in record["frames"]
    assert record["meta"]["model_version"] == analysis["model"]["version"]


def test_a_refused_save_says_why_once(browser, base_url) -> None:
    """The API's text refusals repeat their detail as their one error: the page shows it once, and
    still lists errors the detail does not hold."""
    context, page, problems = open_page(browser, base_url, 1280, 900)
    analyse(page, TEXT)
    page.click("#review-toggle")
    body = {"detail": "text: text is empty", "code": "empty_text",
            "errors": [{"field": "text", "message": "text is empty"}, {"field": "frames", "message": "unknown frame"}]}
    page.route("**/v1/annotations", lambda route: route.fulfill(status=422, json=body))
    page.click("#review-save")
    expect(page.locator("#review-status")).to_have_text("Not saved — 422: text: text is empty (unknown frame)")
    context.close()
    assert [p for p in problems if "status of 422" not in p] == [], problems  # the refusal itself is logged


def test_a_text_not_in_english_is_flagged_on_the_page(page) -> None:
    analysis = analyse(page, GERMAN)
    assert [w["code"] for w in analysis["warnings"]] == ["not_english"]
    expect(page.locator('#warnings .warning[data-code="not_english"]')).to_contain_text("not English")


def test_every_claim_is_visible_and_sentence_marks_are_told_apart(page) -> None:
    analysis = analyse(page, LONG)
    for sentence in analysis["sentences"]:
        row = page.locator(f'#document .sentence[data-sentence="{sentence["index"]}"]')
        for technique in sentence["techniques"]:
            assert row.locator('mark.hl[data-labels~="{}"]'.format(technique["label"])).count() >= 1, (
                sentence["index"], technique["label"])
    whole = [s for s in analysis["spans"] if s["unit"] == "sentence"]
    if whole:
        assert page.locator("#document mark.hl.sentence-mark").count() >= 1


@pytest.mark.parametrize("width, height, name", [(1280, 900, "desktop"), (420, 900, "phone")])
def test_long_article_screenshots(browser, base_url, width: int, height: int, name: str) -> None:
    context, page, problems = open_page(browser, base_url, width, height)
    try:
        analysis = analyse(page, LONG)
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.locator("#results").evaluate("node => node.scrollIntoView()")
        page.screenshot(path=str(ARTEFACTS / f"long-article-{name}.png"), full_page=False)
        # Sentence frame chips: by default only the frames most sentences do not carry; all on request.
        chips = page.locator("#document .chip.frame").count()
        page.check("#all-sentence-frames")
        assert page.locator("#document .chip.frame").count() == sum(len(s["frames"]) for s in analysis["sentences"])
        assert chips <= page.locator("#document .chip.frame").count()
        page.uncheck("#all-sentence-frames")
        if width > 960:
            # The legend and the frames stay in view at the bottom of a long article.
            page.mouse.wheel(0, 20_000)
            page.wait_for_timeout(200)
            box = page.locator("#legend").bounding_box()
            assert box is not None and 0 <= box["y"] < height, box
            page.screenshot(path=str(ARTEFACTS / f"long-article-{name}-scrolled.png"))
        else:
            # No row is much taller than its text: no large gaps at phone width.
            # A row is its text and its chips, no blank lines: the text is at most the lines its
            # words need (line height 1.9 x 16 px), the row no more than text + chips + padding.
            heights = page.eval_on_selector_all(
                "#document .sentence", """rows => rows.map(r => {
                  const box = (q) => { const e = r.querySelector(q); return e ? e.getBoundingClientRect().height : 0; };
                  const range = document.createRange();
                  range.selectNodeContents(r.querySelector('.sentence-text'));
                  const rects = [...range.getClientRects()].filter(b => b.width > 0);
                  const lines = new Set(rects.map(b => Math.round(b.top))).size;
                  return [r.getBoundingClientRect().height, box('.sentence-text'), box('.sentence-labels'), lines];
                })""")
            for row, text, labels, lines in heights:
                assert text <= lines * 1.9 * 16 + 2, heights
                assert row <= text + labels + 24, heights
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.click("#review-toggle")
        page.screenshot(path=str(ARTEFACTS / f"review-{name}.png"))
    finally:
        context.close()
    assert problems == [], problems
    assert re.search(r"\S", LONG)
