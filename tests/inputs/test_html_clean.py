"""A page's markup tidied before trafilatura: no consent layer as the title, no other story's
headline from an inline "read also" link, ``<br><br>`` paragraphs kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_extract.inputs.html import page_from_html

BODY = [
    "Police fired tear gas at hundreds of protesters in central Dakar on Friday, witnesses said.",
    "Young men threw stones and burned tyres on the main boulevard, and several shops closed.",
    "At least twenty people were detained, a police source said, and one man was injured.",
]
OTHER_STORY = "Two policemen killed in Bannu checkpost attack on the main road"


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def paragraphs(body: str) -> list[str]:
    return page_from_html(page(body), id="p", source="p.html").document.text.split("\n\n")


def test_a_consent_dialogs_heading_is_not_the_title() -> None:
    consent = (
        '<div id="didomi-popup" class="didomi-popup-container"><h1>Vos choix en matière de '
        "cookies</h1><p>Nous utilisons des cookies pour mesurer l’audience du site et vous "
        "proposer des publicités personnalisées.</p><button>Accepter</button></div>"
    )
    article = "<article><h1>Police disperse protest in Dakar</h1>" + "".join(
        f"<p>{p}</p>" for p in BODY
    )
    read = page_from_html(page(consent + article + "</article>"), id="p", source="p.html")
    assert read.title == "Police disperse protest in Dakar"
    assert "cookies" not in read.document.text


@pytest.mark.parametrize(
    "promo",
    [
        f'<p><strong>ALSO READ:</strong> <a href="/x">{OTHER_STORY}</a></p>',
        f'<section class="catcher"><p>Lire aussi |</p> <a href="/x">{OTHER_STORY}</a></section>',
        f'<p><a href="/x">{OTHER_STORY}</a></p>',
    ],
)
def test_an_inline_read_also_link_is_not_a_paragraph(promo: str) -> None:
    body = f"<article><p>{BODY[0]}</p>{promo}<p>{BODY[1]}</p><p>{BODY[2]}</p></article>"
    assert paragraphs(body) == BODY


def test_a_link_inside_prose_stays() -> None:
    linked = 'Police fired tear gas at protesters, <a href="/w">witnesses</a> said on Friday.'
    body = f"<article><p>{linked}</p><p>{BODY[1]}</p><p>{BODY[2]}</p></article>"
    assert paragraphs(body)[0] == "Police fired tear gas at protesters, witnesses said on Friday."


def test_br_br_runs_are_paragraphs_and_their_promo_goes() -> None:
    story = (
        f'<div class="storytext">{BODY[0]}<br><br><b>Also Read:</b> '
        f'<a href="/x">{OTHER_STORY}</a><br><br>{BODY[1]}<br>{BODY[2]}</div>'
    )
    assert paragraphs(story) == [BODY[0], f"{BODY[1]} {BODY[2]}"]


def test_a_page_wrapper_whose_class_names_a_cookie_banner_stays() -> None:
    body = '<div id="page" class="site has-cookie-banner"><article>' + "".join(
        f"<p>{p}</p>" for p in BODY
    )
    assert paragraphs(body + "</article></div>") == BODY


def test_the_saved_benchmark_pages_are_read_without_their_promos() -> None:
    root = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "html"
    blog = page_from_html((root / "regional_blog.html").read_bytes(), id="b", source="b")
    assert "Council promises" not in blog.document.text
    assert blog.document.text.startswith("Hundreds of traders at Ndola’s Masala market")
