"""Tests of retold.ingest: decoding, file/stdin reading, HTML extraction and URL fetching.

URL tests run against a real HTTP server on 127.0.0.1; nothing is mocked.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from retold.errors import (
    BinaryInputError,
    DecodeError,
    EmptyInputError,
    ExtractionError,
    FetchError,
    InputError,
    InputTooLargeError,
    RetoldError,
    UnsafeURLError,
    UsageError,
)
from retold.ingest import (
    DEFAULT_MAX_BYTES,
    load,
    read_bytes,
    read_path,
    read_text,
    read_url,
)
from retold.ingest.decode import decode, repair_mojibake, sniff_binary
from retold.ingest.fetch import USER_AGENT, _why_not_public
from retold.ingest.html import _fallback, extract, find_dateline, looks_like_html
from retold.types import Document

ARTICLE_TEXT = (
    "MADRID (Reuters) - Spain's parliament approved a law on Thursday that cuts the working "
    "week to 37.5 hours from 40 without a cut in pay.\n"
    "The measure, backed by 178 lawmakers, affects about 12 million private-sector workers, "
    "the labour ministry said.\n"
    "“This is a historic day for working people,” Labour Minister Yolanda Díaz told reporters.\n"
)

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Venezuelan town digs out after floods sweep homes away | Daily Courier</title>
<meta property="og:title" content="Venezuelan town digs out after floods sweep homes away">
<meta name="author" content="Regina Garcia Cano">
<meta property="article:published_time" content="2024-06-18T14:05:00Z">
<link rel="canonical" href="https://news.example.com/world/venezuela-floods-guatire">
</head>
<body>
<header class="site-header">
  <a href="/">Daily Courier</a>
  <nav class="main-nav"><ul>
    <li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li>
    <li><a href="/business">Business</a></li><li><a href="/sports">Sports</a></li>
  </ul></nav>
</header>
<main>
<article>
  <h1>Venezuelan town digs out after floods sweep homes away</h1>
  <div class="byline">By <span class="author">Regina Garcia Cano</span>
    · <time datetime="2024-06-18">June 18, 2024</time></div>
  <p>GUATIRE, Venezuela (AP) — Residents of this hillside town east of Caracas spent Tuesday
  shoveling mud out of their homes after a river burst its banks overnight, sweeping away
  cars and at least a dozen houses.</p>
  <p>Civil protection officials said 4 people were confirmed dead and 17 were missing.
  Rescue teams with dogs searched the rubble along the Guatire river into the afternoon.</p>
  <p>“We heard a roar like a train and then the water was in the kitchen,” said Marisol
  Pérez, 54, who lost her house. “We got out through the window with nothing.”</p>
  <p>Interior Minister Diosdado Cabello said the government would send 300 soldiers and
  heavy machinery to clear the roads, which remained blocked by fallen trees and boulders.</p>
  <p>Meteorologists had warned of heavy rain across northern Venezuela this week as a
  tropical wave moved through the Caribbean. More storms are forecast for the weekend.</p>
</article>
<aside class="related">
  <h2>Related stories</h2>
  <ul>
    <li><a href="/a">Colombia landslide kills 9 in mountain village</a></li>
    <li><a href="/b">Caribbean braces for an active hurricane season</a></li>
  </ul>
</aside>
</main>
<footer class="site-footer">
  <p>© 2024 Daily Courier. All rights reserved.</p>
  <ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li></ul>
</footer>
</body>
</html>
"""

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00>\x00"


def _docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


# --- decoding ----------------------------------------------------------------------------


def test_plain_utf8_is_read_as_is() -> None:
    doc = read_bytes(ARTICLE_TEXT.encode("utf-8"), name="story.txt")
    assert doc.text == ARTICLE_TEXT
    assert doc.encoding == "utf-8"
    assert doc.source == "text"
    assert doc.dateline == "MADRID (Reuters)"


def test_newlines_and_whitespace_are_not_normalised() -> None:
    text = "  First line.\r\nSecond line.  \r\n\r\n\tThird.\n"
    assert read_bytes(text.encode("utf-8")).text == text


@pytest.mark.parametrize(
    ("bom", "codec", "expected_encoding"),
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    ],
)
def test_byte_order_marks_are_honoured_and_dropped(
    bom: bytes, codec: str, expected_encoding: str
) -> None:
    text, encoding = decode(bom + ARTICLE_TEXT.encode(codec), name="x")
    assert text == ARTICLE_TEXT  # no U+FEFF left at the start
    assert encoding == expected_encoding


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_bom_are_detected(codec: str) -> None:
    text, encoding = decode(ARTICLE_TEXT.encode(codec), name="x")
    assert text == ARTICLE_TEXT
    assert encoding == codec


