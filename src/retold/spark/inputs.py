"""The read stage: inputs of every kind as one DataFrame of raw records.

Files are listed on the driver (local paths in the embedded reader's order;
other URIs through Spark's own file listing) and read on the executors, one
task per file, with retold's readers (:mod:`retold.index.readers`): WARC and
WARC.gz, JSON lines, text and HTML files. Parquet inputs are read by Spark.
Every record gets ``ord``, its position in the embedded reader's order
(file number × 2³² + record number), so "first occurrence wins" means the same
thing as in ``retold index add``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from retold.ingest.records import RawDoc, Rejected

RAW_COLS = (
    "ord",
    "id",
    "origin",
    "kind",
    "data_bin",
    "data_str",
    "url",
    "title",
    "published",
    "publisher",
    "byline",
    "charset",
    "reason",
)
RAW_SCHEMA = (
    "ord long, id string, origin string, kind string, data_bin binary, data_str string, "
    "url string, title string, published string, publisher string, byline string, "
    "charset string, "
    "reason string"
)
_SHIFT = 1 << 32
_PARQUET = (".parquet", ".parq")


def _scheme(arg: str) -> str | None:
    head, sep, _ = arg.partition("://")
    return head.lower() if sep and head.isalpha() else None


def list_inputs(args: list[str]) -> tuple[list[tuple[int, str, str | None]], list[Rejected]]:
    """``(file number, path to show, URI to fetch or None)`` for every input file,
    and the inputs that do not exist. Local files are walked as the embedded
    reader walks them; a URI (s3a://, gs://, hdfs://, file://) is listed by Spark."""
    files: list[tuple[int, str, str | None]] = []
    missing: list[Rejected] = []
    for arg in args:
        if _scheme(arg) not in (None, "file"):
            files.extend((len(files) + i, p, p) for i, p in enumerate(_spark_list(arg)))
            continue
        local = arg[len("file://") :] if arg.startswith("file://") else arg
        p = Path(local)
        if not p.exists():
            missing.append(Rejected(arg, "no such file or directory"))
        elif p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                files.extend(
                    (len(files), str(Path(dirpath) / f), "walk")
                    for f in sorted(filenames)
                    if not f.startswith(".")
                )
        else:
            files.append((len(files), str(p), None))
    return files, missing


def _byline_column(df: Any, cols: set[str]) -> Any:
    """A Parquet input's byline, under the names the JSON lines reader takes
    (``byline``, ``author``, ``authors``; a list of names joined by commas)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType

    parts = []
    for name in ("byline", "author", "authors"):
        if name not in cols:
            continue
        c = F.col(name)
        if isinstance(df.schema[name].dataType, ArrayType):
            c = F.concat_ws(
                ", ", F.expr(f"filter(transform(`{name}`, x -> trim(x)), x -> x <> '')")
            )
        c = F.trim(c.cast("string"))
        parts.append(F.when(c != "", c))
    return F.coalesce(*parts) if parts else F.lit(None).cast("string")


def _spark_list(uri: str) -> list[str]:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    assert spark is not None
    df = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(uri)
        .select("path")
    )
    return sorted(r["path"] for r in df.collect())


def _row(ord_: int, item: RawDoc | Rejected) -> dict[str, Any]:
    if isinstance(item, Rejected):
        return {"ord": ord_, "id": None, "origin": item.origin, "reason": item.reason}
    return {
        "ord": ord_,
        "id": item.id,
        "origin": item.origin,
        "kind": item.kind,
        "data_bin": item.data if isinstance(item.data, bytes) else None,
        "data_str": item.data if isinstance(item.data, str) else None,
        "url": item.url,
        "title": item.title,
        "published": item.published,
        "publisher": item.publisher,
        "byline": item.byline,
        "charset": item.charset,
        "reason": None,
    }


def _items_of(path: str, how: str | None) -> Iterator[RawDoc | Rejected]:
    """The records of one file, exactly as ``retold index add`` reads it (its own
    per-file reader: a file named on the command line is read whatever its name)."""
    from retold.ingest.readers import read_file

    yield from read_file(Path(path), explicit=how is None)


def _remote_items(uri: str, content: bytes) -> Iterator[RawDoc | Rejected]:
    """A file Spark fetched: parsed from a local copy, named by its URI."""
    import dataclasses

    suffix = "".join(Path(uri).suffixes[-2:])
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(content)
        tmp.flush()
        for item in _items_of(tmp.name, "walk"):
            origin = item.origin.replace(tmp.name, uri)
            if isinstance(item, Rejected):
                yield Rejected(origin, item.reason)
            elif item.kind == "path":
                yield RawDoc(id=uri, origin=uri, kind="text", data=content)
            else:
                yield dataclasses.replace(item, id=item.id.replace(tmp.name, uri), origin=origin)


def read_files(batches: Iterator[Any]) -> Iterator[Any]:
    """mapInPandas: rows ``(file, path, how, content)`` to raw records."""
    from retold.spark.work import frame

    for df in batches:
        for r in df.to_dict("records"):
            base = int(r["file"]) * _SHIFT
            path, how, content = r["path"], r["how"], r["content"]
            if str(path).lower().endswith(_PARQUET):
                continue  # read by Spark itself
            try:
                items = (
                    _remote_items(path, bytes(content))
                    if content is not None
                    else _items_of(path, how)
                )
                rows = [_row(base + n, it) for n, it in enumerate(items)]
            except Exception as exc:  # one odd file must not stop a long job
                rows = [_row(base, Rejected(str(path), f"internal error: {exc}"))]
            yield frame(rows, RAW_COLS)


def read_stage(spark: Any, args: list[str]) -> Any:
    """The raw records of every input (rejected ones carry a ``reason``)."""
    from pyspark.sql import functions as F

    files, missing = list_inputs(args)
    remote = [f for f in files if f[2] is not None and f[2] != "walk"]
    local = [(n, p, h) for n, p, h in files if h is None or h == "walk"]
    schema = "file long, path string, how string, content binary"
    rows: list[tuple[int, str, str | None, bytes | None]] = [(n, p, h, None) for n, p, h in local]
    listed = spark.createDataFrame(rows, schema)
    if remote:
        fetched = (
            spark.read.format("binaryFile")
            .load([p for _, p, _ in remote])
            .select("path", "content")
        )
        numbers = spark.createDataFrame([(n, p) for n, p, _ in remote], "file long, path string")
        listed = listed.unionByName(
            numbers.join(fetched, "path").select(
                "file", "path", F.lit("walk").alias("how"), "content"
            )
        )
    n_parts = max(1, min(len(files), 256))
    raw = listed.repartition(n_parts, "file").mapInPandas(read_files, RAW_SCHEMA)
    raw = raw.unionByName(_parquet_inputs(spark, files))
    if missing:
        gone = [_row(-1 - i, r) for i, r in enumerate(missing)]
        raw = raw.unionByName(
            spark.createDataFrame([tuple(g.get(c) for c in RAW_COLS) for g in gone], RAW_SCHEMA)
        )
    return raw


def _parquet_inputs(spark: Any, files: list[tuple[int, str, str | None]]) -> Any:
    """Documents from Parquet files: columns ``text`` or ``html``, optional ``id``,
    ``url``, ``title``, ``published``, ``source`` (as the JSON lines reader)."""
    from pyspark.sql import functions as F

    out = spark.createDataFrame([], RAW_SCHEMA)
    for n, path, _ in files:
        if not path.lower().endswith(_PARQUET):
            continue
        df = spark.read.parquet(path)
        cols = set(df.columns)

        def col(name: str, cols: set[str] = cols) -> Any:
            return F.col(name).cast("string") if name in cols else F.lit(None).cast("string")

        text, html = col("text"), col("html")
        ordinal = F.lit(n * _SHIFT) + F.monotonically_increasing_id()
        where = F.concat(F.lit(path + ":"), ordinal.cast("string"))
        out = out.unionByName(
            df.select(
                ordinal.alias("ord"),
                F.coalesce(col("id"), where).alias("id"),
                where.alias("origin"),
                F.when(text.isNotNull(), F.lit("text")).otherwise(F.lit("html")).alias("kind"),
                F.lit(None).cast("binary").alias("data_bin"),
                F.coalesce(text, html).alias("data_str"),
                col("url").alias("url"),
                col("title").alias("title"),
                col("published").alias("published"),
                col("source").alias("publisher"),
                _byline_column(df, cols).alias("byline"),
                F.lit(None).cast("string").alias("charset"),
                F.when(F.coalesce(text, html).isNull(), F.lit('no "text" or "html" column value'))
                .otherwise(F.lit(None).cast("string"))
                .alias("reason"),
            )
        )
    return out
