#!/usr/bin/env bash
# HTTP load benchmark of mana-auth: starts the release build on a fresh SQLite
# database (or PostgreSQL when a URL is given), seeds users, a client, credits and
# refresh tokens, then drives each endpoint with wrk for DURATION seconds at each
# connection count, the server pinned to core 0 and wrk to core 1. Prints one table:
# requests/s, p50/p99, errors, server RSS, requests per second of server CPU (steadier
# than requests/s on a shared machine), and each figure's ratio to its floor. Every
# endpoint is measured as shipped (the request log at info, written to a file) and
# again quiet (log filter warn), so the table shows what the request log costs.
#
#   bench/load.sh [postgres://USER@HOST/DB]
#   DURATION=10 CONNS="1 16 64" ENDPOINTS="discovery jwks ..." bench/load.sh
#   PEER_DIR=path/to/bench-peer bench/load.sh   # seed, then run that harness's bench-target.sh
#   BIN=path/to/mana-auth bench/load.sh          # a binary built elsewhere (A/B runs); mana-auth not rebuilt
#   LOGS=info bench/load.sh                      # only the shipped log filter (default: "info warn")
#   LOGS="info warn info warn" bench/load.sh     # alternating, a server started for each
#   POOL=32 STATEMENT_CACHE=0 bench/load.sh URL  # database.max_connections and .statement_cache
#
# On PostgreSQL the database's processes are pinned to DB_CPUS (default core 1, beside
# wrk), so core 0 does the server's work alone, as with a database on a machine of its
# own; the table adds the database's CPU per request.
#
# `discovery_ceiling` and `jwks_ceiling` drive examples/ceiling.rs instead, a bare axum
# server answering mana-auth's documents' bytes on core 0: what the machine allows for
# any server built so. With PEER_DIR (on SQLite) the peer harness measures that ceiling too, bare
# and again sending mana-auth's own response headers (ETag, caching, security headers,
# request id) built once: what the bytes of mana-auth's answers cost without its work.
#
# Floors (per core, from `cargo bench --bench floors`, override to match your machine):
#   FLOOR_SIGN_US [22.2]  Ed25519 signature    FLOOR_VERIFY_US [40.1]  verification
#   FLOOR_ARGON2_MS [17.9]  one Argon2id hash at our parameters
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE=${1:-}
POOL=${POOL:-16}
STATEMENT_CACHE=${STATEMENT_CACHE:-}
DB_CPUS=${DB_CPUS:-1}
DURATION=${DURATION:-10}
CONNS=${CONNS:-"1 16 64"}
LOGS=${LOGS:-"info warn"}
ENDPOINTS=${ENDPOINTS:-"discovery discovery_ceiling jwks jwks_ceiling token_cc token_refresh introspect userinfo validate login discovery_during_logins credits_use credits_use_one_wallet"}
FLOOR_SIGN_US=${FLOOR_SIGN_US:-22.2}
FLOOR_VERIFY_US=${FLOOR_VERIFY_US:-40.1}
FLOOR_ARGON2_MS=${FLOOR_ARGON2_MS:-17.9}
PASSWORD="bench password 0123456789"
SECRET="bench-secret-0123456789abcdef0123456789abcdef"

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed" >&2; exit 1; }
BIN=${BIN:-}
[ -n "$BIN" ] || { cargo build --release --quiet; BIN=target/release/mana-auth; }
CEILING=target/release/examples/ceiling
if { [ -n "${PEER_DIR:-}" ] && [ -z "$DATABASE" ]; } || [[ " $ENDPOINTS " == *_ceiling\ * ]]; then
  cargo build --release --quiet --example ceiling
fi

