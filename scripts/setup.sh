#!/bin/sh
# Install retold for development on a fresh machine: a virtualenv with the
# package and its test tools, and (when run as root on Debian) the Chromium the
# browser tests drive. Safe to run again.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing chromium for the browser tests" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "setup: chromium is missing; the browser tests will be skipped (apt-get install chromium)" >&2
    fi
fi
# The Spark job (retold spark stories) and its tests need a Java runtime (17+).
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing a Java runtime for Spark" >&2
        apt-get update -qq >/dev/null
        pkg=openjdk-17-jre-headless
        if ! apt-cache show "$pkg" >/dev/null 2>&1; then
            # whichever headless JRE this release has (Debian 13 ships 21)
            pkg=$(apt-cache search --names-only '^openjdk-[0-9]+-jre-headless$' | sort -V | tail -n 1 | cut -d' ' -f1)
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
    else
        echo "setup: Java is missing; the spark tests will fail (apt-get install openjdk-17-jre-headless)" >&2
    fi
fi