def test_utf16_without_bom_for_mostly_non_latin_text() -> None:
    text = "北京 (Reuters) - 中国国家统计局周一公布，今年第一季度国内生产总值同比增长5.3%。\n" * 3
    assert decode(text.encode("utf-16-le"), name="x") == (text, "utf-16-le")


def test_nul_bytes_on_one_side_that_decode_to_controls_are_still_binary() -> None:
    data = b"".join(bytes([i, 0]) for i in range(1, 256)) * 4
    with pytest.raises(BinaryInputError, match="NUL bytes"):
        decode(data, name="x")


def test_cp1252_smart_quotes_and_dashes() -> None:
    text = "“Quoted,” she said — it cost €5 … not £4."
    doc = read_bytes(text.encode("cp1252"))
    assert doc.text == text
    assert doc.encoding == "cp1252"


def test_invalid_utf8_falls_back_instead_of_failing() -> None:
    # valid UTF-8 for "é", then a lone continuation-less lead byte
    data = "Café ".encode() + b"and caf\xe9 again"
    doc = read_bytes(data)
    assert doc.encoding == "cp1252"
    # read as cp1252, the UTF-8 "é" became mojibake, which is then repaired
    assert doc.text == "Café and café again"
    assert doc.repaired is not None


def test_latin1_is_the_last_resort() -> None:
    # 0x81 is undefined in cp1252, so only latin-1 maps it
    data = b"Jos\xe9 Mart\xednez said \x81 the vote was close."
    text, encoding = decode(data, name="x")
    assert encoding == "latin-1"
    assert text == data.decode("latin-1")


def test_meta_charset_is_used_for_html_that_is_not_utf8() -> None:
    html = (
        '<html><head><meta charset="koi8-r"><title>Новости</title></head>'
        "<body><p>МОСКВА - Депутаты приняли закон во вторник.</p></body></html>"
    )
    text, encoding = decode(html.encode("koi8-r"), name="x")
    assert text == html
    assert encoding == "koi8-r"


def test_xml_declaration_encoding_is_used() -> None:
    xhtml = (
        '<?xml version="1.0" encoding="iso-8859-2"?>\n'
        "<html><body><p>Łódź, Polska - Radni głosowali w środę.</p></body></html>"
    )
    text, encoding = decode(xhtml.encode("iso-8859-2"), name="x")
    assert text == xhtml
    assert encoding == "iso8859-2"


def test_declared_charset_from_outside_is_used_after_utf8() -> None:
    text = "Депутаты приняли закон во вторник."
    decoded, encoding = decode(text.encode("cp1251"), name="x", declared="windows-1251")
    assert (decoded, encoding) == (text, "cp1251")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (PNG_BYTES, "a PNG image"),
        (PDF_BYTES, "a PDF file"),
        (JPEG_BYTES, "a JPEG image"),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "a GIF image"),
        (gzip.compress(ARTICLE_TEXT.encode()), "a gzip-compressed file"),
        (_docx_bytes(), "a Word document (.docx)"),
        (ELF_BYTES, "an ELF executable"),
    ],
)
def test_binary_formats_are_named(data: bytes, what: str) -> None:
    with pytest.raises(BinaryInputError) as err:
        read_bytes(data, name="upload.bin")
    assert str(err.value).startswith(f"upload.bin: looks like {what}; retold reads text or HTML")
    assert "\n" not in str(err.value)


def test_pdf_message_says_how_to_get_text(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(PDF_BYTES)
    with pytest.raises(BinaryInputError, match=r"report\.pdf: looks like a PDF file.*pdftotext"):
        read_path(path)


def test_nul_bytes_that_are_not_utf16_mean_binary() -> None:
    data = bytes(range(256)) * 8
    with pytest.raises(BinaryInputError, match="NUL bytes"):
        read_bytes(data)


def test_many_control_characters_mean_binary() -> None:
    data = b"text \x01\x02\x03\x04\x05\x06\x07\x08 more \x0e\x0f\x10\x11\x12" * 50
    with pytest.raises(BinaryInputError, match="control characters"):
        read_bytes(data)


def test_control_characters_counted_are_category_cc_less_the_text_ones() -> None:
    import unicodedata

    from retold.ingest.decode import _TEXT_CONTROLS, _control_share

    every = "".join(chr(c) for c in range(0x30000) if not 0xD800 <= c < 0xE000)
    bad = [ch for ch in every if unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS]
    assert len(bad) == 58
    assert _control_share(every[:65536]) * 65536 == pytest.approx(len(bad))
    assert _control_share("".join(bad)) == 1.0


def test_a_few_control_characters_are_tolerated() -> None:
    text = ARTICLE_TEXT + "\x0c\x1b[0m" + ARTICLE_TEXT
    assert read_bytes(text.encode()).text == text


def test_text_starting_like_a_magic_number_is_not_binary() -> None:
    assert sniff_binary(b"BZh no, this is a sentence.") is None
    assert sniff_binary(b"MZ Bank said on Monday it would cut 300 jobs.") is None
    assert read_bytes(b"PK said the vote would go ahead.").text.startswith("PK said")


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n\t\r\n  ", codecs.BOM_UTF8, codecs.BOM_UTF16_LE + "  \n ".encode("utf-16-le")],
)
def test_empty_and_whitespace_only_are_refused(data: bytes) -> None:
    with pytest.raises(EmptyInputError, match="<bytes>: "):
        read_bytes(data)


