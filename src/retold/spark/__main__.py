"""``python -m retold.spark INPUT... --out DIR`` or, on a cluster,
``spark-submit $(python -c 'import retold.spark.__main__ as m; print(m.__file__)') INPUT...
--out DIR``: the job's entry point with the options of ``retold spark stories``."""

from __future__ import annotations

import sys


def main() -> None:
    import click

    from retold.cli.spark import spark_stories
    from retold.errors import RetoldError

    try:
        spark_stories(prog_name="retold-spark", standalone_mode=True)
    except RetoldError as exc:
        click.echo(f"retold: error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
