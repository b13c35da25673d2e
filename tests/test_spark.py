"""The corpus job on Apache Spark (``retold spark stories``), in local mode on 2 cores.

The fixture (built here from the synthetic stories corpus, which reads
../shared/data at test time) holds over 300 articles in two ``.warc.gz``
files and a JSON lines file: HTML pages with two kinds of page furniture,
exact copies of articles under other URLs and other furniture, repeated URLs,
a damaged WARC record and a bad JSON line. ``--exact`` must give the same
stories and edges as ``retold index add`` + ``retold stories`` on the same
directory. These tests fail (not skip) without Java or PySpark.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, shared_path

pytestmark = pytest.mark.spark

_FURNITURE = (
    (
        "<header><nav><a href='/'>Home</a> | <a href='/world'>World</a> | "
        "<a href='/business'>Business</a></nav></header>",
        "<footer><p>© The Morning Ledger. All rights reserved.</p>"
        "<p>Subscribe to our newsletter for daily updates.</p></footer>",
    ),
    (
        "<div class='menu'><ul><li>News</li><li>Opinion</li><li>Sport</li></ul></div>",
        "<div class='bottom'><p>Copyright Evening Courier Media Group.</p>"
        "<p>Terms of use · Privacy · Contact</p></div>",
    ),
)


#: bylines for a third of the pages, so that derivation edges have credits to
#: report ("byline dropped", "changed", "added") and both paths must agree on them
_WRITERS = ("Marta Okafor", "Luis Brenner", "Hana Kobayashi", "Tomasz Wielicki", "Dana Whitcombe")


def _byline(n: int) -> str | None:
    return f"By {_WRITERS[n // 3 % len(_WRITERS)]}, The Morning Ledger" if n % 3 == 0 else None


def _page(
    title: str, text: str, published: str | None, style: int, byline: str | None = None
) -> bytes:
    head, foot = _FURNITURE[style]
    # every other byline marked up as one: extraction takes it out of the text
    # into the page's metadata, which both paths must keep for the credits
    marked = " class='byline'" if byline and len(title) % 2 else ""
    paras = f"<p{marked}>{html.escape(byline)}</p>" if byline else ""
    paras += "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title>{meta}</head>"
        f"<body>{head}<article><h1>{html.escape(title)}</h1>{paras}</article>{foot}</body></html>"
    ).encode()


def _record(url: str, body: bytes, n: int, *, damage: bool = False) -> bytes:
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
    length = len(block) + (40 if damage else 0)
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Target-URI: {url}\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{n:012d}>\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    return gzip.compress(head + block + b"\r\n\r\n")


def build_fixture(root: Path) -> dict[str, int]:
    """The fixture directory; returns what it holds."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    shared_path("data", "l2r_news_dev", "sources.jsonl")
    import stories_corpus

    items, _edges, _stories = stories_corpus.build(n_news=35, n_siblings=30, n_independent=20)
    root.mkdir(parents=True, exist_ok=True)
    third = len(items) // 3
    parts = [items[:third], items[third : 2 * third], items[2 * third :]]
    counts = {"articles": len(items), "copies": 0, "repeated": 0}
    for w, (name, part) in enumerate((("a.warc.gz", parts[0]), ("b.warc.gz", parts[1]))):
        with open(root / name, "wb") as fh:
            for n, it in enumerate(part):
                url = f"https://site{w}.example/news/{it.id}"
                byline = _byline(n) if w == 0 else None
                fh.write(_record(url, _page(it.id, it.text, it.published, w, byline), n))
                if w == 1 and n == 10:
                    fh.write(
                        _record("https://site1.example/broken", b"<p>lost</p>", 999, damage=True)
                    )
            if w == 1:
                # exact copies of the first file's articles, in the other furniture
                for n, it in enumerate(parts[0][:20]):
                    url = f"https://mirror.example/{it.id}"
                    page = _page(it.id, it.text, it.published, 1, _byline(n))
                    fh.write(_record(url, page, 500 + n))
                    counts["copies"] += 1
                # a repeated URL: the first occurrence wins
                for n, it in enumerate(parts[0][20:25]):
                    url = f"https://site0.example/news/{it.id}"
                    fh.write(_record(url, _page("changed", it.text[::-1], None, 1), 600 + n))
                    counts["repeated"] += 1
    with open(root / "c.jsonl", "w", encoding="utf-8") as fh:
        for it in parts[2]:
            row = {"id": it.id, "text": it.text, "title": it.id, "published": it.published}
            fh.write(json.dumps(row) + "\n")
        fh.write('{"id": "broken", "text": \n')
    counts["inputs"] = len(items) + counts["copies"] + counts["repeated"] + 2
    return counts


