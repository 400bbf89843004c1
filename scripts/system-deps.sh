#!/usr/bin/env bash
# Install the Debian packages the test suite needs, when they are missing.
# PostgreSQL server binaries: the suite starts its own server (as the postgres user).
# A Java runtime (17+): the Spark parity test runs PySpark in local mode.
# OpenMP's runtime (libgomp1): LightGBM's wheel links against it (the churn model).
# Pango and HarfBuzz's subsetter (WeasyPrint renders the QBR report's PDF with them, embedding
# only the glyphs used) and poppler-utils (pdftoppm: the
# report tests turn the PDF into PNG pages).
# Chromium (Debian's build; its package brings the shared libraries it needs): the dashboard's
# browser test drives it with Playwright (never `playwright install`, which downloads one).
set -euo pipefail

need=()
pg_bindir=$(pg_config --bindir 2>/dev/null || true)
if [ -z "$pg_bindir" ] || [ ! -x "$pg_bindir/initdb" ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    need+=(postgresql postgresql-contrib)
  fi
fi
command -v pg_config >/dev/null 2>&1 || need+=(libpq-dev)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
ldconfig -p 2>/dev/null | grep -q 'libgomp\.so\.1' || need+=(libgomp1)
ldconfig -p 2>/dev/null | grep -q 'libpango-1\.0\.so\.0' || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1\.0\.so\.0' || need+=(libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so\.0' || need+=(libharfbuzz-subset0)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi 'dejavu' || need+=(fonts-dejavu-core fontconfig)
command -v chromium >/dev/null 2>&1 || need+=(chromium)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# The JRE's post-install script fails on slim images that have no man-page folder.
mkdir -p /usr/share/man/man1
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