@pytest.mark.parametrize("data", [b"!!! ... ???", "\u2014 \u00bb \u2022".encode(), b"*\n-\n_"])
def test_text_without_a_letter_or_digit_is_refused(data: bytes) -> None:
    with pytest.raises(EmptyInputError, match="<bytes>: has no words"):
        read_bytes(data)
    with pytest.raises(EmptyInputError, match="has no words"):
        read_text(data.decode())


def test_a_digit_or_a_letter_in_any_script_is_a_word() -> None:
    for text in ("12 - 3", "\u0416!", "\u4e2d\u3002", "\u0627\u0644"):
        assert read_text(text).text == text


def test_control_characters_in_a_string_mean_binary() -> None:
    with pytest.raises(BinaryInputError, match="looks like binary data"):
        read_text("\x00\x01\x02\x03 abc")


def test_html_whose_text_has_no_words(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError, match="has no words"):
        read_text("<html><body><p>!!! ... ???</p><p>* * *</p></body></html>", kind="html")


def test_bom_with_invalid_body_is_a_decode_error() -> None:
    data = codecs.BOM_UTF16_LE + "Hello".encode("utf-16-le") + b"\x00"  # odd length
    with pytest.raises(DecodeError, match=r"UTF-16.*re-save it as UTF-8"):
        decode(data, name="x")


_TEXT = st.text(
    st.characters(
        exclude_categories=("Cs", "Cc"),
        include_characters="\n\r\t",
        exclude_characters="<\ufeff",
    ),
    min_size=1,
    max_size=300,
).filter(lambda s: any(c.isalnum() for c in s))  # no words is refused (below)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT, codec=st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_round_trip_for_unicode_encodings(text: str, codec: str) -> None:
    data = text.encode(codec)
    assume(sniff_binary(data) is None)  # e.g. a text that happens to start with "%PDF-"
    doc = read_bytes(data)
    # decoded exactly; a text that reads as mojibake ("Â " for a no-break
    # space) is then repaired, and only then
    assert doc.text == repair_mojibake(text)[0]
    assert (doc.repaired is None) == (doc.text == text)
    assert doc.source == "text"


# --- sizes, files, stdin -----------------------------------------------------------------


def test_size_cap_on_bytes() -> None:
    assert read_bytes(b"x" * 1000, max_bytes=1000).text == "x" * 1000
    with pytest.raises(InputTooLargeError, match=r"1,001 bytes.*1,000 bytes.*--max-bytes"):
        read_bytes(b"x" * 1001, max_bytes=1000)


def test_fifty_megabyte_file_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: instant to write, 50 MB to read
    start = time.monotonic()
    with pytest.raises(InputTooLargeError) as err:
        read_path(path)
    assert time.monotonic() - start < 1.0
    message = str(err.value)
    assert "huge.txt is 50.0 MB (52,428,800 bytes)" in message
    assert "10.0 MB" in message
    assert "--max-bytes" in message
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024


def test_endless_stream_is_not_read_to_the_end() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("needs /dev/zero")
    # a character device has no size, so only reading max_bytes + 1 stops this
    with pytest.raises(InputTooLargeError, match="/dev/zero is over"):
        read_path("/dev/zero", max_bytes=4096)