WORK=$(mktemp -d /tmp/mana-auth-load.XXXXXX)
SERVER="" CEILING_PID=""
cleanup() { kill $SERVER $CEILING_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
DB_URL=${DATABASE:-"sqlite://$WORK/bench.db?mode=rwc"}
if [ -n "$DATABASE" ]; then
  # A database of its own on the server, dropped afterwards.
  NAME="mana_auth_bench_$$"
  ADMIN=${DATABASE%/*}/postgres
  psql "$ADMIN" -qc "CREATE DATABASE $NAME" >/dev/null
  DB_URL=${DATABASE%/*}/$NAME
  # Backends inherit the postmaster's cores; all of them go back to every core after.
  pin_database() { pgrep -x postgres | xargs -r -n1 taskset -a -cp "$1" >/dev/null 2>&1 || true; }
  pin_database "$DB_CPUS"
  trap 'cleanup; pin_database "0-$(($(nproc) - 1))"; psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null' EXIT
fi
cat >"$WORK/bench.toml" <<EOF
issuer = "$BASE"
[server]
bind = "127.0.0.1:$PORT"
[database]
url = "$DB_URL"
max_connections = $POOL
${STATEMENT_CACHE:+statement_cache = $STATEMENT_CACHE}
[mail]
outbox_dir = "$WORK/outbox"
[security.rate_limit]
signin_per_ip = 0
signin_per_account = 0
register_per_ip = 0
token_per_ip = 0
pages_per_ip = 0
[security.lockout]
threshold = 0
[log]
filter = "info"
[[clients]]
id = "bench"
secret = "$SECRET"
redirect_uris = ["http://127.0.0.1:9/cb"]
grant_types = ["authorization_code", "refresh_token", "client_credentials"]
skip_consent = true
EOF
export MANA_AUTH_CONFIG="$WORK/bench.toml"
"$BIN" migrate >/dev/null 2>>"$WORK/server.log"

# Starts the server with log filter $1, its log written to a file as an operator's would be.
PEAK_RSS=0
# The highest resident set of the servers so far, in MiB.
note_peak() { PEAK_RSS=$(awk -v a="$PEAK_RSS" -v b="$(rss VmHWM "$SERVER")" 'BEGIN {print (b > a ? b : a)}'); }
serve_with_log() {
  [ -z "$SERVER" ] || { note_peak; kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }
  sed -i -E "s/^filter = .*/filter = \"$1\"/" "$WORK/bench.toml"
  taskset -c 0 "$BIN" serve 2>>"$WORK/server.log" &
  SERVER=$!
  until curl -fs "$BASE/health/ready" >/dev/null 2>&1; do sleep 0.005; done
}
started=$(date +%s%N)
serve_with_log "${LOGS%% *}"
ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
# The server under load: mana-auth, or the ceiling for the `_ceiling` endpoints.
TARGET=$BASE TARGET_PID=$SERVER
rss() { awk "/^$1:/ {printf \"%.1f\", \$2/1024}" "/proc/${2:-$TARGET_PID}/status"; }
idle_rss=$(rss VmRSS)
# CPU seconds the server under load has used so far (user and system).
cpu_secs() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$TARGET_PID/stat"; }
# $1 on PostgreSQL, ${2:--} on SQLite.
on_postgres() { if [ -n "$DATABASE" ]; then echo "$1"; else echo "${2:--}"; fi; }
# Bytes of write-ahead log PostgreSQL has written so far (every database's, so measure
# with nothing else running); 0 on SQLite.
wal_bytes() {
  [ -n "$DATABASE" ] || { echo 0; return; }
  psql "$DB_URL" -Atc "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"
}
# CPU seconds PostgreSQL's processes have used so far; 0 on SQLite, which is the server's.
db_cpu_secs() {
  [ -n "$DATABASE" ] || { echo 0; return; }
  pgrep -x postgres | sed 's|.*|/proc/&/stat|' | xargs cat 2>/dev/null \
    | awk -v hz="$(getconf CLK_TCK)" '{sum += $14 + $15} END {print sum / hz}'
}

# A string field of a JSON document on stdin.
field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\1/"; }

# Seed: one user with plenty of credits, an API session, and refresh-token chains.
curl -fs -o /dev/null -H 'content-type: application/json' \
  -d "{\"email\":\"bench@example.org\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/register"
"$BIN" credits grant --email bench@example.org --amount 100000000 --reason "load benchmark" >/dev/null 2>>"$WORK/server.log"
login=$(curl -fs -H 'content-type: application/json' \
  -d "{\"email\":\"bench@example.org\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/login")
ACCESS=$(field accessToken <<<"$login")

# Access tokens of at least $1 users with credits, one per line of $WORK/spenders.
touch "$WORK/spenders"
spenders() {
  local i email
  for i in $(seq "$(($(wc -l <"$WORK/spenders") + 1))" "$1"); do
    email="spender$i@example.org"
    curl -fs -o /dev/null -H 'content-type: application/json' \
      -d "{\"email\":\"$email\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/register"
    "$BIN" credits grant --email "$email" --amount 1000000 --reason "load benchmark" >/dev/null 2>>"$WORK/server.log"
    { curl -fs -H 'content-type: application/json' -d "{\"email\":\"$email\",\"password\":\"$PASSWORD\"}" \
      "$BASE/api/v1/auth/login"; echo; } | field accessToken >>"$WORK/spenders"
  done
}

# A token response of the `bench` client through the code flow, as a browser would.
oidc_tokens() {
  local jar="$WORK/jar.$1" loc req html csrf code
  rm -f "$jar"
  loc=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" \
    "$BASE/authorize?response_type=code&client_id=bench&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid%20email&state=s$1")
  req=${loc##*req=}
  html=$(curl -s -c "$jar" -b "$jar" "$BASE/login?req=$req")
  csrf=$(sed -nE 's/.*name="csrf" value="([^"]+)".*/\1/p' <<<"$html" | head -n1)
  loc=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" \
    --data-urlencode "email=bench@example.org" --data-urlencode "password=$PASSWORD" \
    --data-urlencode "csrf=$csrf" --data-urlencode "req=$req" "$BASE/login")
  loc=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" "$loc")
  code=$(sed -nE 's/.*[?&]code=([^&]+).*/\1/p' <<<"$loc")
  curl -fs -u "bench:$SECRET" -d grant_type=authorization_code -d "code=$code" \
    --data-urlencode "redirect_uri=http://127.0.0.1:9/cb" "$BASE/token"
  echo
}
OIDC_ACCESS=$(oidc_tokens 0 | field access_token)

# wrk at $2 connections on one shape; prints "req/s p50 p99 errors".
drive() {
  local conns=$1 threads=$1
  export LOAD_RUN="$conns-$(date +%s%N)"
  [ -n "${LOAD_TOKENS:-}" ] || threads=1
  taskset -c 1 wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 10s --latency -s bench/load.lua "$TARGET" 2>/dev/null \
    | awk '/^RESULT/ {print $2, $3, $4, $5}'
}

# Requests/s one core could serve at the floor of what the endpoint must do.
floor_of() {
  case $1 in
    token_cc) echo "1000000 / $FLOOR_SIGN_US" ;;              # one signature
    token_refresh) echo "1000000 / (2 * $FLOOR_SIGN_US)" ;;   # access token + id_token
    introspect|userinfo|validate) echo "1000000 / $FLOOR_VERIFY_US" ;;  # one verification
    login) echo "1000 / $FLOOR_ARGON2_MS" ;;                  # one Argon2id hash
    *) echo "" ;;
  esac
}

