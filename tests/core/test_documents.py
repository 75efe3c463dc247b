from __future__ import annotations

from pathlib import Path

import pytest

from llm_extract import Document, InputError
from llm_extract.core.document import split_sentences
from tests.conftest import seed_text


def test_sentences_keep_exact_offsets() -> None:
    text = seed_text()
    sentences = split_sentences(text)
    assert len(sentences) > 20
    for s in sentences:
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
    assert sentences[0].text.startswith("Syrian regime forces took full control")
    assert sentences[0].text.endswith("a war monitor said.")


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Gen. Haftar spoke. Troops moved.", 2),
        ("U.S. forces left. Then rebels came.", 2),
        ('He said "stop." Police fired.', 2),
        ("No end punctuation here", 1),
        ("Line one\nLine two\n\nLine three.", 3),
        ("Casualties rose to 3.5 thousand. Aid arrived.", 2),
    ],
)
def test_sentence_splitting(text: str, count: int) -> None:
    assert len(split_sentences(text)) == count


def test_numbered_view() -> None:
    doc = Document.from_text("One happened. Two happened.")
    assert doc.numbered() == "[S1] One happened.\n[S2] Two happened."
    assert doc.sentence(2) is not None and doc.sentence(3) is None and doc.sentence(0) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"   \n\t ", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("Caf\u00e9 bombing".encode("latin-1"), "not valid UTF-8"),
    ],
)
def test_bad_files_get_clear_errors(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as info:
        Document.from_path(path)
    assert info.value.fix  # every input error names a fix
    assert info.value.exit_code == 2


def test_oversized_text_is_refused_with_the_limit_named(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Rebels attacked. " * 10_000)
    with pytest.raises(InputError, match="--max-chars"):
        Document.from_path(path, max_chars=50_000)
    assert len(Document.from_path(path, max_chars=200_000).sentences) == 10_000


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No such file"):
        Document.from_path(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        Document.from_path(tmp_path)


def test_bom_is_stripped_and_id_is_content_hash() -> None:
    a = Document.from_text("\ufeffRebels attacked.")
    b = Document.from_text("Rebels attacked.")
    assert a.text == b.text and a.id == b.id and a.id.startswith("sha256:")


@pytest.mark.parametrize(
    ("start", "html"),
    [
        (b"<!DOCTYPE html>\n<html>", True),
        (b"\xef\xbb\xbf  <html lang='en'>", True),
        (b"<?xml version='1.0'?>\n<!-- saved --><HTML>", True),
        (b"<body><p>x</p>", True),
        (b"<b>Rebels</b> attacked a town.", False),
        (b"Rebels attacked. <html> is a tag.", False),
        (b"# Notes\n\n<!DOCTYPE html>", False),
    ],
)
def test_html_is_sniffed_from_the_start_only(start: bytes, html: bool) -> None:
    from llm_extract.core.document import looks_like_html

    assert looks_like_html(start) is html
    assert looks_like_html(start.decode("utf-8")) is html