def test_read_path_text_and_html(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_bytes(ARTICLE_TEXT.encode("cp1252", "replace"))
    doc = read_path(txt)
    assert doc.source == "text"
    assert doc.encoding == "cp1252"

    page = tmp_path / "page.htm"
    page.write_text(NEWS_PAGE, encoding="utf-8")
    doc = read_path(str(page))
    assert doc.source == "html"
    assert doc.title == "Venezuelan town digs out after floods sweep homes away"

    # HTML saved with a .txt name is still sniffed as HTML; kind="text" keeps the markup
    disguised = tmp_path / "page.txt"
    disguised.write_text(NEWS_PAGE, encoding="utf-8")
    assert read_path(disguised).source == "html"
    assert read_path(disguised, kind="text").text == NEWS_PAGE


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        read_path(tmp_path / "nope.txt")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_path(tmp_path)


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read a file whatever its permissions")
    path = tmp_path / "secret.txt"
    path.write_text("text")
    path.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        read_path(path)


def test_socket_file_cannot_be_opened(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    if len(str(path)) > 100:
        pytest.skip("path too long for a UNIX socket")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        with pytest.raises(InputError, match=r"s\.sock: cannot read it"):
            read_path(path)
    finally:
        sock.close()


def _run_stdin(data: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    code = (
        "import sys\nfrom retold.ingest import load\nfrom retold.errors import RetoldError\n"
        "try:\n    d = load('-', max_bytes=int(sys.argv[1]))\n"
        "except RetoldError as e:\n    print(type(e).__name__, e)\n"
        "else:\n    print(d.source, d.encoding, d.dateline, d.text[:20], sep='|')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], input=data, capture_output=True, check=True
    )


def test_stdin() -> None:
    out = _run_stdin(ARTICLE_TEXT.encode("utf-16"), "100000").stdout.decode()
    assert out.strip() == "stdin|utf-16-le|MADRID (Reuters)|MADRID (Reuters) - S"
    out = _run_stdin(b"y" * 5000, "1000").stdout.decode()
    assert out.startswith("InputTooLargeError <stdin> is over the 1,000 bytes limit;")


# --- read_text, load, kind ---------------------------------------------------------------


def test_read_text_sniffs_html() -> None:
    assert read_text(NEWS_PAGE).source == "html"
    assert read_text("<p>The minister said the plan would cost 5 billion.</p>").source == "html"
    plain = read_text(ARTICLE_TEXT)
    assert (plain.source, plain.text, plain.encoding) == ("text", ARTICLE_TEXT, None)
    # angle brackets in prose are not markup
    assert read_text("Shares rose <5% as 3 < 4 and x > y.").source == "text"
    with pytest.raises(EmptyInputError):
        read_text(" \n ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE html><html><body>x</body></html>", True),
        ("\n  <html lang='en'>", True),
        ("<?xml version='1.0'?>\n<!-- saved -->\n<!doctype html>", True),
        ("Some preamble\n<div class='story'><p>text</p></div>", True),
        ("<article>Body</article>", True),
        ("Shares rose <5% on Monday.", False),
        ("Use <pre> for code", False),
        ("Plain text article about <people> and things.", False),
    ],
)
def test_looks_like_html(text: str, expected: bool) -> None:
    assert looks_like_html(text) is expected


def test_bad_kind_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="kind must be"):
        read_bytes(b"text", kind="markdown")  # type: ignore[arg-type]


def test_load_dispatches_paths(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(ARTICLE_TEXT, encoding="utf-8")
    assert load(str(path)).text == ARTICLE_TEXT


def test_load_missing_path_hints_at_urls() -> None:
    with pytest.raises(InputError) as err:
        load("example.com/news/2024/floods")
    assert str(err.value) == (
        "example.com/news/2024/floods: no such file; if it is a web address, "
        "add the scheme: https://example.com/news/2024/floods"
    )
    with pytest.raises(InputError) as err:
        load("www.example.org")
    assert "https://www.example.org" in str(err.value)
    with pytest.raises(InputError) as err:
        load("missing-story.html")
    assert str(err.value) == "missing-story.html: no such file; check the path"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/story.txt"])
def test_non_http_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="only http:// and https://"):
        load(url)
    with pytest.raises(UnsafeURLError):
        read_url(url)


# --- HTML extraction ---------------------------------------------------------------------


def test_news_page_extraction() -> None:
    doc = extract(NEWS_PAGE, url="https://news.example.com/world/venezuela-floods-guatire")
    assert doc.source == "html"
    assert doc.title == "Venezuelan town digs out after floods sweep homes away"
    assert doc.byline == "Regina Garcia Cano"
    assert doc.date == "2024-06-18"
    assert doc.dateline == "GUATIRE, Venezuela (AP)"
    assert doc.url == "https://news.example.com/world/venezuela-floods-guatire"
    # the body starts at the dateline, which stays in the text
    assert doc.text.startswith("GUATIRE, Venezuela (AP) — Residents of this hillside town")
    paragraphs = doc.text.split("\n")
    assert len(paragraphs) == 5
    assert paragraphs[2].startswith("“We heard a roar like a train")
    assert paragraphs[-1].endswith("More storms are forecast for the weekend.")
    for boilerplate in ("Politics", "Related stories", "landslide", "Privacy", "All rights"):
        assert boilerplate not in doc.text


