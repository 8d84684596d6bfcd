"""``nesscan serve`` in a real browser: Debian's Chromium, headless, driven by Playwright,
against the server started as a user would (``python -m nesscan serve`` on 127.0.0.1).

Chromium comes from Debian (install.sh installs it; ``$NESSCAN_CHROMIUM`` names another
binary); Playwright's own browser download is never used. Without Chromium these tests
fail, they do not skip: CI must run them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from web_screen import FORMER_DEFAULT, PKIA, make_screen

pytestmark = pytest.mark.slow  # a served app in a real browser (~50 s in all)

BENCH = Path(__file__).resolve().parents[1] / "bench" / "web_load.py"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Screenshots of each page land here when set (for a person to look at).
SHOTS = os.environ.get("NESSCAN_SCREENSHOTS")


def _bench():
    spec = importlib.util.spec_from_file_location("web_load", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _chromium() -> str:
    path = os.environ.get("NESSCAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium not found: install Debian's chromium (install.sh does) or set NESSCAN_CHROMIUM")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    screen = make_screen(tmp_path_factory.mktemp("browser_screen"))
    bench = _bench()
    proc, url = bench.start_server(["--browse", str(screen), "--model", str(FORMER_DEFAULT)])
    yield url
    bench.stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"web_{name}.png"), full_page=True)


def test_server_answers_on_loopback(server):
    assert server.startswith("http://127.0.0.1:")


def test_known_nes_is_highlighted(server, page):
    page.goto(server)
    page.click("#example")  # fills the form with PKI-alpha
    assert PKIA[3] in page.input_value("#sequence")
    page.click("#submit")
    window = page.locator('svg .nes-window[data-start="30"][data-end="51"]')
    window.wait_for()
    assert window.count() == 1
    box = window.bounding_box()
    assert box["width"] > 50 and box["height"] > 50  # drawn, and big enough to see
    assert page.locator('svg .known-nes[data-start="36"][data-end="50"]').count() == 1
    assert page.locator("svg .anchor").count() == 4
    row = page.locator("table.candidates tr.candidate")
    assert row.count() == 1 and "SASGNSNELALKLAGLDINKTE" in row.inner_text() and "1a" in row.inner_text()
    assert "".join(page.locator("pre.sequence span.w").all_inner_texts()) == "SASGNSNELALKLAGLDINKTE"
    page.locator("svg.track-svg").hover(position={"x": 400, "y": 60})
    assert page.locator(".readout").first.inner_text().startswith("residue ")
    _shot(page, "predict")
    with page.expect_download() as download:
        page.click("button[value=candidates]")
    text = Path(download.value.path()).read_text()
    assert text.splitlines()[1].startswith("P61925,IPKA_HUMAN,PKIA,30,51,")


@pytest.mark.parametrize("text, message", [
    ("MKVLLB12", "the pasted sequence: invalid residue '1' at position 7 (allowed: ACDEFGHIKLMNPQRSTVWYXBZUO, "
                 "any case)"),
    ("   ", "empty input: paste a protein sequence or FASTA records"),
])
def test_bad_input_shows_the_message(server, page, text, message):
    page.goto(server)
    page.fill("#sequence", text)
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.click("#submit")
    assert response.value.status == 422
    error = page.locator("#error")
    assert error.inner_text() == message
    assert page.input_value("#sequence") == text  # kept, to be corrected
    assert page.locator("svg .nes-window").count() == 0
    if text.strip():
        _shot(page, "error")


def test_the_mutation_box_draws_the_mutant_and_the_scan(server, page):
    page.goto(server)
    page.click("#example")
    page.click("#submit")
    page.locator('svg .nes-window[data-start="30"]').wait_for()
    page.click("details.mutation summary")
    page.fill('details.mutation input[name="variant"]', "p.[L42A;L45A]")
    page.click('details.mutation button[value="variant"]')
    page.locator("svg .track-mutant").wait_for()
    assert page.locator("details.mutation[open] dl.effect").count() == 1
    assert "lost 30-51" in page.inner_text("dl.effect")  # two anchors of PKI-alpha's NES to alanine
    _shot(page, "mutation")
    page.click('details.mutation button[value="scan"]')
    page.locator("svg.importance-svg").wait_for()
    assert page.locator("svg .bar").count() == 22 - PKIA[3][29:51].count("A")
    assert page.locator("svg .bar.anchor").count() >= 4
    _shot(page, "alanine_scan")
    page.fill('details.mutation input[name="scan_range"]', "36-50")
    page.click('details.mutation button[value="saturation"]')
    page.locator("svg.saturation-svg").wait_for()
    assert page.locator("svg .cell").count() == 15 * 19
    _shot(page, "saturation_scan")


def test_browse_and_sort(server, page):
    page.goto(server + "browse")
    rows = page.locator("#candidates tbody tr")
    assert page.locator("#call-filter").input_value() == "called"  # opens on the calls
    calls = rows.count()
    page.select_option("#call-filter", "all")
    page.click("#apply")
    page.wait_for_url("**call=all**")
    n = rows.count()
    assert n >= 4 and n >= calls

    def column(name: str) -> list[str]:
        index = [h.get_attribute("data-column") for h in page.locator("#candidates thead a.sort").all()].index(name)
        return [r.locator("td").nth(index).inner_text() for r in rows.all()]

    scores = [float(s) for s in column("score")]
    assert scores == sorted(scores, reverse=True)
    before = column("accession")
    page.click('#candidates thead a.sort[data-column="accession"]')
    page.wait_for_url("**sort=accession**")
    after = column("accession")
    assert after == sorted(before, reverse=True) and after != before
    page.click('#candidates thead a.sort[data-column="accession"]')  # again: the other way
    page.wait_for_url("**order=asc**")
    assert column("accession") == sorted(before)
    page.select_option("select[name=status]", "known")
    page.click("#apply")
    page.wait_for_url("**status=known**")
    assert column("accession") == ["P61925"]
    page.select_option("select[name=status]", "")
    page.click("#apply")
    page.wait_for_url("**status=&**")
    _shot(page, "browse")
    page.click("a.protein-link >> text=P61925")
    page.wait_for_url("**/protein/P61925**")
    assert page.locator('svg .nes-window[data-start="30"]').count() == 1
    _shot(page, "protein")


def test_predicted_order_tracks_and_explanation(server, page):
    """Under the score track: the predicted pLDDT and disorder panels, drawn and labelled, on
    the score track's width; the candidate row explains the call in words."""
    page.goto(server)
    page.click("#example")
    page.click("#submit")
    order = page.locator("svg.order-svg")
    order.wait_for()
    score_box, order_box = page.locator("svg.track-svg").bounding_box(), order.bounding_box()
    assert order_box["y"] >= score_box["y"] + score_box["height"] - 1  # under the score track
    assert abs(order_box["width"] - score_box["width"]) < 1 and order_box["height"] > 100
    for name in ("plddt", "disorder"):
        line = page.locator(f"svg.order-svg polyline.{name}")
        assert line.count() == 1 and len(line.get_attribute("points").split()) == len(PKIA[3])
        assert line.bounding_box()["height"] > 5  # a curve, not a flat line off the plot
    labels = page.locator("svg.order-svg text.panel-label").all_text_contents()
    assert labels[0].startswith("predicted pLDDT") and labels[1].startswith("predicted disorder")
    caption = page.locator("figure.order figcaption").inner_text()
    assert "predicted pLDDT" in caption and "predicted disorder" in caption
    explanation = page.locator("table.candidates tr.candidate td.explain").inner_text()
    assert explanation.startswith("class 1a match L38-L42-L45-I47 (anchors 38, 42, 45, 47)")
    assert "pLDDT" in explanation
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.locator("article.protein").first.screenshot(path=str(Path(SHOTS) / "web_predict_order.png"))


def test_cargo_probability_is_shown(page):
    """With the shipped default (it has a protein model), the predict page shows each
    protein's cargo probability."""
    bench = _bench()
    proc, url = bench.start_server([])
    try:
        page.goto(url)
        page.click("#example")
        page.click("#submit")
        value = page.locator("p.protein-level strong.cargo-probability").first
        value.wait_for()
        assert value.is_visible() and 0 <= float(value.inner_text()) <= 1
        _shot(page, "predict_protein_level")
    finally:
        bench.stop_server(proc)
