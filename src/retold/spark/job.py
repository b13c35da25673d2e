"""The stages of ``retold spark stories``, each saved under the output directory.

A stage whose Parquet output is complete (Spark's ``_SUCCESS`` marker) is read
back instead of computed again, so a killed job resumes where it stopped; a
stage cut off half-way is written again from scratch (``overwrite``), so
nothing is counted twice.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from retold.index.sketch import SketchParams
from retold.spark import components, work
from retold.spark.inputs import RAW_SCHEMA, read_stage
from retold.spark.linking import blocks, build_index, search_block, search_partition
from retold.spark.session import master_of, parallelism, ship
from retold.stories import JOIN_SIMILARITY

#: MinHash Jaccard at or above which a later document is a near duplicate (as the index)
NEAR_DUPLICATE = 0.9
#: documents per block of the approximate candidate search
BLOCK = 2000


@dataclass(frozen=True, slots=True)
class JobParams:
    """What the job was asked to do (recorded in ``manifest.json``)."""

    inputs: tuple[str, ...]
    out: str
    exact: bool = False
    k: int = 10
    min_similarity: float = JOIN_SIMILARITY
    #: "use" (the default multilingual encoder) or "hashing:<dim>" (cheap, lexical)
    encoder: str = "use"
    #: documents per block of the approximate search
    block: int = BLOCK
    #: documents sampled to measure the approximate search's recall (0: none)
    recall_sample: int = 300


class Stages:
    """Parquet stages under ``<out>/_stages``: computed once, then read back."""

    def __init__(self, spark: Any, out: str) -> None:
        self.spark = spark
        self.root = out.rstrip("/") + "/_stages"
        self.computed: list[str] = []
        self.reused: list[str] = []

    def _done(self, path: str) -> bool:
        if "://" not in path or path.startswith("file://"):
            return (Path(path.removeprefix("file://")) / "_SUCCESS").exists()
        try:
            self.spark.read.parquet(path).schema  # noqa: B018  (raises when absent)
            return True
        except Exception:
            return False

    def get(self, name: str, build: Any) -> Any:
        path = f"{self.root}/{name}"
        if self._done(path):
            self.reused.append(name)
        else:
            build().write.mode("overwrite").parquet(path)
            self.computed.append(name)
        return self.spark.read.parquet(path)


def run(spark: Any, params: JobParams, log: Any = None) -> dict[str, Any]:
    """Run (or resume) the job; returns the manifest it writes."""
    from pyspark.sql import functions as F

    say = log or (lambda msg: None)
    started = time.monotonic()
    st = Stages(spark, params.out)
    sketch = SketchParams()

    _same_job(spark, st, params)
    raw = st.get("raw", lambda: read_stage(spark, list(params.inputs)))
    say("read")
    # ids: the first occurrence of an id wins (rejected records hold no id)
    unique = st.get("unique", lambda: _first_by(raw.where("reason IS NULL"), "id"))
    extracted = st.get(
        "extracted",
        lambda: unique.mapInPandas(
            work.extract,
            "ord long, id string, origin string, publisher string, doc string, "
            "hash binary, reason string",
        ),
    )
    say("extracted")
    good = extracted.where("reason IS NULL")
    # exact copies: the first document with a content hash is the original
    firsts = st.get("originals", lambda: _first_by(good, "hash"))
    copies = good.join(firsts.select("hash", F.col("id").alias("of")), "hash").where("id != of")
    encoded = st.get("encoded", lambda: _encode(firsts, params.encoder))
    say("encoded")
    recs = st.get(
        "records",
        lambda: encoded.mapInPandas(
            lambda b: work.records(b, params.encoder, sketch), _record_schema()
        ),
    )
    say("prepared")
    live = recs.where("reason IS NULL")
    near = st.get("near", lambda: _near(live))
    pairs = st.get("candidates", lambda: _candidates(spark, params, encoded, live))
    say("candidates")
    links = st.get("verified", lambda: _verify(pairs, live))
    say("verified")
    manifest = _finish(
        spark, params, st, raw, extracted, copies, recs, near, links, encoded, started
    )
    say("outputs written")
    if not params.exact and params.recall_sample:
        manifest["recall"] = _recall(spark, params, encoded, live, links)
        say(f"approximate link recall against exact search: {manifest['recall']}")
        _write_text(
            spark, params.out.rstrip("/") + "/manifest.json", json.dumps(manifest, indent=2)
        )
    return manifest


def _recall(spark: Any, params: JobParams, encoded: Any, live: Any, links: Any) -> dict[str, Any]:
    """Of the links exact search finds from a sample of documents (pseudo-random:
    by a hash of the id), the share the approximate search found too. The
    exact search needs the whole corpus's index on the driver; set
    ``recall_sample`` to 0 on corpora too large for that."""
    from pyspark.sql import functions as F

    sample = live.orderBy(F.sha2("id", 256)).limit(params.recall_sample).select("id").cache()
    pairs = _exact_candidates(spark, params, encoded, sample, name="recall-index")
    ref = {(r["a"], r["b"]) for r in _verify(pairs, live).select("a", "b").collect()}
    ids = {r["id"] for r in sample.collect()}
    got = {
        (r["a"], r["b"]) for r in links.select("a", "b").collect() if r["a"] in ids or r["b"] in ids
    }
    found = len(ref & got)
    return {
        "sample": len(ids),
        "exact_links": len(ref),
        "found": found,
        "recall": round(found / len(ref), 4) if ref else 1.0,
    }


#: the layout of the saved stages: raise it whenever a stage's columns or
#: their meaning change, so that a run resumed by a newer retold recomputes
#: rather than reading stale columns (3: links carry a_match / b_match;
#: 4: links carry a_credits / b_credits, edges their credits, records the byline)
STAGES_FORMAT = 4


#: the parts of retold whose code does not shape a saved stage: the faces
#: over the pipeline, and the job itself (its layout is :data:`STAGES_FORMAT`)
_NOT_IN_STAGES = ("cli", "report", "service", "spark")


def engine_key() -> dict[str, Any]:
    """What, besides the job's settings, the saved stages depend on: the
    stages' layout, retold's version, the learned models (a verified link
    holds the decision model's probabilities) and the pipeline's code (a
    change of boilerplate or segmentation rules changes every stage, and the
    version is not bumped for each)."""
    import hashlib
    from importlib import resources
    from pathlib import Path

    import retold

    h = hashlib.sha256()
    models = resources.files("retold.models")
    for name in sorted(p.name for p in models.iterdir() if p.name.endswith((".json", ".npz"))):
        h.update(name.encode() + models.joinpath(name).read_bytes())
    code = hashlib.sha256()
    root = Path(retold.__file__).parent
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] not in _NOT_IN_STAGES:
            code.update(rel.as_posix().encode() + b"\0" + path.read_bytes())
    return {
        "stages": STAGES_FORMAT,
        "retold": retold.__version__,
        "models": h.hexdigest()[:16],
        "code": code.hexdigest()[:16],
    }


def _same_job(spark: Any, st: Stages, params: JobParams) -> None:
    """Saved stages are reused only by the job that saved them (same inputs and
    settings, same retold and models): another job's stages would mix two
    corpora, and an older retold's would hold stale columns."""
    from retold.errors import UsageError

    settings = {k: v for k, v in asdict(params).items() if k != "out"}
    key = json.dumps(settings | {"engine": engine_key()}, sort_keys=True)
    saved = st.get("job", lambda: spark.createDataFrame([(key,)], "key string")).first()
    if saved is None or saved["key"] == key:
        return
    try:
        old = json.loads(saved["key"])
    except ValueError:
        old = {}
    if isinstance(old, dict) and json.loads(json.dumps(settings)) == {
        k: v for k, v in old.items() if k != "engine"
    }:
        raise UsageError(
            f"{params.out} holds stages saved by another version of retold or of its "
            "models; delete it (or give another --out) to compute them again with this one"
        )
    raise UsageError(
        f"{params.out} holds the stages of a job with other inputs or settings; "
        "give another --out, or delete it to start over"
    )


def _first_by(df: Any, key: str) -> Any:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy(key).orderBy("ord")
    return df.withColumn("_n", F.row_number().over(w)).where("_n = 1").drop("_n")


def _record_schema() -> str:
    return (
        "ord long, id string, origin string, text string, hash binary, title string, "
        "url string, published string, publisher string, language string, byline string, "
        "vectors binary, "
        "n_sentences int, dim int, doc_vector binary, head binary, signature array<long>, "
        "band_keys array<long>, terms array<string>, doc string, reason string"
    )


def _encode(firsts: Any, spec: str) -> Any:
    """Segment every original, encode each distinct sentence of the job once, and
    give each document its sentences and their vectors (in order)."""
    from pyspark.sql import functions as F

    sents = firsts.mapInPandas(work.sentences, "id string, sentences array<string>, reason string")
    docs = firsts.select("ord", "id", "origin", "publisher", "doc", "hash").join(sents, "id")
    exploded = docs.select("id", F.posexplode("sentences").alias("pos", "text")).withColumn(
        "key", F.sha2("text", 256)
    )
    distinct = exploded.select("key", "text").dropDuplicates(["key"])
    vecs = distinct.mapInPandas(lambda b: work.encode(b, spec), "key string, vec binary")
    per_doc = (
        exploded.join(vecs, "key")
        .groupBy("id")
        .agg(F.sort_array(F.collect_list(F.struct("pos", "vec"))).alias("pv"))
        .select("id", F.col("pv.vec").alias("vecs"))
    )
    return docs.join(per_doc, "id", "left").drop("reason")


def _near(live: Any) -> Any:
    """Near duplicates: for each document, the earlier document sharing a MinHash
    band with the highest Jaccard estimate (ties: the earliest), at >= 0.9."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = live.select("id", "ord", "signature", F.explode("band_keys").alias("key"))
    a, b = keys.alias("a"), keys.alias("b")
    pairs = (
        a.join(b, "key")
        .where("a.ord < b.ord")
        .select(
            F.col("a.id").alias("a"),
            F.col("b.id").alias("b"),
            F.col("a.ord").alias("ord_a"),
            F.col("a.signature").alias("sig_a"),
            F.col("b.signature").alias("sig_b"),
        )
        .dropDuplicates(["a", "b"])
    )
    scored = pairs.mapInPandas(
        lambda it: work.near_best(it, NEAR_DUPLICATE),
        "a string, b string, ord_a long, jaccard double",
    )
    w = Window.partitionBy("b").orderBy(F.desc("jaccard"), "ord_a")
    return (
        scored.withColumn("_n", F.row_number().over(w))
        .where("_n = 1")
        .select(F.col("a").alias("of"), F.col("b").alias("id"), "jaccard")
    )


def _candidates(spark: Any, params: JobParams, encoded: Any, live: Any) -> Any:
    if params.exact:
        return _exact_candidates(spark, params, encoded, live)
    return _block_candidates(spark, params, encoded, live)


def index_path(params: JobParams) -> Path:
    """Where the driver builds the exact mode's index (a local directory)."""
    out = params.out
    if "://" in out and not out.startswith("file://"):
        import tempfile

        return Path(tempfile.mkdtemp(prefix="retold-spark-index-")) / "index"
    return Path(out.removeprefix("file://")) / "_stages" / "index"


def _exact_candidates(
    spark: Any, params: JobParams, encoded: Any, live: Any, name: str = "index"
) -> Any:
    """Every document of ``live`` searched in one index of the whole corpus
    (built on the driver from the job's vectors, shipped to the executors)."""
    path = index_path(params).with_name(name)
    if path.exists():
        shutil.rmtree(path)  # a half-built index from a killed run
    rows = encoded.orderBy("ord").toLocalIterator()
    build_index(path, (r.asDict() for r in rows), params.encoder)
    where = str(path)
    if not master_of(spark).startswith("local"):
        # executors elsewhere get the index as one file (Spark ships no directories)
        tar = shutil.make_archive(str(path), "tar", root_dir=path.parent, base_dir=path.name)
        ship(spark, tar)
        where = Path(tar).name
    ids = live.select("id").repartition(parallelism(spark))
    spec, k = params.encoder, params.k
    return ids.mapInPandas(
        lambda b: search_partition(b, where, spec, k), "a string, b string"
    ).distinct()


def _block_candidates(spark: Any, params: JobParams, encoded: Any, live: Any) -> Any:
    """Approximate: documents grouped in blocks around sampled centroids (each in
    its two nearest blocks), each block searched with its own index, plus every
    pair sharing a MinHash band (copies are never missed across blocks)."""
    import numpy as np
    from pyspark.sql import functions as F

    n = live.count()
    if not n:
        return spark.createDataFrame([], "a string, b string")
    n_blocks = -(-n // params.block)
    if n_blocks == 1:
        # one block is the whole corpus: exact search, whose queries spread over
        # every core (one block would be one task)
        return _exact_candidates(spark, params, encoded, live)
    # the blocks follow the corpus alone, never the cores: the links found
    # must not depend on the cluster the job runs on
    sample = live.select("doc_vector", "hash").orderBy("hash").limit(n_blocks).collect()
    cents = np.stack([np.frombuffer(r["doc_vector"], dtype=np.float16) for r in sample])
    per_doc = min(2, n_blocks)
    assigned = live.select("id", "doc_vector").mapInPandas(
        lambda b: blocks(b, cents.astype(np.float32), per_doc), "id string, block long"
    )
    spec, k = params.encoder, params.k
    blocked = (
        encoded.join(assigned, "id")
        .groupBy("block")
        .applyInPandas(lambda df: search_block(df, spec, k), "a string, b string")
    )
    keys = live.select("id", F.explode("band_keys").alias("key"))
    banded = (
        keys.alias("x")
        .join(keys.alias("y"), "key")
        .where("x.id < y.id")
        .select(F.col("x.id").alias("a"), F.col("y.id").alias("b"))
    )
    return blocked.unionByName(banded).distinct()


def _verify(pairs: Any, live: Any) -> Any:
    from pyspark.sql import functions as F

    cols = [
        "id",
        "text",
        "title",
        "url",
        "published",
        "language",
        "byline",
        "vectors",
        "head",
        "n_sentences",
        "dim",
    ]
    side = live.select(*cols)
    a = side.select(*[F.col(c).alias("a_" + c) for c in cols])
    b = side.select(*[F.col(c).alias("b_" + c) for c in cols])
    joined = pairs.join(a, pairs.a == a.a_id).join(b, pairs.b == b.b_id).drop("a", "b")
    n = parallelism(joined.sparkSession)
    # the pairs of one document together, so a task prepares it once
    return (
        joined.repartition(n, "a_id")
        .sortWithinPartitions("a_id")
        .mapInPandas(
            work.verify_pairs,
            "a string, b string, verdict string, similarity double, a_in_b double, "
            "b_in_a double, a_first double, verbatim double, a_match double, b_match double, "
            "a_credits string, b_credits string",
        )
    )


def _finish(
    spark: Any,
    params: JobParams,
    st: Stages,
    raw: Any,
    extracted: Any,
    copies: Any,
    recs: Any,
    near: Any,
    links: Any,
    encoded: Any,
    started: float,
) -> dict[str, Any]:
    """Links, stories and edges, the output tables and the manifest."""
    from pyspark.sql import functions as F

    out = params.out.rstrip("/")
    live = recs.where("reason IS NULL")
    # copies whose original was rejected share its fate (as in the embedded add)
    lost = copies.join(recs.where("reason IS NOT NULL").select(F.col("id").alias("of")), "of")
    kept_copies = copies.join(lost.select("id"), "id", "left_anti")
    dup_links = kept_copies.select(
        F.col("of").alias("a"), F.col("id").alias("b"), F.lit("duplicate").alias("verdict")
    ).unionByName(
        near.select(
            F.col("of").alias("a"), F.col("id").alias("b"), F.lit("near-duplicate").alias("verdict")
        )
    )
    all_links = st.get("links", lambda: _all_links(links, dup_links))
    articles = live.select("id", "title", "published", "url").unionByName(
        kept_copies.select(
            "id",
            *[F.lit(None).cast("string").alias(c) for c in ("title", "published", "url")],
        )
    )
    comps = st.get("components", lambda: components.components(all_links, params.min_similarity))
    built = st.get("stories_edges", lambda: components.stories(articles, all_links, comps, params))
    _write_outputs(spark, out, raw, extracted, recs, lost, kept_copies, near, all_links, built)
    manifest = _manifest(spark, params, st, raw, encoded, live, kept_copies, near, built, started)
    _write_text(spark, out + "/manifest.json", json.dumps(manifest, indent=2))
    return manifest


def _all_links(links: Any, dup_links: Any) -> Any:
    from pyspark.sql import functions as F

    one = F.lit(1.0)
    return links.withColumn("found", F.lit("verified")).unionByName(
        dup_links.select(
            "a",
            "b",
            "verdict",
            F.when(F.col("verdict") == "duplicate", "exact copy")
            .otherwise("minhash")
            .alias("found"),
            one.alias("similarity"),
            one.alias("a_in_b"),
            one.alias("b_in_a"),
            F.lit(0.0).alias("a_first"),
            one.alias("verbatim"),
            # not measured: the stories core reads the coverage in their place
            F.lit(None).cast("double").alias("a_match"),
            F.lit(None).cast("double").alias("b_match"),
            # an exact copy keeps every credit; a near one was not read (as embedded)
            *[
                F.when(F.col("verdict") == "duplicate", F.lit("[]"))
                .otherwise(F.lit(None).cast("string"))
                .alias(c)
                for c in ("a_credits", "b_credits")
            ],
        )
    )


def _write_outputs(
    spark: Any,
    out: str,
    raw: Any,
    extracted: Any,
    recs: Any,
    lost: Any,
    copies: Any,
    near: Any,
    links: Any,
    built: Any,
) -> None:
    from pyspark.sql import functions as F

    rejected = (
        raw.where("reason IS NOT NULL")
        .select(F.col("origin").alias("input"), "reason")
        .unionByName(
            extracted.where("reason IS NOT NULL").select(F.col("origin").alias("input"), "reason")
        )
        .unionByName(
            recs.where("reason IS NOT NULL").select(F.col("origin").alias("input"), "reason")
        )
        .unionByName(
            lost.join(
                recs.select(F.col("id").alias("of"), F.col("reason").alias("why")), "of"
            ).select(F.col("origin").alias("input"), F.col("why").alias("reason"))
        )
    )
    rejected.write.mode("overwrite").parquet(out + "/rejected")
    meta = ["id", "url", "title", "published", "publisher", "origin"]
    live = recs.where("reason IS NULL").select(*meta)
    near_of = near.select("id", F.col("of").alias("near_of"))
    docs = (
        live.join(near_of, "id", "left")
        .select(
            *meta,
            F.when(F.col("near_of").isNotNull(), "near-duplicate")
            .otherwise("original")
            .alias("status"),
            F.col("near_of").alias("of"),
        )
        .unionByName(
            copies.select("id", "doc", "origin", "publisher", "of").select(
                "id",
                F.get_json_object("doc", "$.url").alias("url"),
                F.get_json_object("doc", "$.title").alias("title"),
                F.get_json_object("doc", "$.date").alias("published"),
                "publisher",
                "origin",
                F.lit("duplicate").alias("status"),
                "of",
            )
        )
    )
    docs.write.mode("overwrite").parquet(out + "/documents")
    links.write.mode("overwrite").parquet(out + "/links")
    built.where("kind = 'article'").select("story", "id", "label", "first_published").write.mode(
        "overwrite"
    ).parquet(out + "/stories")
    built.where("kind = 'edge'").select(
        "story",
        F.col("id").alias("source"),
        "target",
        "verdict",
        F.col("coverage").alias("share"),
        "evidence",
        "credits",
    ).write.mode("overwrite").parquet(out + "/edges")


def _manifest(
    spark: Any,
    params: JobParams,
    st: Stages,
    raw: Any,
    encoded: Any,
    live: Any,
    copies: Any,
    near: Any,
    built: Any,
    started: float,
) -> dict[str, Any]:
    import pyspark
    from pyspark.sql import functions as F

    from retold import __version__

    out = params.out.rstrip("/")
    n_sent = (
        encoded.select(F.coalesce(F.size("sentences"), F.lit(0)).alias("n"))
        .agg(F.sum("n"))
        .first()[0]
    )
    n_distinct = (
        encoded.select(F.explode("sentences").alias("t")).distinct().count() if n_sent else 0
    )
    counts = {
        "records": raw.count(),
        "rejected": spark.read.parquet(out + "/rejected").count(),
        "documents": live.count(),
        "duplicates": copies.count(),
        "near_duplicates": near.count(),
        "links": spark.read.parquet(out + "/links").count(),
        "stories": built.where("kind = 'article'").select("story").distinct().count(),
        "edges": built.where("kind = 'edge'").count(),
        "sentences": int(n_sent or 0),
        "distinct_sentences": int(n_distinct),
    }
    counts["skipped_repeated_ids"] = (
        counts["records"] - counts["rejected"] - counts["documents"] - counts["duplicates"]
    )
    return {
        "retold": __version__,
        "pyspark": pyspark.__version__,
        "spark": spark.version,
        "master": master_of(spark),
        "parameters": asdict(params),
        "counts": counts,
        "sentences_not_reencoded": (round(1 - n_distinct / n_sent, 4) if n_sent else 0.0),
        "stages_computed": st.computed,
        "stages_reused": st.reused,
        "seconds": round(time.monotonic() - started, 2),
    }


def _write_text(spark: Any, path: str, text: str) -> None:
    if "://" not in path or path.startswith("file://"):
        Path(path.removeprefix("file://")).write_text(text + "\n", encoding="utf-8")
        return
    spark.createDataFrame([(text,)], "value string").coalesce(1).write.mode("overwrite").text(path)


__all__ = ["RAW_SCHEMA", "JobParams", "run"]