# The ceiling, started on first use: mana-auth's discovery and JWKS bytes served at the
# same paths on a port of its own; `ceiling headers` restarts it sending mana-auth's
# response headers with them.
CEILING_MODE=""
ceiling() {
  local mode=${1:-bytes}
  if [ "$CEILING_MODE" != "$mode" ]; then
    [ -z "$CEILING_PID" ] || { kill "$CEILING_PID"; wait "$CEILING_PID" 2>/dev/null || true; }
    local port doc documents=() suffix=""
    port=$(free_port)
    for doc in openid-configuration jwks.json; do
      [ -s "$WORK/$doc" ] || curl -fs -D "$WORK/$doc.headers" -o "$WORK/$doc" "$BASE/.well-known/$doc"
      [ "$mode" = bytes ] || suffix=",$WORK/$doc.headers"
      documents+=("/.well-known/$doc=$WORK/$doc$suffix")
    done
    taskset -c 0 "$CEILING" "127.0.0.1:$port" "${documents[@]}" &
    CEILING_PID=$! CEILING_BASE="http://127.0.0.1:$port" CEILING_MODE=$mode
    until curl -fs "$CEILING_BASE/.well-known/jwks.json" >/dev/null 2>&1; do sleep 0.005; done
  fi
  TARGET=$CEILING_BASE TARGET_PID=$CEILING_PID
}

