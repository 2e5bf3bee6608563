#!/usr/bin/env bash
# Runs one command against a throwaway PostgreSQL cluster, then stops the server and deletes the cluster.
#
#   bench/with_postgres.sh .venv/bin/python -m pytest           # what `make test-postgres` runs
#   bench/with_postgres.sh .venv/bin/python bench/concurrent_writers.py
#
# The cluster lives in a fresh temporary directory and listens only on a unix socket there (no TCP port). Its
# superuser `threshold` (trust authentication on that socket, so it may create the test database) owns the database
# `threshold`; the command gets DATABASE_URL pointing at it and its exit status becomes this script's.
# PostgreSQL refuses to run as root: run as root, the server runs as Debian's `postgres` system user.
# Durability is switched off (fsync, synchronous_commit): the cluster is thrown away, and the suite runs faster.
# Needs Debian's `postgresql` package (`make test-postgres` installs it when it is missing).
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 64
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "PostgreSQL's server programs are not installed (Debian: apt-get install postgresql)." >&2
    exit 69
fi

# A short path: a unix socket's path must stay under 108 bytes.
dir=$(mktemp -d /tmp/threshold-pg.XXXXXX)
as_server=()
if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "Running as root, but there is no 'postgres' system user to run the server as." >&2
        rm -rf "$dir"
        exit 69
    fi
    chown postgres:postgres "$dir"
    as_server=(runuser -u postgres --)
fi

cleanup() {
    if [ -f "$dir/data/postmaster.pid" ]; then
        "${as_server[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -t 30 stop >/dev/null 2>&1 \
            || "${as_server[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${as_server[@]}" "$bindir/initdb" -D "$dir/data" -U threshold --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
if ! "${as_server[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            -c max_connections=200" start >/dev/null; then
    cat "$dir/server.log" >&2
    exit 1
fi
"$bindir/createdb" -h "$dir" -U threshold threshold

# The socket directory as the URL's host, percent-encoded (dj-database-url reads it so).
export DATABASE_URL="postgres://threshold@${dir//\//%2F}/threshold"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on the unix socket in $dir" >&2

status=0
"$@" || status=$?
exit "$status"
