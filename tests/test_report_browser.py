"""`framing report`'s page in headless Chromium, opened from a file:// URL with no server and no network.

Every chart renders (each Plotly div gets its SVG), the console stays clean, nothing is fetched, and
markup in the data stays text. A screenshot of the report on the sample corpus, scored by the shipped
model, goes to $FRAMING_TEST_ARTEFACTS (default reports/screenshots/) for the README.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import ARTEFACTS, CHROMIUM

from framing.service.cli import main as framing

pytestmark = pytest.mark.browser

pytest.importorskip("duckdb", reason="the report extra is not installed (pip install -e '.[report]')")
pytest.importorskip("plotly", reason="the report extra is not installed (pip install -e '.[report]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from test_report import INJECTION, ODD_SOURCE, write_jsonl  # noqa: E402

# Invented outlets and dates for the sample corpus's articles (the data carry none).
SOURCES = ("Harbour Gazette", "Valley Courier", "Northern Herald")


def open_report(browser, path: Path, problems: list[str], width: int = 1280, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("request", lambda request: None if request.url.startswith(("file://", "data:", "blob:"))
            else problems.append(f"outside request: {request.url}"))
    page.goto(path.resolve().as_uri())
    return context, page


def assert_charts_rendered(page) -> list[str]:
    charts = page.locator("div.plotly-graph-div")
    names = [charts.nth(i).get_attribute("id") for i in range(charts.count())]
    assert names, "no chart on the page"
    for name in names:
        page.wait_for_selector(f"#{name} svg.main-svg")
        assert page.locator(f"#{name} .plot-container").count() == 1, name
    return names


def test_sample_corpus_report_renders_offline_with_a_screenshot(browser, analyzer, sample_corpus, tmp_path):
    articles = sorted((sample_corpus / "train-articles-subtask-3").glob("article*.txt"))
    analyses = analyzer.analyze_many([p.read_text(encoding="utf-8") for p in articles], [p.stem for p in articles])
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(
        json.dumps({**a.model_dump(mode="json"),
                    "metadata": {"source": SOURCES[i % len(SOURCES)], "date": f"2025-0{1 + i % 3}-{10 + i:02d}"}})
        + "\n" for i, a in enumerate(analyses)), encoding="utf-8")
    out = tmp_path / "report.html"
    assert framing(["report", str(scored), "-o", str(out), "--by", "source"]) == 0
    problems: list[str] = []
    context, page = open_report(browser, out, problems)
    try:
        names = assert_charts_rendered(page)
        assert set(names) == {"chart-techniques", "chart-frames", "chart-technique_groups", "chart-frame_groups",
                              "chart-timeline", "chart-cooccurrence"}
        # Interactive: hovering a bar shows Plotly's hover label.
        bar = page.locator("#chart-techniques .bars path").first
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("#chart-techniques .hoverlayer .hovertext")
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.mouse.move(0, 0)
        page.screenshot(path=str(ARTEFACTS / "corpus-report.png"))
        page.locator("#groups").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTEFACTS / "corpus-report-groups.png"))
    finally:
        context.close()
    assert problems == [], problems


def test_markup_in_the_data_stays_text_in_the_browser(browser, tmp_path):
    out = tmp_path / "report.html"
    assert framing(["report", str(write_jsonl(tmp_path / "a.jsonl")), "-o", str(out), "--by", "source"]) == 0
    problems: list[str] = []
    context, page = open_report(browser, out, problems)
    try:
        assert_charts_rendered(page)
        assert page.locator("script[src], link, img, iframe").count() == 0  # nothing loaded from elsewhere
        # The source <b>B&amp;</b> is bold nowhere: not in the tables, not in Plotly's SVG text.
        assert page.locator("table b, p.example b, svg tspan[style*='bold']").count() == 0
        assert INJECTION in page.locator("#phrases").inner_text()
        assert ODD_SOURCE in page.locator("#articles").inner_text()
        # Plotly shows the source as written on the heatmap's axis, not as markup.
        ticks = page.locator("#chart-technique_groups .ytick text").all_text_contents()
        assert f"{ODD_SOURCE} (1)" in ticks, ticks
    finally:
        context.close()
    assert problems == [], problems
