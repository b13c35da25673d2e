"""Reading a Spark run's output back (pyarrow only, no Spark): stories and
articles for ``retold stories --from DIR``, and the stored documents the pair
reports of its HTML pages need (from the job's saved ``records`` stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from retold.errors import UsageError
from retold.stories import Article, Edge, Story, load_credits


def _table(run: Path, name: str, **kw: Any) -> list[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("reading a Spark run needs pyarrow: pip install 'retold[spark]'") from None
    path = run / name
    if not path.exists():
        raise UsageError(f"{run} is not the output of `retold spark stories` (no {name}/ in it)")
    rows: list[dict[str, Any]] = pq.read_table(path, **kw).to_pylist()
    return rows


def load_run(run: Path) -> tuple[list[Story], dict[str, Article]]:
    """The stories (in the order ``retold stories`` lists them) and the articles."""
    arts = {
        r["id"]: Article(r["id"], r["title"], r["published"], r["url"])
        if r["status"] != "duplicate"
        else Article(r["id"])  # as the embedded stories know an exact copy: by id
        for r in _table(run, "documents")
    }
    stories: dict[str, Story] = {}
    for r in _table(run, "stories"):
        s = stories.setdefault(
            r["story"], Story(r["story"], r["label"], [], first_published=r["first_published"])
        )
        s.articles.append(r["id"])
    for r in _table(run, "edges"):
        stories[r["story"]].edges.append(
            Edge(
                r["source"],
                r["target"],
                r["verdict"],
                r["share"],
                r["evidence"],
                load_credits(r.get("credits")),
            )
        )
    for s in stories.values():
        s.articles.sort()
        s.edges.sort(key=lambda e: (e.source, e.target))
    found = sorted(stories.values(), key=lambda s: (-len(s.articles), s.articles[0]))
    return found, arts


class RunDocuments:
    """Stored documents of a run, for the pair reports (``prepared`` and
    ``explain`` as :class:`retold.index.Index` has them)."""

    def __init__(self, run: Path) -> None:
        self.run = run
        self.of = {
            r["id"]: r["of"]
            for r in _table(run, "documents", columns=["id", "status", "of"])
            if r["status"] == "duplicate"
        }

    def _row(self, doc_id: str) -> dict[str, Any] | None:
        want = self.of.get(doc_id, doc_id)  # an exact copy has its original's text
        rows = _table(self.run, "_stages/records", filters=[("id", "=", want)])
        rows = [r for r in rows if r["reason"] is None]
        if not rows:
            return None
        return {**rows[0], "id": doc_id}

    def prepared(self, doc_id: str) -> Any:
        from retold.spark.work import prepared_of

        row = self._row(doc_id)
        if row is None:
            raise UsageError(f"no document {doc_id!r} in the run at {self.run}")
        return prepared_of(row)

    def explain(self, query: Any, doc_id: str) -> Any:
        from retold.comparison import compare_prepared

        return compare_prepared(self.prepared(doc_id), query, with_changes=True)
