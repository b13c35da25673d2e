"""Stories from links with DataFrames: connected components, then the pure core.

Connected components use the large-star / small-star alternation (Kiveris et
al., "Connected Components in MapReduce and Beyond", SoCC 2014): each round
joins and groups the edge list twice and the result converges to stars around
each component's smallest id in O(log n) rounds, with no graph library (no
GraphFrames jar). Which links join two articles is decided by
:func:`retold.stories.cluster` itself (on the pair), and each component's
stories and derivation edges by :func:`retold.stories.build_stories`.
"""

from __future__ import annotations

from typing import Any

#: rounds after which the alternation is stopped (it converges in far fewer)
MAX_ROUNDS = 64


def _link(r: dict[str, Any]) -> Any:
    from retold.stories import Link, load_credits

    return Link(
        r["a"],
        r["b"],
        r["verdict"],
        float(r["similarity"]),
        float(r["a_in_b"]),
        float(r["b_in_a"]),
        float(r["a_first"]),
        float(r["verbatim"]),
        _measure(r.get("a_match")),
        _measure(r.get("b_match")),
        load_credits(r.get("a_credits")),
        load_credits(r.get("b_credits")),
        measured=r["found"] == "verified",
    )


def _measure(v: Any) -> float | None:
    """A nullable double column's value (pandas reads a null as NaN)."""
    return None if v is None or v != v else float(v)


def joining(links: Any, min_similarity: float) -> Any:
    """The links that put their two articles in one story (as the stories core says)."""
    from retold.spark.work import frame
    from retold.stories import cluster

    def keep(batches: Any) -> Any:
        for df in batches:
            rows = [
                (r["a"], r["b"])
                for r in df.to_dict("records")
                if len(cluster([r["a"], r["b"]], [_link(r)], min_similarity)) == 1
            ]
            yield frame(rows, ["src", "dst"])

    return links.mapInPandas(keep, "src string, dst string")


def _large_star(e: Any) -> Any:
    from pyspark.sql import functions as F

    both = e.unionByName(e.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
    m = both.groupBy("src").agg(F.least(F.min("dst"), F.first("src")).alias("m"))
    return (
        both.where("dst > src")
        .join(m, "src")
        .select(F.col("dst").alias("src"), F.col("m").alias("dst"))
        .distinct()
    )


def _small_star(e: Any) -> Any:
    from pyspark.sql import functions as F

    # every edge from its larger end to its smaller end
    o = e.select(F.greatest("src", "dst").alias("src"), F.least("src", "dst").alias("dst"))
    m = o.groupBy("src").agg(F.min("dst").alias("m"))
    nbrs = o.join(m, "src").select(F.col("dst").alias("src"), F.col("m").alias("dst"))
    selfs = m.select("src", F.col("m").alias("dst"))
    return nbrs.unionByName(selfs).where("src != dst").distinct()


def components(links: Any, min_similarity: float) -> Any:
    """``(id, comp)``: each linked article and the smallest id of its story."""
    from pyspark.sql import functions as F

    e = joining(links, min_similarity).where("src != dst").distinct().localCheckpoint()
    for _ in range(MAX_ROUNDS):
        nxt = _small_star(_large_star(e)).localCheckpoint()
        changed = not nxt.exceptAll(e).isEmpty() or not e.exceptAll(nxt).isEmpty()
        e = nxt
        if not changed:
            break
    roots = e.select(F.col("dst").alias("id")).distinct()
    return e.select(F.col("src").alias("id"), F.col("dst").alias("comp")).unionByName(
        roots.select("id", F.col("id").alias("comp"))
    )


STORY_SCHEMA = (
    "kind string, story string, id string, label string, first_published string, "
    "target string, verdict string, coverage double, evidence string, credits string"
)


def _story_rows(arts: Any, links: Any, min_similarity: float) -> Any:
    """cogroup: one component's articles and links to its stories and edges."""
    from retold.spark.work import frame
    from retold.stories import Article, build_stories, dump_credits

    articles = {
        r["id"]: Article(r["id"], r["title"], r["published"], r["url"])
        for r in arts.to_dict("records")
    }
    lns = []
    for r in links.to_dict("records"):
        lns.append(_link(r))
        # the other end of a link leaving the story (it does not join it)
        articles.setdefault(r["b"], Article(r["b"], r["b_title"], r["b_published"], r["b_url"]))
    rows: list[dict[str, Any]] = []
    for s in build_stories(articles, lns, min_similarity=min_similarity):
        for m in s.articles:
            rows.append(
                {
                    "kind": "article",
                    "story": s.id,
                    "id": m,
                    "label": s.label,
                    "first_published": s.first_published,
                }
            )
        for e in s.edges:
            rows.append(
                {
                    "kind": "edge",
                    "story": s.id,
                    "id": e.source,
                    "target": e.target,
                    "verdict": e.verdict,
                    "coverage": float(e.coverage),
                    "evidence": e.evidence,
                    "credits": dump_credits(e.credits),
                }
            )
    cols = [c.split()[0] for c in STORY_SCHEMA.split(", ")]
    return frame(rows, cols)


def stories(articles: Any, links: Any, comps: Any, params: Any) -> Any:
    """Stories and derivation edges per component (one row per member or edge)."""
    from pyspark.sql import functions as F

    arts = articles.join(comps, "id")
    other = articles.select(
        F.col("id").alias("b"),
        F.col("title").alias("b_title"),
        F.col("published").alias("b_published"),
        F.col("url").alias("b_url"),
    )
    of_a = comps.select(F.col("id").alias("a"), F.col("comp").alias("link_comp"))
    lns = links.join(of_a, "a").join(other, "b", "left")
    ms = params.min_similarity
    return (
        arts.groupBy("comp")
        .cogroup(lns.groupBy("link_comp"))
        .applyInPandas(lambda a, b: _story_rows(a, b, ms), STORY_SCHEMA)
    )
