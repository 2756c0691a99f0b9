#!/usr/bin/env bash
# One bootstrap for `make run` and `make test`.
#
# - a virtualenv in .venv with the locked dependencies (requirements/dev.lock, hashes checked;
#   reinstalled when it or pyproject.toml changes);
# - PostgreSQL: $DATABASE_URL if set, else the server on 127.0.0.1:5432 if it answers, else a
#   project-local cluster in .local/pg started from the machine's binaries (apt-get installs
#   Debian's postgresql when they are missing);
# - Redis: the same with $REDIS_URL, 127.0.0.1:6379 and .local/redis;
# - a secret key kept in .local/secret_key.
# Whatever this script starts itself, it stops when `make run` ends.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOCAL=$ROOT/.local
mkdir -p "$LOCAL"
MODE=${1:-run}
PYTHON=${PYTHON:-python3}
LOCAL_PG_PORT=${QUIRE_LOCAL_PG_PORT:-55432}
LOCAL_REDIS_PORT=${QUIRE_LOCAL_REDIS_PORT:-56379}
STARTED=()

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  command -v apt-get >/dev/null || die "please install: $* (no apt-get on this machine)"
  log "installing Debian packages: $*"
  # Once a day at most on this machine (not per checkout: a fresh clone has no .local/).
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
    as_root apt-get update -q >/dev/null
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

port_answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ensure_venv() {
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python 3.11 or newer is needed (found $("$PYTHON" --version 2>&1))"
  if [ ! -x .venv/bin/python ]; then
    log "creating virtualenv in .venv"
    "$PYTHON" -m venv .venv
  fi
  local stamp
  stamp=".venv/.deps-$(cat requirements/dev.lock pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    log "installing Python dependencies (requirements/dev.lock, every hash checked)"
    .venv/bin/python -m pip install -q --require-hashes -r requirements/dev.lock
    .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
    rm -f .venv/.deps-*
    touch "$stamp"
  fi
}

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then log "PostgreSQL: using \$DATABASE_URL"; return; fi
  if port_answers 127.0.0.1 5432; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/quire"
    log "PostgreSQL: using the server on 127.0.0.1:5432"
    return
  fi
  export DATABASE_URL="postgres://postgres@127.0.0.1:$LOCAL_PG_PORT/quire"
  if port_answers 127.0.0.1 "$LOCAL_PG_PORT"; then log "PostgreSQL: reusing .local/pg"; return; fi
  [ -n "$(pg_bindir)" ] || apt_install postgresql
  local bin run_as=()
  bin=$(pg_bindir)
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$LOCAL/pg" postgres
    run_as=(runuser -u postgres --)
  fi
  mkdir -p "$LOCAL/pg" "$LOCAL/pg-run"
  [ "$(id -u)" -eq 0 ] && chown postgres "$LOCAL/pg" "$LOCAL/pg-run"
  if [ ! -f "$LOCAL/pg/PG_VERSION" ]; then
    log "PostgreSQL: creating a project-local cluster in .local/pg"
    "${run_as[@]}" "$bin/initdb" -D "$LOCAL/pg" -U postgres --auth=trust >"$LOCAL/pg-init.log"
  fi
  log "PostgreSQL: starting .local/pg on port $LOCAL_PG_PORT"
  "${run_as[@]}" "$bin/pg_ctl" -D "$LOCAL/pg" -l "$LOCAL/pg-run/server.log" -w start \
    -o "-p $LOCAL_PG_PORT -k $LOCAL/pg-run -c listen_addresses=127.0.0.1" >/dev/null
  STARTED+=("pg")
}