def embedded_stories(
    inputs: Path | list[str], index_dir: Path, encoder: Any
) -> list[dict[str, Any]]:
    """``retold index add`` + ``retold stories`` on the fixture (the library calls
    the commands make)."""
    from retold.index import Index
    from retold.stories import StoryBook

    with Index(index_dir, encoder=encoder) as ix:
        ix.add_paths(inputs if isinstance(inputs, list) else [str(inputs)])
        with StoryBook(ix, k=10) as book:
            book.update()
            return [s.to_dict() for s in book.stories()]


def spark_stories(out: Path) -> list[dict[str, Any]]:
    """The stories of a Spark run, in the embedded form (read with pyarrow)."""
    import pyarrow.parquet as pq

    members: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for r in pq.read_table(out / "stories").to_pylist():
        members.setdefault(r["story"], []).append(r["id"])
        labels[r["story"]] = r["label"]
    edges: dict[str, list[dict[str, Any]]] = {}
    for r in pq.read_table(out / "edges").to_pylist():
        edges.setdefault(r["story"], []).append(r)
    return [
        {
            "id": s,
            "label": labels[s],
            "articles": sorted(m),
            "edges": sorted(
                (
                    {
                        "from": e["source"],
                        "to": e["target"],
                        "verdict": e["verdict"],
                        "coverage": round(e["share"], 4),
                        "evidence": e["evidence"],
                        "credits": None if e["credits"] is None else json.loads(e["credits"]),
                    }
                    for e in edges.get(s, [])
                ),
                key=lambda e: (e["from"], e["to"]),
            ),
        }
        for s, m in members.items()
    ]


def _comparable(stories: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        s["id"]: (s["label"], sorted(s["articles"]), sorted(json.dumps(e) for e in s["edges"]))
        for s in stories
    }


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("spark") / "corpus"
    return root, build_fixture(root)


@pytest.fixture(scope="module")
def session() -> Any:
    from retold.spark import get_session

    spark = get_session("local[2]")
    yield spark
    spark.stop()


def _run(spark: Any, inputs: list[str], out: Path, **kw: Any) -> dict[str, Any]:
    from retold.spark import JobParams, run

    return run(spark, JobParams(inputs=tuple(inputs), out=str(out), **kw))


def test_runtime_present() -> None:
    """Java and PySpark are installed (scripts/setup.sh): the Spark tests must
    not pass by not running."""
    from retold.spark import check_runtime

    check_runtime()


