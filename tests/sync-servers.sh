#!/usr/bin/env bash
# The sync servers the tests run against, installed and prepared once (as root; idempotent):
# Tiny Tiny RSS from Debian on PostgreSQL (the tests start PHP's own web server in front of it
# and reset its database), and coldsweat, a Fever API server from PyPI, in a venv of its own
# (it pins urllib3<2). Without root this says so and does nothing: those tests are skipped.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "sync-servers: not root: Tiny Tiny RSS and coldsweat are not installed (their tests are skipped)"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "sync-servers: no apt-get: Tiny Tiny RSS and coldsweat are not installed (their tests are skipped)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
packages="tt-rss php-pgsql postgresql iproute2"
if ! dpkg -s $packages >/dev/null 2>&1; then
  # tt-rss's own database set-up (dbconfig-common) is skipped: the tests make their database
  echo "tt-rss tt-rss/dbconfig-install boolean false" | debconf-set-selections
  apt-get install -y -qq $packages >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq $packages >/dev/null; }
fi
# PostgreSQL: the cluster started, a role and a database for the tests
version=$(ls /etc/postgresql | sort -n | tail -1)
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 50); do runuser -u postgres -- psql -Atc "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
if ! runuser -u postgres -- psql -Atc "SELECT 1 FROM pg_roles WHERE rolname = 'ttrss_test'" | grep -q 1; then
  runuser -u postgres -- psql -qc "CREATE ROLE ttrss_test LOGIN PASSWORD 'ttrss_test'"
fi
if ! runuser -u postgres -- psql -Atc "SELECT 1 FROM pg_database WHERE datname = 'ttrss_test'" | grep -q 1; then
  runuser -u postgres -- createdb -O ttrss_test ttrss_test
fi
# Tiny Tiny RSS reads its database settings here
cat > /etc/tt-rss/database.php <<'PHP'
<?php
$dbuser='ttrss_test';
$dbpass='ttrss_test';
$basepath='';
$dbname='ttrss_test';
$dbserver='127.0.0.1';
$dbport='5432';
$dbtype='pgsql';
PHP
# coldsweat 0.10.2 in a venv of its own
if [ ! -x /opt/coldsweat/bin/python ] || ! /opt/coldsweat/bin/python -c "import coldsweat" 2>/dev/null; then
  python3 -m venv /opt/coldsweat
  /opt/coldsweat/bin/python -m pip install --quiet "coldsweat==0.10.2" 2>&1 | grep -v "^WARNING: Location" || true
fi
echo "sync-servers: Tiny Tiny RSS (PostgreSQL $version) and coldsweat are ready"