# The RUM index access method (Debian postgresql-<major>-rum). Quire's search does not need it
# (see ARCHITECTURE.md, Search); bench/search measures it against the current path. Installed
# for the machine's own PostgreSQL only: a remote server ($DATABASE_URL) has what it has, and
# the bench then leaves RUM out and says so. Never fatal.
ensure_rum() {
  local bin major
  bin=$(pg_bindir)
  [ -n "$bin" ] || return 0
  major=$(basename "$(dirname "$bin")")
  [ -f "/usr/share/postgresql/$major/extension/rum.control" ] && return 0
  (apt_install "postgresql-$major-rum") || log "could not install postgresql-$major-rum: bench/search will leave RUM out"
}

ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then log "Redis: using \$REDIS_URL"; return; fi
  if port_answers 127.0.0.1 6379; then
    export REDIS_URL="redis://127.0.0.1:6379/0"
    log "Redis: using the server on 127.0.0.1:6379"
    return
  fi
  export REDIS_URL="redis://127.0.0.1:$LOCAL_REDIS_PORT/0"
  if port_answers 127.0.0.1 "$LOCAL_REDIS_PORT"; then log "Redis: reusing .local/redis"; return; fi
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$LOCAL/redis"
  log "Redis: starting a project-local server on port $LOCAL_REDIS_PORT"
  redis-server --port "$LOCAL_REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$LOCAL/redis" \
    --pidfile "$LOCAL/redis/redis.pid" --logfile "$LOCAL/redis/redis.log" --save "" >/dev/null
  for _ in $(seq 50); do port_answers 127.0.0.1 "$LOCAL_REDIS_PORT" && break; sleep 0.1; done
  STARTED+=("redis")
}

stop_started() {
  for what in "${STARTED[@]}"; do
    case $what in
      pg)
        log "stopping the project-local PostgreSQL"
        local run_as=()
        [ "$(id -u)" -eq 0 ] && run_as=(runuser -u postgres --)
        "${run_as[@]}" "$(pg_bindir)/pg_ctl" -D "$LOCAL/pg" -m fast stop >/dev/null 2>&1 || true ;;
      redis)
        log "stopping the project-local Redis"
        kill "$(cat "$LOCAL/redis/redis.pid")" 2>/dev/null || true ;;
    esac
  done
}

ensure_secret() {
  if [ -z "${SECRET_KEY:-}" ]; then
    [ -f "$LOCAL/secret_key" ] || .venv/bin/python -c \
      'import secrets; print(secrets.token_urlsafe(50))' >"$LOCAL/secret_key"
    SECRET_KEY=$(cat "$LOCAL/secret_key")
    export SECRET_KEY
  fi
}

ensure_caddy() { command -v caddy >/dev/null || apt_install caddy; }
ensure_dnsmasq() {
  command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] || apt_install dnsmasq-base
}

ensure_pgbouncer() {
  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || apt_install pgbouncer
}
# Varnish with varnish-modules for xkey (surrogate-key purges): the front cache.
ensure_varnish() {
  { command -v varnishd >/dev/null || [ -x /usr/sbin/varnishd ]; } &&
    ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 ||
    apt_install varnish varnish-modules
}

ensure_chromium() {
  if [ -z "${QUIRE_CHROMIUM:-}" ]; then
    command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || apt_install chromium
    export QUIRE_CHROMIUM=${QUIRE_CHROMIUM:-$(command -v chromium || echo /usr/bin/chromium)}
  fi
}

# A Redis URL with its database number replaced, so that tests never share the broker of a
# running `make run` (whose worker would otherwise take the tests' tasks).
redis_db() { local base=${REDIS_URL%/}; base=${base%/[0-9]*}; echo "$base/$1"; }

