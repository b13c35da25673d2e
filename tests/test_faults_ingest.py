"""Fault suite, ingest stage: hostile files for every reader (text, HTML, JSONL, WARC).

Each reader must reject one bad record with a one-line reason and go on, hold
bounded memory whatever the file (decompression included) expands to, and
raise nothing but retold's own errors. Bombs run in a subprocess under an
address-space limit (see ``_limits.py``), so a regression fails the test
instead of exhausting the machine.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _limits import RETOLD, GiB, MiB, python_limited, run_limited
from retold.errors import RetoldError
from retold.index.docwork import load_raw
from retold.ingest import read_bytes
from retold.ingest.readers import iter_inputs, read_jsonl
from retold.ingest.records import RawDoc, Rejected
from retold.ingest.warc import MAX_RECORD, read_warc

ARTICLE = (
    "The city council approved the new budget on Tuesday after a long debate.\n\n"
    "Officials said the plan adds money for schools and road repairs next year."
)
# a 512 MiB gzip bomb: 32 members of 16 MiB of zeros, about 0.5 MB on disk
_BOMB_MEMBER = gzip.compress(bytes(16 << 20), 9)
BOMB = _BOMB_MEMBER * 32
# a limit below what the bomb inflates to, well above what reading needs (~100 MB)
LIMIT = 384 * MiB


def _one_line(reason: str) -> None:
    assert reason and "\n" not in reason and "\r" not in reason
    assert "Traceback" not in reason and "internal error" not in reason


def _check_items(items: list[RawDoc | Rejected]) -> None:
    """Items are RawDocs or one-line Rejections, and every string in them can be written."""
    for it in items:
        if isinstance(it, Rejected):
            _one_line(it.reason)
            it.origin.encode("utf-8")
        else:
            assert isinstance(it, RawDoc)
            for v in (it.id, it.origin, it.url, it.title, it.published, it.publisher, it.data):
                if isinstance(v, str):
                    v.encode("utf-8")


def _warc(headers: dict[str, str], block: bytes) -> bytes:
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(block)}\r\n\r\n"
    return head.encode() + block + b"\r\n\r\n"


def _response(uri: str, body: bytes, extra: str = "") -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + extra.encode() + b"\r\n" + body
    return _warc(
        {
            "WARC-Type": "response",
            "WARC-Target-URI": uri,
            "Content-Type": "application/http; msgtype=response",
        },
        http,
    )


def _page(title: str) -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))
    return f"<html><head><title>{title}</title></head><body><article>{paras}</article></body></html>".encode()


# --- JSON lines ---------------------------------------------------------------


def test_jsonl_lone_surrogate_id_rejects_that_record_only(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "ok-1", "text": ARTICLE}),
        json.dumps({"id": "x\ud800", "text": ARTICLE + " One."}),  # JSON keeps the escape
        json.dumps({"id": "ok-3", "text": ARTICLE + " Two.", "title": "t\udc00"}),
        json.dumps({"id": "ok-4", "text": "lone \udfff in the text " + ARTICLE}),
        json.dumps({"id": "ok-5", "text": ARTICLE + " Three."}),
    ]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(iter_inputs([str(feed)]))
    _check_items(items)
    assert [i.id for i in items if isinstance(i, RawDoc)] == ["ok-1", "ok-5"]
    reasons = {i.origin.rsplit(":", 1)[1]: i.reason for i in items if isinstance(i, Rejected)}
    assert set(reasons) == {"2", "3", "4"}
    assert '"id" holds a lone surrogate (\\ud800' in reasons["2"]
    assert '"title"' in reasons["3"] and '"text"' in reasons["4"]


def test_index_add_commits_every_record_but_the_surrogate_id(tmp_path: Path) -> None:
    """The reproduction: ``index add`` of a feed with ``"x\\ud800"`` as an id."""
    feed = tmp_path / "feed.jsonl"
    docs = [
        {"id": "a", "text": ARTICLE},
        {"id": "x\ud800", "text": "Another story about the harbour.\n\nIt opened on Friday."},
        {"id": "c", "text": "A third story: the bridge was closed for repairs all week."},
    ]
    feed.write_text("\n".join(json.dumps(d) for d in docs) + "\n", encoding="utf-8")
    res = run_limited([*RETOLD, "index", "add", "--index", str(tmp_path / "I"), str(feed)], 4 * GiB)
    assert res.returncode == 3, res.stderr  # finished, one rejected
    assert "internal error" not in res.stderr
    assert "lone surrogate" in res.stderr and "added 2" in res.stderr
    from retold.index import Index

    with Index(tmp_path / "I", create=False) as ix:
        assert sorted(ix.ids()) == ["a", "c"]


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        (b"[" * 100_000, "nested too deeply"),
        (b'{"id": 1' + b"0" * 5000 + b', "text": "x"}', "not usable JSON"),
        (b'{"id": "a", "text": "\\ud800"}', "lone surrogate"),
        (b'{"id": "a", "text": "x"', "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"id": true, "text": "x"}', '"id" must be'),
    ],
)
def test_jsonl_bad_lines_are_rejected_with_a_reason(line: bytes, needle: str) -> None:
    good = json.dumps({"id": "good", "text": ARTICLE}).encode()
    items = list(read_jsonl(io.BytesIO(line + b"\n" + good + b"\n"), name="f"))
    _check_items(items)
    assert isinstance(items[0], Rejected) and needle in items[0].reason, items[0]
    assert isinstance(items[1], RawDoc) and items[1].id == "good"


def test_jsonl_line_over_the_cap_is_rejected_unread() -> None:
    big = json.dumps({"id": "big", "text": "word " * 2000}).encode()
    good = json.dumps({"id": "good", "text": ARTICLE}).encode()
    items = list(read_jsonl(io.BytesIO(big + b"\n" + good), name="f", max_line=1000))
    assert isinstance(items[0], Rejected) and "longer than" in items[0].reason
    assert isinstance(items[1], RawDoc) and items[1].id == "good"


def test_jsonl_gz_bomb_line_is_skipped_with_bounded_memory(tmp_path: Path) -> None:
    """One endless line inflating to 512 MiB: skipped as it streams past, the next line kept."""
    feed = tmp_path / "bomb.jsonl.gz"
    good = gzip.compress(b"\n" + json.dumps({"id": "after", "text": ARTICLE}).encode() + b"\n")
    feed.write_bytes(gzip.compress(b'{"id": "bomb", "text": "') + BOMB + good)
    res = python_limited(
        "from retold.ingest.readers import iter_inputs\n"
        f"for it in iter_inputs([{str(feed)!r}]):\n"
        "    print(type(it).__name__, getattr(it, 'id', ''), getattr(it, 'reason', ''))\n",
        LIMIT,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.splitlines()
    assert lines[0].startswith("Rejected") and "longer than" in lines[0]
    assert lines[-1] == "RawDoc after "
    print(f"jsonl.gz bomb: peak RSS {res.maxrss_mb:.0f} MB under a {LIMIT >> 20} MB limit")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=200),
            st.dictionaries(
                st.sampled_from(["id", "text", "html", "title", "url", "published", "source"]),
                st.one_of(
                    st.text(max_size=80),
                    st.integers(),
                    st.floats(),
                    st.none(),
                    st.booleans(),
                    st.lists(st.integers(), max_size=3),
                ),
            ).map(lambda d: json.dumps(d).encode()),
        ),
        max_size=8,
    )
)
def test_jsonl_reader_survives_any_lines(lines: list[bytes]) -> None:
    data = b"\n".join(x.replace(b"\n", b" ") for x in lines)
    items = list(read_jsonl(io.BytesIO(data), name="f"))
    _check_items(items)
    for it in items:
        if isinstance(it, RawDoc):
            try:
                load_raw(it)
            except RetoldError as exc:
                _one_line(str(exc))


# --- WARC -------------------------------------------------------------------


def test_warc_gzip_bomb_payload_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    """The reproduction: a response whose gzip body inflates to 512 MiB."""
    warc = tmp_path / "bomb.warc.gz"
    recs = [
        _response("https://a.example/bomb", BOMB, "Content-Encoding: gzip\r\n"),
        _response("https://a.example/ok", _page("After the bomb")),
    ]
    warc.write_bytes(b"".join(gzip.compress(r, 1) for r in recs))
    res = python_limited(
        "from pathlib import Path\n"
        "from retold.ingest.warc import read_warc\n"
        f"for it in read_warc(Path({str(warc)!r})):\n"
        "    print(type(it).__name__, getattr(it, 'id', ''), getattr(it, 'reason', ''))\n",
        LIMIT,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.splitlines()
    assert lines[0].startswith("Rejected") and "size cap" in lines[0], lines
    assert lines[1] == "RawDoc https://a.example/ok "
    print(f"WARC body bomb: peak RSS {res.maxrss_mb:.0f} MB under a {LIMIT >> 20} MB limit")


def test_warc_gz_without_a_warc_header_is_not_buffered_whole(tmp_path: Path) -> None:
    """The reproduction: a ``.warc.gz`` holding 512 MiB of something that is not WARC."""
    warc = tmp_path / "nothing.warc.gz"
    late = _response("https://a.example/late", _page("Late"))
    warc.write_bytes(BOMB + gzip.compress(b"\r\n" + late))
    res = python_limited(
        "from pathlib import Path\n"
        "from retold.ingest.warc import read_warc\n"
        f"for it in read_warc(Path({str(warc)!r})):\n"
        "    print(type(it).__name__, getattr(it, 'id', ''), getattr(it, 'reason', ''))\n",
        LIMIT,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.splitlines()
    assert lines[0].startswith("Rejected") and "not a WARC record" in lines[0]
    assert lines[-1] == "RawDoc https://a.example/late "
    print(f"non-WARC .warc.gz: peak RSS {res.maxrss_mb:.0f} MB under a {LIMIT >> 20} MB limit")


def test_warc_record_over_the_limit_is_skipped_and_the_next_kept(tmp_path: Path) -> None:
    warc = tmp_path / "big.warc"
    with open(warc, "wb") as fh:
        fh.write(_response("https://a.example/huge", b"<p>" + b"x" * (MAX_RECORD + 10)))
        fh.write(_response("https://a.example/ok", _page("Kept")))
    items = list(read_warc(warc))
    _check_items(items)
    assert isinstance(items[0], Rejected) and "over the" in items[0].reason
    assert [i.id for i in items if isinstance(i, RawDoc)] == ["https://a.example/ok"]


def test_warc_header_without_an_end_is_bounded(tmp_path: Path) -> None:
    warc = tmp_path / "head.warc"
    warc.write_bytes(
        b"WARC/1.0\r\nX: "
        + b"y" * (1 << 20)
        + b"\n"
        + _response("https://a.example/ok", _page("K"))
    )
    items = list(read_warc(warc))
    _check_items(items)
    assert isinstance(items[0], Rejected) and "header longer" in items[0].reason
    assert [i.id for i in items if isinstance(i, RawDoc)] == ["https://a.example/ok"]


def _valid_warc() -> bytes:
    return b"".join(
        [
            _response("https://a.example/1", _page("One")),
            _response(
                "https://a.example/2", gzip.compress(_page("Two")), "Content-Encoding: gzip\r\n"
            ),
            _warc(
                {
                    "WARC-Type": "resource",
                    "WARC-Target-URI": "file:///3",
                    "Content-Type": "text/html",
                },
                _page("Three"),
            ),
        ]
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_edits=st.integers(1, 6),
    gz=st.booleans(),
)
def test_warc_reader_survives_damage(tmp_path: Path, seed: int, n_edits: int, gz: bool) -> None:
    """Bit flips, cuts and inserted junk anywhere in a valid (optionally gzipped) WARC."""
    rng = random.Random(seed)
    data = bytearray(_valid_warc())
    if gz:
        data = bytearray(b"".join(gzip.compress(r) for r in bytes(data).split(b"\r\n\r\nWARC")))
    for _ in range(n_edits):
        at = rng.randrange(len(data))
        op = rng.randrange(3)
        if op == 0:
            data[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            del data[at : at + rng.randrange(1, 400)]
        else:
            data[at:at] = rng.randbytes(rng.randrange(1, 50))
    path = tmp_path / ("f.warc.gz" if gz else "f.warc")
    path.write_bytes(bytes(data))
    items = list(read_warc(path))
    _check_items(items)
    for it in items:
        if isinstance(it, RawDoc):
            try:
                load_raw(it)
            except RetoldError as exc:
                _one_line(str(exc))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=3000))
def test_warc_reader_survives_random_bytes(tmp_path: Path, data: bytes) -> None:
    for prefix in (b"", b"WARC/1.0\r\n"):
        path = tmp_path / "r.warc"
        path.write_bytes(prefix + data)
        _check_items(list(read_warc(path)))


# --- text, HTML and directories ---------------------------------------------------


_HOSTILE_TEXT = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(alphabet=st.sampled_from("<>/ap =\"'&#;x0123456789D8"), max_size=600).map(
        lambda t: ("<html><body><p>" + t).encode()
    ),
)


@settings(max_examples=80, deadline=None)
@given(_HOSTILE_TEXT, st.sampled_from(["auto", "text", "html"]))
def test_text_and_html_readers_raise_only_retold_errors(data: bytes, kind: str) -> None:
    try:
        doc = read_bytes(data, kind=kind)  # type: ignore[arg-type]
    except RetoldError as exc:
        _one_line(str(exc))
        return
    doc.text.encode("utf-8")  # nothing unwritable gets through
    assert doc.text.strip()


def test_html_character_references_to_surrogates_do_not_get_through() -> None:
    html = b"<html><body><article><p>Officials said &#xD800; the plan &#55296; adds money for schools.</p></article></body></html>"
    try:
        doc = read_bytes(html, kind="html")
    except RetoldError as exc:
        _one_line(str(exc))
    else:
        doc.text.encode("utf-8")


def test_directory_with_an_undecodable_file_name(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text(ARTICLE, encoding="utf-8")
    bad = os.fsencode(d) + b"/bad-\xff.txt"
    with open(bad, "wb") as fh:
        fh.write(ARTICLE.encode())
    items = list(iter_inputs([str(d)]))
    _check_items(items)
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(rejected) == 1 and "not valid UTF-8" in rejected[0].reason
    assert "\\udcff" in rejected[0].origin  # shown escaped, on one line
    assert [Path(i.origin).name for i in items if isinstance(i, RawDoc)] == ["good.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any directory")
def test_unreadable_subdirectory_is_reported(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "locked").mkdir(parents=True)
    (d / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (d / "locked" / "x.txt").write_text(ARTICLE, encoding="utf-8")
    (d / "locked").chmod(0)
    try:
        items = list(iter_inputs([str(d)]))
    finally:
        (d / "locked").chmod(0o755)
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(rejected) == 1 and "directory skipped" in rejected[0].reason


def test_stdin_closed_is_a_rejection_not_a_crash(tmp_path: Path) -> None:
    cmd = [*RETOLD, "index", "add", "--index", str(tmp_path / "I"), "-"]
    res = run_limited(cmd, 4 * GiB, stdin=None)
    assert res.returncode != 0
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr


@settings(max_examples=80, deadline=None)
@given(
    st.binary(max_size=300),
    st.one_of(
        st.none(),
        st.text(max_size=30),
        st.sampled_from(["utf-7", "rot13", "zlib", "base64", "punycode", "utf-32", "idna"]),
    ),
)
def test_declared_charset_of_any_kind_is_safe(data: bytes, charset: str | None) -> None:
    """A WARC response's Content-Type charset is whatever the crawl recorded."""
    raw = RawDoc(id="x", origin="w#1", kind="html", data=b"<p>" + data, charset=charset)
    try:
        doc = load_raw(raw)
    except RetoldError as exc:
        _one_line(str(exc))
    else:
        doc.text.encode("utf-8")


def test_page_of_many_short_blocks_skips_the_quadratic_second_opinion() -> None:
    """jusText (trafilatura's fallback) is quadratic in runs of short blocks: a
    7 MB page of 200,000 one-line paragraphs ran for over ten minutes. Such a
    page is extracted by trafilatura alone; a news-sized page keeps the fallback."""
    from retold.ingest.html import _many_blocks

    many = "<html><body>" + "<div><p>word word word.</p></div>" * 2000 + "</body></html>"
    news = (
        "<html><body><article>"
        + "<p>A sentence of the story.</p>" * 300
        + "</article></body></html>"
    )
    assert _many_blocks(many) and not _many_blocks(news)
    doc = read_bytes(many.encode(), kind="html")
    assert doc.text.count("word word word.") >= 1000
    assert "sentence of the story" in read_bytes(news.encode(), kind="html").text
