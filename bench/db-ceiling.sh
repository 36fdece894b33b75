#!/usr/bin/env bash
# What PostgreSQL alone allows for mana-auth's two hot writes on this machine: pgbench
# sends the statements of a refresh-token rotation and of a credits spend, as mana-auth
# sends them (prepared, the rotation in autocommit, the spend in one transaction), to a
# scratch database with mana-auth's schema. The database is pinned to DB_CPUS and
# pgbench to core 0, as bench/load.sh pins the database and mana-auth, so its figure is
# the ceiling for the same endpoint in that table.
#
#   bench/db-ceiling.sh postgres://postgres@127.0.0.1:5432/postgres
#   CLIENTS="4 16" DURATION=10 bench/db-ceiling.sh URL
#   BIN=path/to/mana-auth bench/db-ceiling.sh URL   # its migrations make the schema; not rebuilt
#
# pgbench reads `:name` as a variable even inside quotes, so the scripts spell account
# ids with '/' instead of ':'; their lengths, and so the work, are the same.
set -euo pipefail
cd "$(dirname "$0")/.."

URL=${1:?usage: bench/db-ceiling.sh postgres://USER@HOST[:PORT]/DB}
CLIENTS=${CLIENTS:-"16"}
DURATION=${DURATION:-10}
DB_CPUS=${DB_CPUS:-1}
BIN=${BIN:-}
[ -n "$BIN" ] || { cargo build --release --quiet; BIN=target/release/mana-auth; }

WORK=$(mktemp -d /tmp/mana-auth-ceiling.XXXXXX)
DATABASE="mana_auth_ceiling_$$"
DB_URL="${URL%/*}/$DATABASE"
pin_postgres() { pgrep -x postgres | xargs -r -n1 taskset -a -cp "$1" >/dev/null 2>&1 || true; }
cleanup() {
  pin_postgres "0-$(($(nproc) - 1))"
  psql "$URL" -qc "DROP DATABASE IF EXISTS $DATABASE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql "$URL" -qc "CREATE DATABASE $DATABASE"
cat >"$WORK/config.toml" <<EOF
issuer = "http://127.0.0.1:3001"
[database]
url = "$DB_URL"
EOF
MANA_AUTH_CONFIG="$WORK/config.toml" "$BIN" migrate >/dev/null 2>&1

# 64 users with wallets and a session each, and 100,000 refresh tokens to rotate.
psql "$DB_URL" -q <<'SQL'
INSERT INTO users (id, email, password_hash, email_verified, role, created_at, updated_at)
  SELECT 'user-' || g, 'user' || g || '@example.org', 'x', true, 'user', 0, 0 FROM generate_series(1, 64) g;
INSERT INTO auth_sessions (id, user_id, auth_time, created_at, last_used_at, expires_at, amr)
  SELECT 'session-' || g, 'user-' || g, 0, 0, 0, 4000000000, 'pwd' FROM generate_series(1, 64) g;
INSERT INTO credit_accounts (id, user_id, kind, balance, version, created_at)
  SELECT 'user-' || g || '/' || kind, 'user-' || g, kind, 1000000000, 0, 0
  FROM generate_series(1, 64) g, (VALUES ('free'), ('paid')) AS kinds(kind);
INSERT INTO credit_accounts (id, user_id, kind, balance, version, created_at)
  VALUES ('system/spending', NULL, 'system/spending', 0, 0, 0);
INSERT INTO refresh_tokens (token_hash, family_id, client_id, user_id, session_id, scope, auth_time,
    access_jti, created_at, expires_at)
  SELECT 'token-' || g, 'family-' || g, 'bench', 'user-' || (1 + g % 64), 'session-' || (1 + g % 64),
    'openid email offline_access', 0, 'jti-' || g, 0, 4000000000
  FROM generate_series(1, 100000) g;
SQL
# Nothing left for autovacuum to do, and no checkpoint due, while pgbench runs.
psql "$DB_URL" -qc "VACUUM ANALYZE" -c "CHECKPOINT"

# The values are pgbench's random integers, so the database computes no more than it
# does for mana-auth, whose statements carry every value as a parameter.
# A rotation: the token read with its session, its user and whether it has a successor;
# then the successor inserted while the parent stands, in autocommit.
cat >"$WORK/rotation.sql" <<'SQL'
\set t random(1, 100000)
\set u random(1, 64)
\set n random(1, 9000000000000000)
SELECT t.*, s.*, u.*, EXISTS(SELECT 1 FROM refresh_tokens c WHERE c.parent_hash = t.token_hash) AS used
  FROM refresh_tokens t LEFT JOIN auth_sessions s ON s.id = t.session_id LEFT JOIN users u ON u.id = t.user_id
  WHERE t.token_hash = 'token-' || CAST(:t AS text);
INSERT INTO refresh_tokens (token_hash, family_id, client_id, user_id, session_id, scope, auth_time, access_jti,
    created_at, expires_at, used_at, revoked_at, parent_hash, dpop_jkt)
  SELECT 'successor-' || CAST(:n AS text), 'family-' || CAST(:t AS text), 'bench', 'user-' || CAST(:u AS text),
    'session-' || CAST(:u AS text), 'openid email offline_access', 0, 'jti-' || CAST(:n AS text), 0, 4000000000,
    NULL, NULL, 'parent-' || CAST(:n AS text), NULL
  WHERE EXISTS(SELECT 1 FROM refresh_tokens p WHERE p.token_hash = 'token-' || CAST(:t AS text) AND p.revoked_at IS NULL)
  ON CONFLICT DO NOTHING RETURNING token_hash;
SQL

# A spend with an idempotency key, each client as a user of its own (at most 64), as in
# bench/load.sh: the access token's revocation, today's free credits, then one transaction that takes the wallets, writes the transaction and its entries,
# moves the wallet and records the answer under the key.
cat >"$WORK/spend.sql" <<'SQL'
\set u :client_id + 1
\set n random(1, 9000000000000000)
SELECT EXISTS(SELECT 1 FROM refresh_tokens WHERE access_jti = 'jti-' || CAST(:n AS text) AND revoked_at IS NOT NULL);
SELECT 1 FROM credit_transactions WHERE reference = 'daily/user-' || CAST(:u AS text);
BEGIN;
INSERT INTO credit_accounts (id, user_id, kind, balance, version, created_at)
  VALUES ('user-' || CAST(:u AS text) || '/free', 'user-' || CAST(:u AS text), 'free', 0, 0, 0),
    ('user-' || CAST(:u AS text) || '/paid', 'user-' || CAST(:u AS text), 'paid', 0, 0, 0)
  ON CONFLICT (id) DO UPDATE SET version = credit_accounts.version + 1 RETURNING *;
INSERT INTO credit_transactions (id, user_id, kind, amount, from_free, from_paid, balance_after, app_id,
    description, metadata, reference, created_at)
  VALUES ('transaction-' || CAST(:n AS text), 'user-' || CAST(:u AS text), 'spend', 1, 1, 0, 0, 'bench', 'load',
    NULL, NULL, 0);
INSERT INTO credit_entries (id, transaction_id, account_id, amount)
  VALUES ('free-' || CAST(:n AS text), 'transaction-' || CAST(:n AS text), 'user-' || CAST(:u AS text) || '/free', -1),
    ('spending-' || CAST(:n AS text), 'transaction-' || CAST(:n AS text), 'system/spending', 1);
UPDATE credit_accounts SET balance = balance + (CASE WHEN id = 'user-' || CAST(:u AS text) || '/free' THEN -1 ELSE 0 END)
  WHERE id IN ('user-' || CAST(:u AS text) || '/free')
    AND balance + (CASE WHEN id = 'user-' || CAST(:u AS text) || '/free' THEN -1 ELSE 0 END) >= 0;
INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at)
  VALUES ('user-' || CAST(:u AS text), 'key-' || CAST(:n AS text), 'digest', 200,
    '{"id":"a-transaction-id","type":"spend","amount":-1,"description":"load","appId":"bench"}', 0)
  ON CONFLICT (user_id, key) DO NOTHING;
COMMIT;
SQL

pin_postgres "$DB_CPUS"
printf 'shape\tclients\ttransactions/s\n'
for shape in rotation spend; do
  for clients in $CLIENTS; do
    tps=$(taskset -c 0 pgbench -n -M prepared -c "$clients" -j 2 -T "$DURATION" -f "$WORK/$shape.sql" "$DB_URL" 2>&1 \
      | awk '/^tps/ {printf "%.0f", $3}')
    printf '%s\t%s\t%s\n' "$shape" "$clients" "${tps:-failed}"
  done
done | column -t -s $'\t'
echo "machine: $(nproc) cores, $(lscpu | sed -nE 's/^Model name: +//p'); PostgreSQL on core(s) $DB_CPUS, pgbench on core 0, ${DURATION}s per run"