def test_exact_equals_embedded_cheap_encoder(
    session: Any, fixture_dir: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    from retold.embed import HashingEncoder

    fixture, counts = fixture_dir
    assert counts["inputs"] >= 300
    inputs = [str(fixture), str(tmp_path / "nowhere.jsonl")]  # a missing input is recorded
    manifest = _run(session, inputs, tmp_path / "out", exact=True, encoder="hashing:256")
    want = embedded_stories(inputs, tmp_path / "ix", HashingEncoder(256))
    got = spark_stories(tmp_path / "out")
    assert len(want) >= 20
    assert _comparable(got) == _comparable(want)
    # the pages' bylines: some edges say a copy dropped one, and both paths say the same
    said = [c for s in want for e in s["edges"] for c in e["credits"] or ()]
    assert any(c.startswith("byline dropped") for c in said), said
    # `retold stories --from DIR` reads the run back as `retold stories` shows an index
    cli = [str(Path(sys.executable).parent / "retold"), "stories", "--from", str(tmp_path / "out")]
    shown = subprocess.run([*cli, "--json"], capture_output=True, text=True, check=True)
    assert json.loads(shown.stdout)["stories"] == want
    pages = tmp_path / "pages"
    subprocess.run([*cli, "--html", str(pages), "-q"], check=True)
    assert len(list(pages.glob("story-*.html"))) == len(want)
    assert len(list((pages / "pairs").glob("*.html"))) == sum(len(s["edges"]) for s in want)
    c = manifest["counts"]
    assert c["duplicates"] >= counts["copies"]
    assert c["skipped_repeated_ids"] == counts["repeated"]
    rejected = pq.read_table(tmp_path / "out" / "rejected").to_pylist()
    reasons = " ".join(r["reason"] for r in rejected)
    assert "Content-Length" in reasons and "not JSON" in reasons
    assert "no such file or directory" in reasons
    docs = pq.read_table(tmp_path / "out" / "documents").to_pylist()
    ids = [d["id"] for d in docs]
    assert len(ids) == len(set(ids))
    assert {d["status"] for d in docs} >= {"original", "duplicate"}
    assert 0.0 < manifest["sentences_not_reencoded"] < 1.0


@pytest.mark.slow
def test_resume_after_kill(fixture_dir: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    """A job killed mid-way resumes from its saved stages, with no duplicates."""
    fixture, _ = fixture_dir
    small = tmp_path / "in"
    small.mkdir()
    (small / "c.jsonl").write_bytes((fixture / "c.jsonl").read_bytes())
    # the same articles as Parquet under other ids: read by Spark, found as copies
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(ln) for ln in (fixture / "c.jsonl").read_text().splitlines()[:20]]
    table = pa.Table.from_pylist([{"id": "pq-" + r["id"], "text": r["text"]} for r in rows])
    pq.write_table(table, small / "d.parquet")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "retold.spark", str(small), "--out", str(out)]
    cmd += ["--master", "local[2]", "--encoder", "hashing", "--exact", "--json"]
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, start_new_session=True) as proc:
        assert proc.stderr is not None
        deadline = time.monotonic() + 300
        for line in proc.stderr:
            if "retold: prepared" in line or time.monotonic() > deadline:
                break
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its JVM
        proc.wait()
    assert not (out / "manifest.json").exists()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    manifest = json.loads(done.stdout)
    assert {"raw", "extracted", "encoded", "records"} <= set(manifest["stages_reused"])
    docs = pq.read_table(out / "documents").to_pylist()
    assert (
        len(docs)
        == len({d["id"] for d in docs})
        == manifest["counts"]["documents"] + (manifest["counts"]["duplicates"])
    )
    assert sum(d["id"].startswith("pq-") and d["status"] == "duplicate" for d in docs) == 20
    links = pq.read_table(out / "links").to_pylist()
    assert len(links) == len({(ln["a"], ln["b"], ln["found"]) for ln in links})
    assert manifest["counts"]["stories"] > 0
    # the directory now belongs to this job: another one gets a one-line error
    other = subprocess.run([*cmd, "-k", "3"], capture_output=True, text=True)
    assert other.returncode != 0
    errors = [ln for ln in other.stderr.splitlines() if ln.startswith("retold: error:")]
    assert len(errors) == 1 and "other inputs or settings" in errors[0]
    assert "Traceback" not in other.stderr