# Test runs on one machine (two checkouts, two terminals) must not share a test database or
# Redis databases. The suite runs in TEST_WORKERS pytest-xdist processes (QUIRE_TEST_WORKERS,
# default 2; 0 runs it in the pytest process itself). Each process needs a database
# (pytest-django adds _gwN to the name) and a pair of Redis databases, cache and broker
# (config/settings_test.py moves worker N up by N pairs). Pair P is Redis databases 2+2P and
# 3+2P (0 and 1 stay for `make run`; Redis has 16, so 7 pairs): a run holds exclusive locks
# on as many consecutive pairs as it has processes, for as long as it runs, and names its
# test database after the first (test_quire_P).
take_test_slot() {
  local dir=${TMPDIR:-/tmp}/quire-test-slots need first pair
  need=$((TEST_WORKERS > 0 ? TEST_WORKERS : 1))
  mkdir -p "$dir"
  for first in $(seq 0 $((7 - need))); do
    PAIR_FDS=()
    for pair in $(seq "$first" $((first + need - 1))); do
      exec {fd}>"$dir/$pair.lock"
      if ! flock -n "$fd"; then exec {fd}>&-; break; fi
      PAIR_FDS+=("$fd")
    done
    if [ "${#PAIR_FDS[@]}" -eq "$need" ]; then TEST_SLOT=$first; return; fi
    for fd in "${PAIR_FDS[@]}"; do exec {fd}>&-; done
  done
  die "other test runs hold the Redis databases this one needs; wait for one to finish"
}

bootstrap() {
  ensure_venv
  trap stop_started EXIT
  ensure_postgres
  ensure_rum
  ensure_redis
  ensure_secret
  .venv/bin/python scripts/ensure_database.py
}

# What `make run` used, for `manage.py` in a fresh shell (config/settings/base.py reads it; variables
# set in the environment win). Not a secret beyond what .local/ already holds.
write_local_env() {
  umask 077
  {
    echo "# written by scripts/dev.sh run; read by config/settings/base.py in this checkout"
    echo "DATABASE_URL=$DATABASE_URL"
    echo "REDIS_URL=$REDIS_URL"
    echo "CELERY_BROKER_URL=$CELERY_BROKER_URL"
    echo "QUIRE_PUBLIC_SCHEME=$QUIRE_PUBLIC_SCHEME"
    echo "QUIRE_PUBLIC_PORT=$QUIRE_PUBLIC_PORT"
  } >"$LOCAL/env"
}

