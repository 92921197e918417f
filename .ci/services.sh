#!/usr/bin/env bash
# Make sure the local services the product or its tests need are up: `services.sh postgres redis`.
# PostgreSQL and Redis normally run on this kind of machine; start them if they are down.
set -euo pipefail

for service in "$@"; do
  case "$service" in
    postgres)
      if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        echo "PostgreSQL is down; starting it" >&2
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
      fi
      pg_isready -h 127.0.0.1 -p 5432 >/dev/null || { echo "error: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
      ;;
    redis)
      if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        echo "Redis is down; starting it" >&2
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
        for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
      fi
      redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "error: Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
      ;;
    *) echo "unknown service: $service" >&2; exit 2 ;;
  esac
done