set_shape() {
  unset LOAD_BODY LOAD_AUTH LOAD_TYPE LOAD_TOKENS
  export LOAD_KIND=plain LOAD_METHOD=GET
  TARGET=$BASE TARGET_PID=$SERVER
  case $1 in
    discovery) export LOAD_PATH=/.well-known/openid-configuration ;;
    jwks) export LOAD_PATH=/.well-known/jwks.json ;;
    discovery_ceiling) export LOAD_PATH=/.well-known/openid-configuration; ceiling ;;
    jwks_ceiling) export LOAD_PATH=/.well-known/jwks.json; ceiling ;;
    token_cc)
      export LOAD_METHOD=POST LOAD_PATH=/token LOAD_TYPE=application/x-www-form-urlencoded \
        LOAD_BODY="grant_type=client_credentials" LOAD_AUTH="Basic $(printf 'bench:%s' "$SECRET" | base64 -w0)" ;;
    token_refresh)
      export LOAD_KIND=refresh LOAD_METHOD=POST LOAD_PATH=/token LOAD_TYPE=application/x-www-form-urlencoded \
        LOAD_BODY="grant_type=refresh_token&refresh_token=%TOKEN%" LOAD_TOKENS="$WORK/chains" \
        LOAD_AUTH="Basic $(printf 'bench:%s' "$SECRET" | base64 -w0)" ;;
    introspect)
      export LOAD_METHOD=POST LOAD_PATH=/introspect LOAD_TYPE=application/x-www-form-urlencoded \
        LOAD_BODY="token=$OIDC_ACCESS" LOAD_AUTH="Basic $(printf 'bench:%s' "$SECRET" | base64 -w0)" ;;
    userinfo) export LOAD_PATH=/userinfo LOAD_AUTH="Bearer $OIDC_ACCESS" ;;
    validate)
      export LOAD_METHOD=POST LOAD_PATH=/api/v1/auth/validate LOAD_TYPE=application/json \
        LOAD_BODY="{\"token\":\"$ACCESS\"}" ;;
    login)
      export LOAD_METHOD=POST LOAD_PATH=/api/v1/auth/login LOAD_TYPE=application/json \
        LOAD_BODY="{\"email\":\"bench@example.org\",\"password\":\"$PASSWORD\"}" ;;
    credits_use|credits_use_one_wallet)
      export LOAD_KIND=idempotent LOAD_METHOD=POST LOAD_PATH=/api/v1/credits/use LOAD_TYPE=application/json \
        LOAD_BODY="{\"amount\":1,\"appId\":\"bench\",\"description\":\"load\",\"idempotencyKey\":\"k-%KEY%\"}"
      # Each connection spends as a user of its own; the one-wallet shape has every
      # connection spend from the bench user's wallet, which takes one spend at a time.
      if [ "$1" = credits_use ]; then export LOAD_TOKENS="$WORK/spenders"; else export LOAD_AUTH="Bearer $ACCESS"; fi ;;
  esac
}

if [ -n "${PEER_DIR:-}" ]; then
  # Side by side with node-oidc-provider: the peer harness drives this server instead.
  for i in $(seq 70); do oidc_tokens "p$i" | field refresh_token; done >"$WORK/peer-chains"
  BASE_URL=$BASE CLIENT_ID=bench CLIENT_SECRET=$SECRET REFRESH_TOKENS_FILE="$WORK/peer-chains" \
    INTROSPECT_TOKEN=$(oidc_tokens p0 | field access_token) SERVER_PID=$SERVER LABEL=mana-auth \
    "$PEER_DIR/bench-target.sh"
  # The same harness on the ceiling, bare and with mana-auth's headers; its discovery
  # names mana-auth's JWKS, hence JWKS_URL. Its documents touch no database, so it
  # runs beside SQLite only.
  [ -z "$DATABASE" ] || exit 0
  for mode in bytes headers; do
    ceiling "$mode"
    BASE_URL=$CEILING_BASE JWKS_URL="$CEILING_BASE/.well-known/jwks.json" SERVER_PID=$CEILING_PID \
      LABEL="ceiling-$mode" ENDPOINTS="discovery jwks" "$PEER_DIR/bench-target.sh"
  done
  exit