def test_approximate_blocks_record_recall(
    session: Any, fixture_dir: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    """Without --exact the search runs per block of similar articles (blocks of
    120 here, so several) and the job measures its link recall against exact
    search on a sample."""
    fixture, _ = fixture_dir
    out = tmp_path / "out"
    manifest = _run(
        session, [str(fixture)], out, encoder="hashing:256", block=120, recall_sample=80
    )
    rec = manifest["recall"]
    assert rec["sample"] == 80 and rec["exact_links"] > 20
    assert 0.8 <= rec["recall"] <= 1.0
    assert json.loads((out / "manifest.json").read_text())["recall"] == rec
    assert manifest["counts"]["stories"] >= 20


def test_approximate_one_block_is_exact(
    session: Any, fixture_dir: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    """A corpus that fits in one block is searched as exact search is (the
    job's path for it spreads the queries over the cores instead of one task
    searching them all): every link exact search finds, from every article."""
    fixture, _ = fixture_dir
    manifest = _run(
        session,
        [str(fixture)],
        tmp_path / "out",
        encoder="hashing:256",
        block=100_000,
        recall_sample=100_000,
    )
    rec = manifest["recall"]
    assert rec["sample"] == manifest["counts"]["documents"]
    assert rec["exact_links"] > 20 and rec["found"] == rec["exact_links"]


def test_bylines_of_parquet_and_json_lines_records_reach_the_credits(
    session: Any, tmp_path: Path
) -> None:
    """A record's byline ("authors", as news crawlers write it) is its page's:
    from Parquet (read by Spark) and from JSON lines (read as `index add`
    reads them) the story's edge says the rewrite dropped it, as embedded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from retold.embed import default_encoder

    byline = "By ELENA MARSH, Northern Wire Service\n"
    wire = (ROOT / "examples" / "wire.txt").read_text(encoding="utf-8").replace(byline, "")
    spin = (ROOT / "examples" / "rewrite.txt").read_text(encoding="utf-8")
    rows = [
        {"id": "wire", "text": wire, "authors": ["Elena Marsh", " "]},
        {"id": "spin", "text": spin, "authors": []},
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    lines = tmp_path / "in.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    want = ["byline dropped: spin never names Elena Marsh"]
    for name in ("in.parquet", "in.jsonl"):
        out = tmp_path / f"out-{name}"
        _run(session, [str(tmp_path / name)], out, exact=True, encoder="use")
        (story,) = spark_stories(out)
        assert [(e["from"], e["to"], e["credits"]) for e in story["edges"]] == [
            ("wire", "spin", want)
        ], name
    (story,) = embedded_stories(lines, tmp_path / "ix", default_encoder())
    assert [e["credits"] for e in story["edges"]] == [want]


@pytest.mark.slow
def test_exact_equals_embedded_real_encoder(
    session: Any, fixture_dir: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    from retold.embed import default_encoder

    fixture, _ = fixture_dir
    _run(session, [str(fixture)], tmp_path / "out", exact=True, encoder="use")
    want = embedded_stories(fixture, tmp_path / "ix", default_encoder())
    got = spark_stories(tmp_path / "out")
    assert len(want) >= 20
    assert _comparable(got) == _comparable(want)


def test_embedded_add_encodes_each_sentence_once(tmp_path: Path) -> None:
    """The embedded index also encodes a sentence shared by several articles once
    per add (syndicated copies share most of theirs)."""
    from retold.embed import HashingEncoder
    from retold.index import Index
    from retold.types import Document

    class Counting(HashingEncoder):
        def __init__(self) -> None:
            super().__init__(256)
            self.seen: list[str] = []

        def encode(self, texts: Any) -> Any:
            self.seen.extend(texts)
            return super().encode(texts)

    shared = (
        "The city council approved the new transit budget on Tuesday after a long debate. "
        "Officials said the plan adds twelve bus routes and extends service hours downtown."
    )
    docs = [
        Document(
            f"{shared}\n\nReporter {i} spoke to commuters at the {i}th street station.", id=f"d{i}"
        )
        for i in range(4)
    ]
    enc = Counting()
    with Index(tmp_path / "ix", encoder=enc) as ix:
        assert ix.add(docs).added == 4
    assert len(enc.seen) == len(set(enc.seen))
    # the shared sentence once (and the shared headline, its first 10 words, once)
    first = "The city council approved the new transit budget on Tuesday after a long debate."
    assert enc.seen.count(first) == 1


def test_recall_sample_must_not_be_negative(tmp_path: Path) -> None:
    """A negative --recall-sample is a one-line usage error, before any Spark starts."""
    cmd = [sys.executable, "-m", "retold.spark", str(tmp_path), "--out", str(tmp_path / "o")]
    got = subprocess.run([*cmd, "--recall-sample", "-1"], capture_output=True, text=True)
    assert got.returncode == 2
    assert "--recall-sample" in got.stderr and "Traceback" not in got.stderr
    assert not (tmp_path / "o").exists()


def test_stages_of_an_older_retold_are_not_reused(session: Any, tmp_path: Path) -> None:
    """Stages saved by a retold whose stage layout or models differ (here: one
    from before the key held them) are not read back as this one's; the error
    says so, and differs from another job's."""
    from dataclasses import asdict

    from retold.errors import UsageError
    from retold.spark import JobParams
    from retold.spark.job import Stages, _same_job, engine_key

    params = JobParams(inputs=("in.jsonl",), out="")
    settings = {k: v for k, v in asdict(params).items() if k != "out"}
    for n, (saved, says) in enumerate(
        (
            (settings, "another version of retold"),
            (settings | {"engine": engine_key() | {"stages": 0}}, "another version of retold"),
            # the same version, another pipeline code (a boilerplate rule changed)
            (settings | {"engine": engine_key() | {"code": "0" * 16}}, "another version of retold"),
            (settings | {"k": 3, "engine": engine_key()}, "other inputs or settings"),
        )
    ):
        out = tmp_path / f"out-{n}"
        key = json.dumps(saved, sort_keys=True, default=list)
        session.createDataFrame([(key,)], "key string").write.parquet(f"{out}/_stages/job")
        with pytest.raises(UsageError, match=says):
            _same_job(
                session, Stages(session, str(out)), JobParams(inputs=params.inputs, out=str(out))
            )
    # the job's own stages are read back
    own = tmp_path / "own"
    _same_job(session, Stages(session, str(own)), JobParams(inputs=("in.jsonl",), out=str(own)))
    _same_job(session, Stages(session, str(own)), JobParams(inputs=("in.jsonl",), out=str(own)))
