"""``retold spark``: the corpus job on Apache Spark (needs ``retold[spark]`` and Java)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from retold.cli._common import candidates_option, min_similarity_option

__all__ = ["spark", "spark_stories"]


@click.group()
def spark() -> None:
    """Run retold's corpus jobs on Apache Spark (local mode or a cluster)."""


@spark.command("stories")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    required=True,
    help="Output directory (local path or any URI Spark writes, e.g. s3a://bucket/run).",
)
@click.option(
    "--master",
    help="Spark master URL, or sc://HOST:PORT for a Spark Connect server "
    "(default: local mode on every core, or spark-submit's master).",
)
@click.option(
    "--exact",
    is_flag=True,
    help="Search every document against the whole corpus: the same stories and edges "
    "as `retold index add` + `retold stories` (the index must fit on one machine).",
)
@candidates_option()
@min_similarity_option
@click.option(
    "--encoder",
    type=click.Choice(["use", "hashing"]),
    default="use",
    show_default=True,
    help="Sentence encoder: use (multilingual) or hashing (fast, lexical only; for tests).",
)
@click.option(
    "--conf",
    "confs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Extra Spark setting (repeatable), e.g. --conf spark.executor.memory=4g.",
)
@click.option(
    "--recall-sample",
    type=click.IntRange(min=0),
    default=300,
    show_default=True,
    help="Without --exact: articles sampled to measure the link recall against exact "
    "search (0: do not measure; measuring builds the corpus's index on the driver).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress notes on stderr.")
def spark_stories(
    inputs: tuple[str, ...],
    out: str,
    master: str | None,
    exact: bool,
    k: int,
    min_similarity: float,
    encoder: str,
    confs: tuple[str, ...],
    recall_sample: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Stories and derivation edges of a corpus, computed on Spark.

    INPUT: WARC/WARC.gz, JSON lines, Parquet, directories, local paths or any
    URI Spark reads. Each stage is saved under --out; running the same command
    again resumes from the saved stages. Outputs: documents/, links/,
    stories/, edges/, rejected/ (Parquet) and manifest.json.

    \b
    Examples:
      retold spark stories crawl/*.warc.gz --out run1
      retold spark stories s3a://bucket/cc-news/2024-05/ --out s3a://bucket/run \\
          --master spark://head:7077
      retold spark stories /data/cc-news/ --out /data/run --master sc://head:15002
      retold stories --from run1 --html run1-pages/
    """
    from retold.errors import UsageError
    from retold.spark import JobParams, get_session, run

    conf: dict[str, str] = {}
    for c in confs:
        key, sep, value = c.partition("=")
        if not sep or not key:
            raise UsageError(f"--conf takes KEY=VALUE, not {c!r}")
        conf[key] = value
    params = JobParams(
        inputs=inputs,
        out=out,
        exact=exact,
        k=k,
        min_similarity=min_similarity,
        encoder="hashing:256" if encoder == "hashing" else "use",
        recall_sample=recall_sample,
    )
    session = get_session(master, conf=conf)
    say = (lambda msg: None) if quiet else (lambda msg: click.echo(f"retold: {msg}", err=True))
    try:
        manifest = run(session, params, log=say)
    finally:
        session.stop()
    if as_json:
        click.echo(json.dumps(manifest, indent=2))
    elif not quiet:
        _summary(manifest)


def _summary(m: dict[str, Any]) -> None:
    c = m["counts"]
    click.echo(
        f"retold: {c['documents']} documents ({c['duplicates']} exact copies, "
        f"{c['near_duplicates']} near duplicates, {c['rejected']} rejected), "
        f"{c['links']} links, {c['stories']} stories, {c['edges']} edges "
        f"in {m['seconds']} s; {m['sentences_not_reencoded']:.0%} of sentences not re-encoded",
        err=True,
    )
    if "recall" in m:
        click.echo(f"retold: approximate link recall vs exact: {m['recall']}", err=True)
    sys.stderr.flush()
