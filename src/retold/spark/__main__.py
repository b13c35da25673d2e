"""``spark-submit .../retold/spark/__main__.py INPUT... --out DIR``: the job's entry
point on a cluster (the same options as ``retold spark stories``)."""

from __future__ import annotations


def main() -> None:
    from retold.cli_spark import spark_stories

    spark_stories(prog_name="retold-spark")


if __name__ == "__main__":
    main()
