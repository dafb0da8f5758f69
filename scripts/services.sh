#!/usr/bin/env bash
# Install (Debian packages) and start the services the full test suite needs, on loopback:
# PostgreSQL (user postgres / password postgres) and Redis; install Chromium for browser tests.
# Idempotent; needs root.  Used by .ci/run, and by developers who want every test to run.
set -euo pipefail

need=()
command -v pg_ctlcluster >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
    echo "Installing ${need[*]} from the distribution's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# PostgreSQL: the distribution's default cluster, listening on 127.0.0.1 only.
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -q "^$version/main$"; then
    pg_createcluster "$version" main >/dev/null
fi
conf=/etc/postgresql/$version/main/postgresql.conf
grep -q "^listen_addresses = '127.0.0.1'" "$conf" || echo "listen_addresses = '127.0.0.1'" >> "$conf"
grep -q "^max_connections = 200" "$conf" || echo "max_connections = 200" >> "$conf"
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 50); do
    pg_isready -h 127.0.0.1 -q && break
    sleep 0.2
done
pg_isready -h 127.0.0.1 -q || { echo "PostgreSQL did not start" >&2; exit 1; }
su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres';\"" >/dev/null

# Redis on loopback, in the background.
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null
    for _ in $(seq 1 50); do
        redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break
        sleep 0.1
    done
fi
redis-cli -h 127.0.0.1 ping >/dev/null || { echo "Redis did not start" >&2; exit 1; }
echo "services: PostgreSQL $version on 127.0.0.1:5432, Redis on 127.0.0.1:6379, $(chromium --version 2>/dev/null | head -1)"