def test_a_short_pages_blocks_stay_lines() -> None:
    """Under about 250 characters trafilatura joins a page's blocks with
    spaces; the headline and byline must not run into the first sentence."""
    page = (
        "<html><head><title>Dam gives way</title></head><body><nav><a href='/'>Home</a></nav>"
        "<article><h1>Dam gives way</h1><p class='byline'>By Marta Okafor</p>"
        "<p>LAGOS (AP) — A dam gave way on Sunday, flooding two villages.</p>"
        "<p>“We lost everything,” said Ade Bello, a farmer.</p></article>"
        "<footer><p>© 2026 The Ledger</p></footer></body></html>"
    )
    doc = extract(page)
    assert doc.text.split("\n") == [
        "By Marta Okafor",
        "LAGOS (AP) — A dam gave way on Sunday, flooding two villages.",
        "“We lost everything,” said Ade Bello, a farmer.",
    ]
    assert doc.title == "Dam gives way" and doc.byline == "Marta Okafor"
    assert doc.dateline == "LAGOS (AP)"


def test_html_bytes_get_encoding_and_metadata() -> None:
    doc = read_bytes(NEWS_PAGE.encode("utf-8"), name="page")
    assert (doc.source, doc.encoding, doc.byline) == ("html", "utf-8", "Regina Garcia Cano")
    # the canonical link is used when the caller gives no URL
    assert doc.url == "https://news.example.com/world/venezuela-floods-guatire"


# --- mojibake: UTF-8 once read with another codec -----------------------------

_CLEAN = (
    "São Paulo’s mayor, José Martínez, said the “reopening” of Größe Straße "
    "would start on Monday; the Åland ferry and Île-de-France trains run as usual."
)


def _mojibake(text: str) -> str:
    """``text``'s UTF-8 bytes read as Windows-1252, as a careless scraper does
    (the five bytes Windows-1252 leaves undefined read as Latin-1)."""
    return "".join(
        chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
        for b in text.encode("utf-8")
    )


def test_mojibake_text_is_repaired_and_the_repair_noted() -> None:
    damaged = _mojibake(_CLEAN)
    assert "SÃ£o" in damaged and "â€œ" in damaged
    doc = read_text(damaged)
    assert doc.text == _CLEAN
    assert doc.repaired == "mojibake repaired (UTF-8 read as Windows-1252)"
    assert doc.meta()["repaired"] == doc.repaired


def test_mojibake_bytes_and_html_are_repaired() -> None:
    damaged = _mojibake(_CLEAN)
    doc = read_bytes(damaged.encode("utf-8"), name="story.txt")
    assert (doc.text, doc.encoding) == (_CLEAN, "utf-8")
    page = (
        f"<html><head><title>{_mojibake('São Paulo reopens Größe Straße')}</title></head>"
        f"<body><article><p>{damaged}</p><p>{damaged}</p></article></body></html>"
    )
    doc = read_text(page)
    assert doc.title == "São Paulo reopens Größe Straße"
    assert _CLEAN in doc.text and "Ã" not in doc.text
    assert doc.repaired is not None


@pytest.mark.parametrize(
    "text",
    [
        _CLEAN,
        "ESPAÑA Y PORTUGAL: Ñandú, Øresund, Ärger, ÎLE, Ïle, Å, Ð and Ù in real text.",
        "Привет, мир. Ünlü yazar İstanbul’da konuştu. Żółć gęślą jaźń.",
        "Plain ASCII text stays as it is.",
    ],
)
def test_real_accented_text_is_left_alone(text: str) -> None:
    doc = read_text(text)
    assert (doc.text, doc.repaired) == (text, None)


def test_a_document_built_by_a_program_is_taken_as_it_is() -> None:
    from retold.comparison import _as_document

    damaged = _mojibake(_CLEAN)
    assert _as_document(Document(damaged)).text == damaged


def test_fragment_falls_back_to_paragraph_text() -> None:
    # trafilatura refuses a lone block; the lxml fallback reads it
    doc = extract("<p>LONDON — The council voted 7-2 on Monday to close the bridge.</p>")
    assert doc.text == "LONDON — The council voted 7-2 on Monday to close the bridge."
    assert doc.dateline == "LONDON"