case $MODE in
  run)
    bootstrap
    export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
    export PORT=${PORT:-8000}
    export CELERY_BROKER_URL=${CELERY_BROKER_URL:-$(redis_db 1)}
    if [ "${HTTPS:-0}" = 1 ]; then
      # Caddy with its internal CA in front of the web server (make run HTTPS=1). QUIRE_HTTPS
      # (redirect, HSTS, secure cookies) stays off: HSTS on localhost would pin every
      # *.localhost to HTTPS in the browser for a year.
      ensure_caddy
      export QUIRE_PUBLIC_SCHEME=https
      export QUIRE_PUBLIC_PORT=${QUIRE_PUBLIC_PORT:-${HTTPS_PORT:-8443}}
    else
      export QUIRE_PUBLIC_SCHEME=${QUIRE_PUBLIC_SCHEME:-http}
      export QUIRE_PUBLIC_PORT=${QUIRE_PUBLIC_PORT:-$PORT}
    fi
    if [ "${VARNISH:-0}" = 1 ]; then
      # Varnish in front of the web server (make run VARNISH=1): readers use its port, and
      # blog_changed() purges it (blog/purge.py).
      ensure_varnish
      export VARNISH_PORT=${VARNISH_PORT:-6081}
      export QUIRE_VARNISH_URLS=http://127.0.0.1:$VARNISH_PORT/
      [ "${HTTPS:-0}" = 1 ] || export QUIRE_PUBLIC_PORT=$VARNISH_PORT
      # Outside .local/ (private): varnishd's child runs as its own user and reads it.
      VARNISH_DIR=${TMPDIR:-/tmp}/quire-varnish-$PORT
      mkdir -p "$VARNISH_DIR" && chmod 755 "$VARNISH_DIR"
      sed "s/\"8000\";  # backend port/\"$PORT\";/" varnish/quire.vcl >"$VARNISH_DIR/quire.vcl"
      chmod 644 "$VARNISH_DIR/quire.vcl"
    fi
    write_local_env
    log "migrating the public schema and every blog"
    .venv/bin/python manage.py migrate_fleet --inline
    .venv/bin/python manage.py seed_demo
    .venv/bin/python manage.py pool_fill
    # honcho gives each process its own PORT; the web server reads QUIRE_WEB_PORT instead.
    export QUIRE_WEB_PORT=$PORT
    procfile=Procfile
    upstream=$PORT
    if [ "${VARNISH:-0}" = 1 ]; then
      upstream=$VARNISH_PORT
      procfile=$LOCAL/Procfile.varnish
      { cat Procfile
        echo "varnish: $(command -v varnishd || echo /usr/sbin/varnishd) -F -n $VARNISH_DIR/n -a 127.0.0.1:$VARNISH_PORT -f $VARNISH_DIR/quire.vcl -s malloc,256m -T none"
      } >"$procfile"
    fi
    if [ "${HTTPS:-0}" = 1 ]; then
      base=$procfile
      procfile=$LOCAL/Procfile.https
      { cat "$base"
        echo "caddy: env QUIRE_UPSTREAM=127.0.0.1:$upstream CADDY_TLS=internal CADDY_ACCESS_LOG=${CADDY_ACCESS_LOG:-on} CADDY_LOG_FORMAT=console GOMAXPROCS=1 GOGC=400 CADDY_HTTPS_PORT=$QUIRE_PUBLIC_PORT CADDY_HTTP_PORT=${HTTPS_HTTP_PORT:-8080} XDG_DATA_HOME=$LOCAL/caddy XDG_CONFIG_HOME=$LOCAL/caddy caddy run --config Caddyfile --adapter caddyfile"
      } >"$procfile"
      log "starting Caddy (https://localhost:$QUIRE_PUBLIC_PORT, its own CA: accept the warning once or trust .local/caddy/caddy/pki/authorities/local/root.crt), web, worker and beat; Ctrl-C stops everything"
    else
      log "starting web (http://localhost:$QUIRE_PUBLIC_PORT), worker and beat; Ctrl-C stops everything"
    fi
    .venv/bin/honcho -f "$procfile" -d "$ROOT" start || true
    ;;
  test)
    export QUIRE_IGNORE_LOCAL_ENV=1
    bootstrap
    ensure_chromium
    ensure_caddy
    ensure_dnsmasq
    ensure_pgbouncer
    ensure_varnish
    TEST_WORKERS=${QUIRE_TEST_WORKERS:-2}
    take_test_slot
    export REDIS_URL
    REDIS_URL=$(redis_db $((2 + 2 * TEST_SLOT)))
    export CELERY_BROKER_URL
    CELERY_BROKER_URL=$(redis_db $((3 + 2 * TEST_SLOT)))
    export QUIRE_TEST_DATABASE="test_quire_$TEST_SLOT" QUIRE_TEST_REDIS_PER_WORKER=1
    log "test slot $TEST_SLOT: database $QUIRE_TEST_DATABASE, Redis databases from $((2 + 2 * TEST_SLOT)), $TEST_WORKERS xdist worker(s)"
    export DJANGO_DEBUG=0
    log "ruff check"
    .venv/bin/ruff check .
    log "ruff format --check"
    .venv/bin/ruff format --check .
    log "lint-imports (the layers in pyproject.toml)"
    .venv/bin/lint-imports --no-cache
    log "makemigrations --check"
    .venv/bin/python manage.py makemigrations --check --dry-run
    log "pytest"
    shift || true
    # A test file runs whole in one worker (module fixtures, such as a Celery worker, start
    # once); `-n 0` on the command line runs everything here.
    .venv/bin/pytest -n "$TEST_WORKERS" --dist loadfile "$@"
    ;;
  lock)
    ensure_venv
    bash scripts/lock.sh
    ;;
  lint)
    ensure_venv
    ensure_secret  # the venv's manage.py then runs from a fresh shell, as after make run
    .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports --no-cache
    ;;
  *) die "usage: scripts/dev.sh run|test|lint|lock" ;;
esac