fi

ROWS="$WORK/rows.tsv"
printf 'endpoint\tlog\tconns\treq/s\tp50 ms\tp99 ms\terrors\tRSS MiB\treq/CPU-s\tdb µs/req\tWAL B/req\tfloor req/s\tratio\n' >"$ROWS"
first_log=1
for log in $LOGS; do
  # The first server is up already; each later filter gets a fresh one.
  [ -n "$first_log" ] || serve_with_log "$log"
  first_log=""
  for endpoint in $ENDPOINTS; do
  for conns in $CONNS; do
    set_shape "$endpoint"
    if [ "$endpoint" = token_refresh ]; then
      : >"$WORK/chains"
      for i in $(seq "$conns"); do oidc_tokens "$i" | field refresh_token >>"$WORK/chains"; done
    fi
    [ "$endpoint" != credits_use ] || spenders "$conns"
    logins=""
    if [ "$endpoint" = discovery_during_logins ]; then
      # Sign-ins saturate the hashing threads while discovery is measured beside them.
      ( set_shape login; DURATION=$((DURATION + 2)) drive 16 >/dev/null ) &
      logins=$!
      sleep 1
      set_shape discovery
    fi
    cpu_before=$(cpu_secs) db_before=$(db_cpu_secs) wal_before=$(wal_bytes)
    read -r rps p50 p99 errors < <(drive "$conns")
    [ -z "$logins" ] || wait "$logins"
    per_cpu=$(awk "BEGIN {used = $(cpu_secs) - $cpu_before; printf \"%.0f\", (used > 0 ? $rps * $DURATION / used : 0)}")
    db_us=$(awk "BEGIN {printf \"%.0f\", ($rps > 0 ? ($(db_cpu_secs) - $db_before) * 1000000 / ($rps * $DURATION) : 0)}")
    wal=$(awk "BEGIN {printf \"%.0f\", ($rps > 0 ? ($(wal_bytes) - $wal_before) / ($rps * $DURATION) : 0)}")
    floor=$(floor_of "$endpoint")
    if [ -n "$floor" ]; then
      floor_rps=$(awk "BEGIN {printf \"%.0f\", $floor}")
      ratio=$(awk "BEGIN {printf \"%.2f\", $rps / ($floor)}")
    else
      floor_rps="-" ratio="-"
    fi
    printf '%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$endpoint" "$log" "$conns" "$rps" "$p50" "$p99" \
      "$errors" "$(rss VmRSS)" "$per_cpu" "$(on_postgres "$db_us")" "$(on_postgres "$wal")" \
      "$floor_rps" "$ratio" >>"$ROWS"
  done
  done
done

ledger=$("$BIN" doctor 2>&1 | grep -i ledger || true)
column -t -s $'\t' "$ROWS"
echo
note_peak
echo "engine: $(on_postgres PostgreSQL SQLite); start-up to ready: ${ready_ms} ms; RSS idle ${idle_rss} MiB, peak ${PEAK_RSS} MiB"
echo "ledger after the run: ${ledger:-see mana-auth doctor}"
if grep -qE 'WARN|ERROR' "$WORK/server.log"; then
  echo "server warnings and errors (last 5):"
  grep -E 'WARN|ERROR' "$WORK/server.log" | tail -n 5
fi
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); server on core 0, wrk on core 1${DATABASE:+, PostgreSQL on core $DB_CPUS}, ${DURATION}s per run; pool $POOL${DATABASE:+, statement cache ${STATEMENT_CACHE:-as configured}}"