def test_fallback_skips_navigation_and_nested_duplicates() -> None:
    html = (
        "<html><head><title>Council closes bridge</title></head><body>"
        "<nav><p>Home</p></nav><h2>Council closes  bridge</h2>"
        "<p>LONDON — The council voted 7-2\n on Monday.</p>"
        "<ul><li><p>Repairs will take <b>six</b> months.</p></li></ul>"
        "<footer><p>© Paper</p></footer><aside><li>Related</li></aside></body></html>"
    )
    text, title = _fallback(html)
    assert title == "Council closes bridge"
    assert text == (
        "Council closes bridge\n"
        "LONDON — The council voted 7-2 on Monday.\n"
        "Repairs will take six months."
    )


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>Only a title</title></head></html>",
        "<html><head></head><body></body></html>",
        "<html><body><script>var p = '<p>not text</p>';</script></body></html>",
        "<<<>>><p<p<<div>>",
    ],
)
def test_html_without_article_text(html: str) -> None:
    with pytest.raises(ExtractionError, match="HTML has no article text"):
        read_text(html, kind="html")


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><p>Unclosed <b>bold <i>text about the vote on the bridge",
        "<html><body>" + "<div>" * 20000 + "<p>deep</p>" + "</div>" * 20000,
        "<p>a\x00b text with a NUL in it</p><p>more</p>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>XHTML text.</p></body></html>",
        "<html><body><p>lone surrogate \udc80 here</p></body></html>",
        "</p></div></body></html><p>close tags first, then text</p>",
        "<table><tr><td>cell one<td>cell two</table>",
        "<html><body><p>" + "word " * 200_000 + "</p></body></html>",
    ],
)
def test_malformed_html_raises_only_retold_errors(html: str) -> None:
    try:
        doc = extract(html)
    except RetoldError:
        return
    assert doc.text.strip()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *("<p>", "</p>", "<div>", "</div>", "<b>", "<!--", "-->", "<", ">", "&amp;"),
                *("&#0;", "<script>", "</script>", "<html>", "<body>", "<br/>", "word "),
                "The mayor said. ",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_random_markup_raises_only_retold_errors(html: str) -> None:
    with contextlib.suppress(RetoldError):
        extract(html)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GUATIRE, Venezuela (AP) — Residents spent Tuesday", "GUATIRE, Venezuela (AP)"),
        ("MADRID (Reuters) - Spain's parliament approved", "MADRID (Reuters)"),
        ("WASHINGTON — The Senate voted", "WASHINGTON"),
        ("NEW YORK, March 3 (Reuters) - Stocks fell", "NEW YORK, March 3 (Reuters)"),
        ("SAN JUAN, Puerto Rico — Power returned", "SAN JUAN, Puerto Rico"),
        ("PARIS, 12 mai (AFP) – Le gouvernement", None),  # lower-case month
        ("PARIS, 12 May (AFP) – The government", "PARIS, 12 May (AFP)"),
        ("ST. LOUIS (AP) -- A judge ruled", "ST. LOUIS (AP)"),
        ("SÃO PAULO (Reuters) - Brazil's", "SÃO PAULO (Reuters)"),
        ("Headline first\nBEIRUT (AP) — Strikes hit", "BEIRUT (AP)"),
        ("BREAKING — The Senate voted", None),
        ("The Senate voted on WASHINGTON — no", None),
        ("Officials said - nothing", None),
        ("", None),
    ],
)
def test_find_dateline(text: str, expected: str | None) -> None:
    assert find_dateline(text) == expected


# --- URL fetching against a real local server ----------------------------------------------

