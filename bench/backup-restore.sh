#!/usr/bin/env bash
# Measures backup, verify and restore on a seeded database, for the runbook's
# recovery objectives. Usage: bench/backup-restore.sh [USERS] [POSTGRES_ADMIN_URL]
# Seeds USERS accounts (default 20000), each with a session, a refresh token and a
# signup-bonus transaction, into a fresh SQLite database; restores into SQLite, and
# into PostgreSQL too when an admin URL is given (a scratch database is created there).
set -euo pipefail
cd "$(dirname "$0")/.."
users="${1:-20000}"
pg_admin="${2:-}"
cargo build --release --quiet
bin="$PWD/target/release/mana-auth"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export RUST_LOG=warn MANA_AUTH_BACKUP_KEY="bench passphrase"

now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f s", b - a }'; }

export MANA_AUTH__DATABASE__URL="sqlite://$work/source.db?mode=rwc"
"$bin" migrate >/dev/null
"$bin" keys rotate --emergency >/dev/null
python3 - "$work/source.db" "$users" <<'PY'
import sqlite3, sys, time, secrets
db, n = sqlite3.connect(sys.argv[1]), int(sys.argv[2])
t = int(time.time())
for i in range(n):
    uid = f"user{i:07d}"
    sid = f"sess{i:07d}"
    db.execute("INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?)",
               (uid, f"{uid}@example.org", None, "User", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", 0, "user", t, t))
    db.execute("INSERT INTO auth_sessions (id, user_id, auth_time, created_at, last_used_at, expires_at, revoked_at,"
               " user_agent, ip, device_id, device_name) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
               (sid, uid, t, t, t, t + 86400, None, "bench", "127.0.0.1", None, None))
    db.execute("INSERT INTO refresh_tokens (token_hash, family_id, client_id, user_id, session_id, scope, auth_time,"
               " access_jti, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
               (secrets.token_hex(32), f"fam{i}", "mana-api", uid, sid, "profile email", t, f"jti{i}", t, t + 604800))
    for kind in ("free", "paid"):
        db.execute("INSERT INTO credit_accounts VALUES (?,?,?,?,?,?)", (f"{uid}:{kind}", uid, kind, 150 if kind == "free" else 0, 1, t))
    db.execute("INSERT INTO credit_transactions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
               (f"tx{i}", uid, "signup_bonus", 150, 0, 0, 150, None, None, None, f"signup:{uid}", t))
    db.execute("INSERT INTO credit_entries VALUES (?,?,?,?)", (f"e{i}a", f"tx{i}", f"{uid}:free", 150))
    db.execute("INSERT INTO credit_entries VALUES (?,?,?,?)", (f"e{i}b", f"tx{i}", "system:signup_bonus", -150))
db.execute("UPDATE credit_accounts SET balance = ? WHERE id = 'system:signup_bonus'", (-150 * n,))
db.commit()
PY
size="$(du -h "$work/source.db" | cut -f1)"

start="$(now)"; file="$("$bin" backup create --out "$work" | awk '{print $1}')"; backup="$(took "$start" "$(now)")"
start="$(now)"; "$bin" backup verify "$file" >/dev/null; verify="$(took "$start" "$(now)")"
export MANA_AUTH__DATABASE__URL="sqlite://$work/target.db?mode=rwc"
"$bin" migrate >/dev/null
start="$(now)"; "$bin" restore "$file" >/dev/null; restore_sqlite="$(took "$start" "$(now)")"
"$bin" doctor >/dev/null

echo "data: $users users (SQLite file $size; backup file $(du -h "$file" | cut -f1))"
echo "| step | time |"
echo "| --- | --- |"
echo "| backup create | $backup |"
echo "| backup verify (incl. scratch restore) | $verify |"
echo "| restore into SQLite | $restore_sqlite |"
if [ -n "$pg_admin" ]; then
  name="mana_bench_$$"
  psql "$pg_admin" -qc "CREATE DATABASE $name"
  export MANA_AUTH__DATABASE__URL="${pg_admin%/*}/$name"
  "$bin" migrate >/dev/null
  start="$(now)"; "$bin" restore "$file" >/dev/null; restore_pg="$(took "$start" "$(now)")"
  "$bin" doctor >/dev/null
  psql "$pg_admin" -qc "DROP DATABASE $name WITH (FORCE)"
  echo "| restore into PostgreSQL | $restore_pg |"
fi
