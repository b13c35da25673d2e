"""How story building grows with the corpus: 10k and 100k articles.

    .venv/bin/python benchmarks/bench_stories_scale.py [--corpus 10000 100000] [--jobs 2]

Two parts, reported separately because they scale differently:

1. Building stories from links (clustering + derivation), the part that is
   recomputed on every `retold stories`: timed and memory-measured at 10k and
   100k articles on synthetic links shaped like a news corpus (families of 1-8
   articles: a source, rewrites, rewrites of rewrites; ~10 candidate links per
   article of which most are weak same-story or unrelated), with the growth
   ratio. Baseline in the same run: connected components by breadth-first
   search over the same links.
2. Linking, done once per article when it is first seen: the per-article cost
   of `StoryBook.update` measured on a real index of shared news texts, which
   is one candidate search per article and the verification of the plausible
   candidates; candidate generation alone is timed separately.
3. The whole job on indexed corpora of ``--corpus`` sizes (default 10k and
   100k): an index of article families built from the shared texts (see
   :func:`families`; the real encoder's sentence vectors, computed once and
   cached by benchmarks/bench_index.py), then ``StoryBook.update(jobs=...)``
   linking every article and ``stories()`` building the stories. Time, memory
   (the parent's peak and the largest worker's) and the growth from the
   smallest to the largest corpus.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict, deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from retold.stories import Article, Link, build_stories
from retold.types import Document


def synthetic(n: int, seed: int = 3) -> tuple[dict[str, Article], list[Link]]:
    rng = random.Random(seed)
    arts: dict[str, Article] = {}
    links: list[Link] = []
    ids: list[str] = []
    i = 0
    while i < n:
        size = min(n - i, rng.choice((1, 1, 2, 3, 4, 6, 8)))
        fam = [f"d{i + j}" for j in range(size)]
        day = rng.randrange(1, 28)
        for j, d in enumerate(fam):
            timed = rng.random() < 0.7
            arts[d] = Article(
                d, f"title {d}", f"2026-01-{day:02d}T{j:02d}:00:00Z" if timed else None
            )
            if j:
                parent = fam[rng.randrange(j)]
                links.append(
                    Link(parent, d, "rewrite", 0.8, rng.uniform(0.5, 1), rng.uniform(0.5, 1))
                )
        ids += fam
        i += size
    # weak candidate links: same-story between random articles of a day, unrelated noise
    for _ in range(n * 3):
        a, b = rng.sample(ids, 2)
        links.append(Link(a, b, "same-story", rng.uniform(0.3, 0.59), 0.0, 0.0))
    return arts, links


def bfs_components(ids: list[str], links: list[Link]) -> int:
    adj: dict[str, list[str]] = defaultdict(list)
    for ln in links:
        if ln.verdict != "same-story" or ln.similarity >= 0.6:
            adj[ln.a].append(ln.b)
            adj[ln.b].append(ln.a)
    seen: set[str] = set()
    n = 0
    for x in ids:
        if x in seen:
            continue
        n += 1
        q = deque([x])
        seen.add(x)
        while q:
            for y in adj[q.popleft()]:
                if y not in seen:
                    seen.add(y)
                    q.append(y)
    return n


def build_part() -> dict[str, object]:
    out: dict[str, object] = {}
    for n in (10_000, 100_000):
        arts, links = synthetic(n)
        t = time.perf_counter()
        stories = build_stories(arts, links)
        secs = time.perf_counter() - t
        # memory in a second run: tracing slows Python down several times
        tracemalloc.start()
        build_stories(arts, links)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        t = time.perf_counter()
        bfs_components(list(arts), links)
        base = time.perf_counter() - t
        out[f"n{n}"] = {
            "links": len(links),
            "stories": len(stories),
            "seconds": round(secs, 3),
            "peak_mb": round(peak / 2**20, 1),
            "bfs_baseline_seconds": round(base, 3),
            "vs_bfs": round(secs / base, 2),
        }
    a, b = out["n10000"], out["n100000"]
    assert isinstance(a, dict) and isinstance(b, dict)
    out["growth_10k_to_100k"] = round(b["seconds"] / a["seconds"], 2)
    return out


def link_part(n_docs: int = 300) -> dict[str, object]:
    from _data import l2r_news
    from retold.index import Index
    from retold.stories import StoryBook

    sources, rewrites = l2r_news()
    docs = [Document(t, id=k) for k, t in list(sources.items())[: n_docs // 2]]
    docs += [Document(r["text"], id=r["id"]) for r in rewrites[: n_docs - len(docs)]]
    with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "ix") as ix:
        ix.add(docs)
        # the share of candidate generation alone (no verification)
        t = time.perf_counter()
        for d in ix.ids():
            query = ix.prepared(d)
            assert query is not None
            ix.search(query, 11, verify=False)
        cand = time.perf_counter() - t
        with StoryBook(ix) as book:
            t = time.perf_counter()
            book.update()
            secs = time.perf_counter() - t
    per = secs / len(docs)
    return {
        "articles": len(docs),
        "link_seconds": round(secs, 1),
        "ms_per_article": round(per * 1e3, 1),
        "of_which_candidates_ms": round(cand / len(docs) * 1e3, 1),
        "projected_hours_for_100k_articles": round(per * 100_000 / 3600, 2),
    }


def families(arts: list[list[str]], n: int, seed: int = 5) -> list[Document]:
    """``n`` articles in families shaped like a news feed, from whole sentences
    of the shared texts (so every sentence vector is precomputed).

    A family is a source and 0-5 articles derived from it or from each other:
    trimmed copies (a third of the sentences dropped), reordered trims, and
    extended copies (a few sentences of another text added, which also makes
    the weak links between families a real feed has). When the 12.8k source
    texts run out they are used again, each time a random 70% of their
    sentences (a follow-up story reusing background).
    """
    rng = random.Random(seed)
    pool = [a for a in arts if len(a) >= 4]
    rng.shuffle(pool)
    out: list[Document] = []
    uses = 0
    while len(out) < n:
        src = pool[uses % len(pool)]
        if uses >= len(pool):
            src = rng.sample(src, max(3, len(src) * 7 // 10))
        uses += 1
        fam = [src]
        for _ in range(min(n - len(out) - 1, rng.choice((0, 0, 1, 2, 3, 5)))):
            base = fam[rng.randrange(len(fam))]
            kind = rng.random()
            keep = sorted(rng.sample(range(len(base)), max(2, len(base) * 2 // 3)))
            if kind < 0.4:
                made = [base[i] for i in keep]
            elif kind < 0.7:
                made = [base[i] for i in keep]
                rng.shuffle(made)
            else:
                made = base + rng.choice(pool)[:3]
            fam.append(made)
        out += [Document("\n\n".join(f), id=f"f{len(out) + j}") for j, f in enumerate(fam)]
    return out[:n]


def corpus_part(sizes: list[int], jobs: int) -> dict[str, object]:
    from bench_index import Precomputed, _peak_rss_mb, sentence_pool
    from retold.index import Index
    from retold.stories import StoryBook

    arts, table = sentence_pool(jobs)
    out: dict[str, object] = {"jobs": jobs}
    for n in sizes:
        docs = families(arts, n)
        with tempfile.TemporaryDirectory() as tmp:
            with Index(Path(tmp) / "ix", encoder=Precomputed(table)) as ix:
                t = time.perf_counter()
                ix.add(docs, jobs=jobs)
                t_index = time.perf_counter() - t
            with Index(Path(tmp) / "ix", create=False) as ix, StoryBook(ix) as book:
                t = time.perf_counter()
                counts = book.update(jobs=jobs)
                t_link = time.perf_counter() - t
                t = time.perf_counter()
                found = book.stories()
                t_build = time.perf_counter() - t
        sizes_ = [len(s.articles) for s in found]
        out[f"n{n}"] = {
            "articles": counts["searched"],
            "links": counts["links"],
            "stories": len(found),
            "largest_story": max(sizes_, default=0),
            "index_seconds_without_encoding": round(t_index, 1),
            "link_seconds": round(t_link, 1),
            "link_ms_per_article_wall": round(t_link / max(1, counts["searched"]) * 1e3, 2),
            # denser corpora have more relatives per article: per link is the fair rate
            "links_per_article": round(counts["links"] / max(1, counts["searched"]), 2),
            "link_ms_per_link_wall": round(t_link / max(1, counts["links"]) * 1e3, 3),
            "build_stories_seconds": round(t_build, 2),
            "build_us_per_link": round(t_build / max(1, counts["links"]) * 1e6, 1),
            "parent_peak_rss_mb": _peak_rss_mb(),
            "largest_worker_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
            ),
        }
    if len(sizes) > 1:
        a, b = out[f"n{sizes[0]}"], out[f"n{sizes[-1]}"]
        assert isinstance(a, dict) and isinstance(b, dict)
        out["size_ratio"] = round(sizes[-1] / sizes[0], 1)
        out["link_time_growth"] = round(b["link_seconds"] / a["link_seconds"], 2)
        out["links_growth"] = round(b["links"] / a["links"], 2)
        out["build_time_growth"] = round(b["build_stories_seconds"] / a["build_stories_seconds"], 2)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    result: dict[str, object] = {"build": build_part(), "link": link_part()}
    if a.corpus:
        result["corpus"] = corpus_part(a.corpus, a.jobs)
    print(json.dumps(result, indent=2))