PLAIN_BODY = ARTICLE_TEXT.encode("utf-8")
BIG = 300_000
GZIP_PAGE = gzip.compress(NEWS_PAGE.encode("utf-8"))
GZIP_BOMB = gzip.compress(b"a " * 1_000_000)  # 2 MB once inflated, 2 KB on the wire


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hits: list[tuple[str, str]]
    stop: threading.Event

    def handle_error(self, request: object, client_address: object) -> None:
        # clients that give up (timeouts, size caps) leave broken pipes behind
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str | None, **headers: str) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self.server.hits.append((self.path, self.headers.get("User-Agent", "")))
        path = self.path
        routes: dict[str, Callable[[], None]] = {
            "/article": lambda: self._send(200, NEWS_PAGE.encode(), "text/html; charset=utf-8"),
            "/plain": lambda: self._send(200, PLAIN_BODY, "text/plain; charset=utf-8"),
            "/cp1251": lambda: self._send(
                200,
                "МОСКВА — Депутаты приняли закон во вторник.".encode("cp1251"),
                "text/plain; charset=windows-1251",
            ),
            "/latin1-html": lambda: self._send(
                200,
                "<html><body><p>PARÍS - El Gobierno aprobó la reforma el martes.</p>"
                "<p>La medida afecta a 12 millones de trabajadores.</p></body></html>".encode(
                    "latin-1"
                ),
                "text/html; charset=ISO-8859-1",
            ),
            "/xhtml": lambda: self._send(
                200,
                b"<?xml version='1.0' encoding='utf-8'?><html xmlns='http://www.w3.org/1999/xhtml'>"
                b"<body><p>ROME (AP) - Italy's cabinet met on Friday.</p></body></html>",
                "application/xhtml+xml",
            ),
            "/notype": lambda: self._send(200, PLAIN_BODY, None),
            "/symbols": lambda: self._send(
                200, b"<html><body><p>*** --- ***</p><p>!!! ???</p></body></html>", "text/html"
            ),
            "/missing": lambda: self._send(404, b"<h1>Not Found</h1>", "text/html"),
            "/error": lambda: self._send(500, b"oops", "text/plain"),
            "/pdf": lambda: self._send(200, PDF_BYTES, "application/pdf"),
            "/png-as-html": lambda: self._send(200, PNG_BYTES, "text/html"),
            "/big": lambda: self._send(200, b"x" * BIG, "text/plain"),
            "/gzip": lambda: self._send(
                200, GZIP_PAGE, "text/html; charset=utf-8", Content_Encoding="gzip"
            ),
            "/gzip-bomb": lambda: self._send(200, GZIP_BOMB, "text/plain", Content_Encoding="gzip"),
            "/brotli": lambda: self._send(200, b"\x00", "text/plain", Content_Encoding="br"),
            "/loop": lambda: self._redirect("/loop", 301),
            "/to-ftp": lambda: self._redirect("ftp://example.com/story.txt"),
            "/no-location": lambda: self._send(302, b"", None),
        }
        if path in routes:
            routes[path]()
        elif path.startswith("/redirect/"):
            n = int(path.rsplit("/", 1)[1])
            # relative and absolute Locations alternate
            host = f"http://127.0.0.1:{self.server.server_address[1]}"
            nxt = "/article" if n <= 1 else f"/redirect/{n - 1}"
            self._redirect(nxt if n % 2 else host + nxt, 307 if n == 2 else 302)
        elif path == "/stream":
            # no Content-Length: the body ends when the connection closes
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(64):
                self.wfile.write(b"y" * 16384)
        elif path == "/slow":
            self.server.stop.wait(3)
            self._send(200, PLAIN_BODY, "text/plain")
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"z")
                self.wfile.flush()
                if self.server.stop.wait(0.05):
                    break
        else:
            self._send(404, b"no route", "text/plain")


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.hits = []
    srv.stop = threading.Event()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def _url(server: _Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_fetch_html_page(server: _Server) -> None:
    url = _url(server, "/article")
    doc = read_url(url)
    assert doc.source == "url"
    assert doc.url == url
    assert doc.encoding == "utf-8"
    assert doc.title == "Venezuelan town digs out after floods sweep homes away"
    assert doc.dateline == "GUATIRE, Venezuela (AP)"
    assert "Related stories" not in doc.text
    assert (urlpath_ua := server.hits[-1]) == ("/article", USER_AGENT)
    assert urlpath_ua[1].startswith("retold/0.1")


def test_fetch_reads_a_page_as_the_same_page_saved_to_disk(server: _Server, tmp_path: Path) -> None:
    # one path from decoded text to document: a URL, a file and a string agree
    saved = tmp_path / "article.html"
    saved.write_bytes(NEWS_PAGE.encode())
    fetched, on_disk = read_url(_url(server, "/article")), read_path(saved)
    assert (fetched.text, fetched.title, fetched.dateline) == (
        on_disk.text,
        on_disk.title,
        on_disk.dateline,
    )
    assert (fetched.source, on_disk.source) == ("url", "html")


def test_fetch_page_without_words_says_so(server: _Server) -> None:
    with pytest.raises(ExtractionError, match="no words"):
        read_url(_url(server, "/symbols"))


def test_fetch_plain_text(server: _Server) -> None:
    doc = load(_url(server, "/plain"))
    assert (doc.text, doc.source, doc.dateline) == (ARTICLE_TEXT, "url", "MADRID (Reuters)")


def test_fetch_uses_the_content_type_charset(server: _Server) -> None:
    doc = read_url(_url(server, "/cp1251"))
    assert doc.text == "МОСКВА — Депутаты приняли закон во вторник."
    assert doc.encoding == "cp1251"
    html_doc = read_url(_url(server, "/latin1-html"))
    assert html_doc.text.startswith("PARÍS - El Gobierno aprobó")
    assert html_doc.encoding == "cp1252"  # as browsers read ISO-8859-1


def test_fetch_xhtml_and_untyped(server: _Server) -> None:
    assert read_url(_url(server, "/xhtml")).dateline == "ROME (AP)"
    doc = read_url(_url(server, "/notype"))
    assert doc.text == ARTICLE_TEXT


def test_fetch_gzip(server: _Server) -> None:
    doc = read_url(_url(server, "/gzip"))
    assert doc.byline == "Regina Garcia Cano"


@pytest.mark.parametrize(("path", "status"), [("/missing", "404 Not Found"), ("/error", "500")])
def test_fetch_http_errors(server: _Server, path: str, status: str) -> None:
    with pytest.raises(FetchError, match=f"the server answered HTTP {status}"):
        read_url(_url(server, path))


def test_fetch_refuses_non_html_content(server: _Server) -> None:
    with pytest.raises(FetchError, match=r"/pdf returned application/pdf, not an article"):
        read_url(_url(server, "/pdf"))
    with pytest.raises(BinaryInputError, match="looks like a PNG image"):
        read_url(_url(server, "/png-as-html"))
    with pytest.raises(FetchError, match="br-compressed"):
        read_url(_url(server, "/brotli"))


def test_fetch_size_caps(server: _Server) -> None:
    with pytest.raises(InputTooLargeError, match=r"/big is 293.0 KB \(300,000 bytes\), over"):
        read_url(_url(server, "/big"), max_bytes=100_000)
    with pytest.raises(InputTooLargeError, match=r"/stream is over the 97.7 KB"):
        read_url(_url(server, "/stream"), max_bytes=100_000)
    with pytest.raises(InputTooLargeError, match="gzip-bomb is over"):
        read_url(_url(server, "/gzip-bomb"), max_bytes=100_000)
    assert len(read_url(_url(server, "/big"), max_bytes=BIG).text) == BIG


def test_fetch_follows_redirects(server: _Server) -> None:
    doc = read_url(_url(server, "/redirect/5"))
    assert doc.url == _url(server, "/article")
    assert doc.byline == "Regina Garcia Cano"


def test_fetch_too_many_redirects(server: _Server) -> None:
    with pytest.raises(FetchError, match="more than 5 redirects"):
        read_url(_url(server, "/redirect/6"))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        read_url(_url(server, "/loop"))


def test_fetch_redirect_hops_are_validated(server: _Server) -> None:
    with pytest.raises(UnsafeURLError, match="ftp:// URLs are not fetched"):
        read_url(_url(server, "/to-ftp"))
    with pytest.raises(FetchError, match="redirect without a Location"):
        read_url(_url(server, "/no-location"))


def test_fetch_timeout_waiting_for_the_answer(server: _Server) -> None:
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0\.3 s"):
        read_url(_url(server, "/slow"), timeout=0.3)
    assert time.monotonic() - start < 1.5


def test_fetch_timeout_covers_a_slow_body(server: _Server) -> None:
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        read_url(_url(server, "/trickle"), timeout=0.5)
    assert time.monotonic() - start < 1.5


def test_fetch_unreachable_port() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(FetchError, match=f"could not connect to 127.0.0.1:{port}"):
        read_url(f"http://127.0.0.1:{port}/article", timeout=2)


def test_fetch_unknown_host() -> None:
    with pytest.raises(FetchError, match=r"could not resolve host no-such-host\.invalid"):
        read_url("http://no-such-host.invalid/story", timeout=2)


def test_fetch_localhost_is_allowed_by_default(server: _Server) -> None:
    # localhost may resolve to ::1 first, where nothing listens: the next address is tried
    doc = read_url(f"http://localhost:{server.server_address[1]}/plain")
    assert doc.text == ARTICLE_TEXT


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.1.2.3"])
def test_allow_private_false_refuses_before_connecting(server: _Server, host: str) -> None:
    before = len(server.hits)
    with pytest.raises(UnsafeURLError) as err:
        read_url(f"http://{host}:{server.server_address[1]}/article", allow_private=False)
    assert "loopback address" in str(err.value)
    assert "allow_private=True" in str(err.value)
    assert len(server.hits) == before  # no request reached the server


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[_Server, Path]]:
    """An HTTPS server with a self-signed certificate for localhost and 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert)),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.hits = []
    srv.stop = threading.Event()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv, cert
    srv.stop.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def test_https_verifies_certificates(tls_server: tuple[_Server, Path]) -> None:
    srv, _ = tls_server
    with pytest.raises(FetchError, match=r"TLS error talking to localhost.*CERTIFICATE_VERIFY"):
        read_url(f"https://localhost:{srv.server_address[1]}/plain")


def test_https_fetch_with_a_trusted_certificate(
    tls_server: tuple[_Server, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    srv, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # OpenSSL reads it when the context loads
    # the certificate is checked against the host name while the pinned address is dialled
    doc = read_url(f"https://localhost:{srv.server_address[1]}/plain")
    assert doc.text == ARTICLE_TEXT
    assert doc.url == f"https://localhost:{srv.server_address[1]}/plain"


@pytest.mark.parametrize(
    "addr",
    [
        *("10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"),
        *("224.0.0.1", "240.0.0.1", "::1", "fe80::1%eth0", "fc00::1", "::ffff:127.0.0.1", "::"),
    ],
)
def test_non_public_addresses(addr: str) -> None:
    assert _why_not_public(addr) is not None


@pytest.mark.parametrize("addr", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses(addr: str) -> None:
    assert _why_not_public(addr) is None
