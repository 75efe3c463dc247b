"""A page's markup tidied before trafilatura reads it: what it leaves in that is not the story.

``benchmarks/html_inputs.py`` found three things on pages laid out as real sites lay them out:

* A consent dialog's heading taken as the page's title ("Vos choix en matière de cookies"):
  trafilatura reads the title before it prunes anything. Consent layers (``onetrust``,
  ``didomi``, ``cookie``/``consent`` ids and classes, ``<amp-consent>``) are dropped first.
* Inline "read also" links kept as paragraphs ("ALSO READ: Council promises K20 million
  upgrade...", "Lire aussi | Au Sénégal, le report..."). Such a headline is another story's,
  and the model would code its event as this one's. A block whose text is only links, after at
  most a short label ending in ``:`` or ``|``, is dropped.
* Paragraphs made with ``<br><br>`` run together into one (old table layouts): such runs are
  made ``<p>`` paragraphs, so the links rule can see them and sentences stay apart.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

#: Ids and classes of consent layers (cookie banners) by the usual platforms and themes.
_CONSENT = re.compile(
    r"(?:^|[\s_-])(?:cookies?|consent|didomi|onetrust|gdpr|cmp|cookie-law|sp_message)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
#: A consent layer's text is a few hundred characters; a block with more is not one.
_CONSENT_CHARS = 2_000
#: What is never dropped as a consent layer, whatever its class says.
_KEEP = frozenset({"html", "body", "main", "article"})
_BLOCKS = ("p", "div", "section", "aside", "li", "td", "span", "font", "center", "blockquote")
# A label before a link: "ALSO READ:", "Lire aussi |", "Related:" (four words at most).
_LABEL = re.compile(r"^(?:\S+\s+){0,3}\S+\s*[:|]$")


def tidy(tree: Any) -> Any:
    """``tree`` (an lxml HTML tree, changed in place) without consent layers and inline link
    promos, its ``<br><br>`` runs made paragraphs."""
    for element in list(tree.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if element.tag == "amp-consent" or (
            element.tag not in _KEEP
            and _CONSENT.search(f"{element.get('id', '')} {element.get('class', '')}")
            and _small(element)
        ):
            element.drop_tree()
    for element in list(tree.iter(*_BLOCKS)):
        if _has_paragraph_breaks(element):
            _split_at_breaks(element)
    for element in list(tree.iter(*_BLOCKS)):
        if element.getparent() is not None and _only_links(element):
            element.drop_tree()
    return tree


def _small(element: Any) -> bool:
    """Whether a layer that looks like a consent one is small enough to be one: a page
    wrapper with a class like ``has-cookie-banner`` holds the story, and stays."""
    if next(element.iter("article", "main"), None) is not None:
        return False
    return len(element.text_content()) < _CONSENT_CHARS


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _only_links(element: Any) -> bool:
    """Whether the block's text is the text of its links, after at most a short label."""
    links = [_words(a.text_content()) for a in element.iter("a")]
    if not any(links):
        return False
    text = _words(element.text_content())
    for link in filter(None, links):
        text = text.replace(link, " ", 1)
    rest = _words(text)
    return not rest or _LABEL.match(rest) is not None


def _has_paragraph_breaks(element: Any) -> bool:
    children = list(element)
    return any(
        a.tag == "br" and b.tag == "br" and not _words(a.tail) for a, b in pairwise(children)
    )


def _split_at_breaks(element: Any) -> None:
    """Make each run between two ``<br>`` in a row a ``<p>`` of ``element``."""
    runs: list[list[Any]] = [[element.text or ""]]
    last_br = False
    for child in list(element):
        tail, child.tail = child.tail, None
        element.remove(child)
        if child.tag == "br":
            if last_br:
                runs.append([])
            else:
                runs[-1].append(" ")  # a single <br> is a line break, not a paragraph
            last_br = True
        else:
            runs[-1].append(child)
            last_br = False
        if _words(tail):
            runs[-1].append(tail)
            last_br = False
    element.text = None
    for run in runs:
        if not any(not isinstance(x, str) or x.strip() for x in run):
            continue
        p = element.makeelement("p", {})
        current: Any = None
        for item in run:
            if isinstance(item, str):
                if current is None:
                    p.text = (p.text or "") + item
                else:
                    current.tail = (current.tail or "") + item
            else:
                p.append(item)
                current = item
        element.append(p)
