#!/usr/bin/env bash
# Disaster-recovery drill: the scenarios of docs/RUNBOOK.md, typed as an operator
# would type them, against real `mana-auth serve` processes, with the wall time of
# every step and a table at the end. Each scenario starts from a database of its own.
#
# Usage: bench/dr-drill.sh
#   MANA_AUTH_BIN                 the binary (default target/release/mana-auth,
#                                 built with `cargo build --release` when absent)
#   MANA_AUTH_DRILL_POSTGRES_URL  an admin URL, e.g. postgres://postgres@127.0.0.1:5432/postgres:
#                                 every scenario runs on PostgreSQL too, each in a database
#                                 created for it and dropped at the end
#   MANA_AUTH_DRILL_S3_URL        an S3-compatible endpoint that lets anyone create a bucket
#                                 with an unsigned PUT (moto_server -H 127.0.0.1 -p PORT):
#                                 adds "total loss" with the restore from the bucket
# Needs curl, python3 (JSON, free ports, the TOTP and Ed25519 arithmetic) and, for
# PostgreSQL, psql. Exits non-zero at the first check that fails, naming it.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

bin="${MANA_AUTH_BIN:-target/release/mana-auth}"
if [ ! -x "$bin" ]; then
  cargo build --release --quiet
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
pg_admin="${MANA_AUTH_DRILL_POSTGRES_URL:-}"
s3_url="${MANA_AUTH_DRILL_S3_URL:-}"
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "dr-drill: needs $tool" >&2; exit 1; }
done
if [ -n "$pg_admin" ] && ! command -v psql >/dev/null; then
  echo "dr-drill: MANA_AUTH_DRILL_POSTGRES_URL needs psql" >&2
  exit 1
fi

work="$(mktemp -d)"
results="$work/results.tsv"
: >"$results"
databases=()
# Servers (and the lock holder) are this shell's jobs; stopped ones were reaped already,
# so only what still runs is killed.
cleanup() {
  local pid name
  for pid in $(jobs -p); do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for name in "${databases[@]}"; do
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# The secrets of a production deployment, so the drill restores sealed keys too.
export RUST_LOG=warn
export MANA_AUTH_BACKUP_KEY="drill backup passphrase"
export MANA_AUTH_KEY_ENCRYPTION_KEY="drill key-encryption key, at least 32 characters"
export MANA_AUTH_SECRETS_KEY="drill secrets key of at least 32 characters"
# Backups are taken by command here; servers follow key changes within a second
# and clients within a second (keys.reload_secs and cache.clients_secs, 30 s and 10 s by
# default), so the drill does not wait out those periods.
export MANA_AUTH__BACKUP__SCHEDULE=""
export MANA_AUTH__KEYS__RELOAD_SECS=1 MANA_AUTH__CACHE__CLIENTS_SECS=1
PASSWORD="correct horse battery staple"
NEW_PASSWORD="a new passphrase after the reset"

# JSON, JWT, TOTP and mail handling, in one helper so the script needs no jq.
cat >"$work/drill.py" <<'PY'
import base64, email, glob, hashlib, hmac, http.cookiejar, json, os, re, socket, sqlite3, struct, sys, time
import urllib.parse, urllib.request

def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def field(doc, path):
    for part in path.split("."):
        doc = doc[int(part)] if isinstance(doc, list) else doc.get(part) if isinstance(doc, dict) else None
    return doc

# Ed25519 verification, RFC 8032 §5.1.7 (reference arithmetic: slow, and enough here).
P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

def recover_x(y, sign):
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    return P - x if (x & 1) != sign else x

def add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % P
    B = (a[1] + a[0]) * (b[1] + b[0]) % P
    C = 2 * a[3] * b[3] * D % P
    E = 2 * a[2] * b[2] % P
    e, f, g, h = B - A, E - C, E + C, B + A
    return (e * f % P, g * h % P, f * g % P, e * h % P)

def mul(s, a):
    r = (0, 1, 1, 0)
    while s:
        if s & 1:
            r = add(r, a)
        a, s = add(a, a), s >> 1
    return r

def point(raw):
    y = int.from_bytes(raw, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = None if y >= P else recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)

GY = 4 * pow(5, P - 2, P) % P
G = (recover_x(GY, 0), GY, 1, recover_x(GY, 0) * GY % P)

def ed25519_verify(public, message, signature):
    a, r = point(public), point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= Q or len(public) != 32:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % Q
    left, right = mul(s, G), add(r, mul(h, a))
    return (left[0] * right[2] - right[0] * left[2]) % P == 0 and (left[1] * right[2] - right[1] * left[2]) % P == 0

def verify(token, jwks_file, issuer):
    """What a resource server does with the published key set (README, "Verifying access tokens")."""
    head, body, sig = token.split(".")
    header, claims = json.loads(b64url(head)), json.loads(b64url(body))
    keys = {k["kid"]: k for k in json.load(open(jwks_file))["keys"]}
    if header.get("alg") != "EdDSA":
        return f"alg {header.get('alg')}, not EdDSA"
    if header.get("kid") not in keys:
        return f"kid {header.get('kid')} is not in the key set"
    if not ed25519_verify(b64url(keys[header["kid"]]["x"]), f"{head}.{body}".encode(), b64url(sig)):
        return "the signature does not verify"
    if claims.get("iss") != issuer:
        return f"iss {claims.get('iss')}, not {issuer}"
    if claims.get("exp", 0) <= time.time():
        return "expired"
    return None

def totp(secret, at=None):
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at or time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)

def hidden(html, name):
    return re.search(f'name="{name}" value="([^"]*)"', html).group(1)

def enrol_mfa(base, mail, password):
    """Turns two-step verification on at /account/mfa, as a person does in a browser."""
    jar = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    browser = urllib.request.build_opener(jar)
    def page(path, form=None):
        data = urllib.parse.urlencode(form).encode() if form else None
        with browser.open(base + path, data) as response:
            return response.read().decode()
    sign_in = page("/login")
    page("/login", {"email": mail, "password": password, "csrf": hidden(sign_in, "csrf"), "req": hidden(sign_in, "req")})
    setup = page("/account/mfa")
    secret = re.search(r'<code id="secret">([^<]+)</code>', setup).group(1)
    done = page("/account/mfa", {"code": totp(secret), "csrf": hidden(setup, "csrf")})
    if done.count("<li><code>") != 10:
        sys.exit("two-step verification was not turned on: no recovery codes shown")

def mailed_token(outbox, to, path):
    for name in sorted(glob.glob(os.path.join(outbox, "*.eml")), reverse=True):
        message = email.message_from_bytes(open(name, "rb").read())
        if message["To"] == to:
            text = message.get_payload(decode=True).decode()
            found = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_-]+)", text)
            if found:
                return found.group(1)
    sys.exit(f"no mail to {to} with a {path} link in {outbox}")

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def hold_sqlite_lock(path, held, release):
    """Another process takes SQLite's write lock and keeps it: the outage SQLite knows."""
    db = sqlite3.connect(path, isolation_level=None, timeout=10)
    db.execute("BEGIN IMMEDIATE")
    open(held, "w").close()
    while not os.path.exists(release):
        time.sleep(0.05)
    db.execute("ROLLBACK")

def sqlite(path, sql):
    db = sqlite3.connect(path)
    db.executescript(sql)
    db.commit()

def damage_header(path):
    with open(path, "r+b") as f:
        f.write(b"\0" * 100)

command, args = sys.argv[1], sys.argv[2:]
if command == "get":
    value = field(json.load(sys.stdin), args[0])
    print("" if value is None else value if isinstance(value, str) else json.dumps(value))
elif command == "body":
    print(json.dumps(dict(zip(args[0::2], args[1::2]))))
elif command == "kid":
    print(json.loads(b64url(args[0].split(".")[0]))["kid"])
elif command == "sub":
    print(json.loads(b64url(args[0].split(".")[1]))["sub"])
elif command == "kids":
    print(" ".join(k["kid"] for k in json.load(sys.stdin)["keys"]))
elif command == "verify":
    problem = verify(*args)
    if problem:
        sys.exit(problem)
elif command == "enrol-mfa":
    enrol_mfa(*args)
elif command == "mailed-token":
    print(mailed_token(*args))
elif command == "port":
    print(free_port())
elif command == "hold-lock":
    hold_sqlite_lock(*args)
elif command == "sqlite":
    sqlite(*args)
elif command == "damage-header":
    damage_header(*args)
elif command == "table":
    rows = [line.rstrip("\n").split("\t") for line in open(args[0])]
    backends = list(dict.fromkeys(r[0] for r in rows))
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    steps, took = [], {}
    for backend, scenario, step, secs in rows:
        if (scenario, step) not in took:
            steps.append((scenario, step))
            took[(scenario, step)] = {}
        took[(scenario, step)][backend] = float(secs)
    print("| scenario | step | " + " | ".join(names[b] for b in backends) + " |")
    print("| --- | --- |" + " --- |" * len(backends))
    def total_row(scenario):
        sums = [sum(t.get(b, 0) for (s, step), t in took.items() if s == scenario and not step.startswith("0."))
                for b in backends]
        print(f"| {scenario} | **total of steps 1 on** | " + " | ".join(f"**{x:.2f} s**" for x in sums) + " |")
    for i, (scenario, step) in enumerate(steps):
        cells = [f"{took[(scenario, step)][b]:.2f} s" if b in took[(scenario, step)] else "" for b in backends]
        print(f"| {scenario} | {step} | " + " | ".join(cells) + " |")
        if i + 1 == len(steps) or steps[i + 1][0] != scenario:
            total_row(scenario)
else:
    sys.exit(f"unknown helper command {command}")
PY
py() { python3 "$work/drill.py" "$@"; }

now() { date +%s.%N; }
fail() {
  echo "dr-drill: FAILED [$backend] $scenario: $current: $*" >&2
  exit 1
}
# An unexpected error (a command that should have worked) names the step too.
trap 'echo "dr-drill: FAILED [$backend] $scenario: $current: a command failed (line $LINENO); server log: $site/serve.log" >&2' ERR

backend=""
scenario=""
current="setup"
# Runs one step, prints its wall time and records it. Steps numbered 0 prepare the
# scenario and are left out of the recovery time.
step() {
  current="$1"
  shift
  local start took
  start="$(now)"
  "$@"
  took="$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')"
  printf '[%s] %s: %s ... %s s\n' "$backend" "$scenario" "$current" "$took"
  printf '%s\t%s\t%s\t%s\n' "$backend" "$scenario" "$current" "$took" >>"$results"
}

ma() { "$bin" "$@"; }

# A fresh database: an SQLite file in the scenario's folder, or a PostgreSQL database
# of its own. Sets db_url (and db_file on SQLite).
new_database() {
  if [ "$backend" = sqlite ]; then
    db_file="$site/$1.db"
    db_url="sqlite://$db_file?mode=rwc"
  else
    local name="mana_drill_$$_${RANDOM}_${1//-/_}" base="${pg_admin%%\?*}" query=""
    if [[ "$pg_admin" == *\?* ]]; then query="?${pg_admin#*\?}"; fi
    psql "$pg_admin" -qc "CREATE DATABASE $name" >/dev/null
    databases+=("$name")
    db_name="$name"
    db_url="${base%/*}/$name$query"
  fi
}

# SQL on the scenario's database, behind mana-auth's back (the damage of a drill).
sql() {
  if [ "$backend" = sqlite ]; then
    py sqlite "$db_file" "$1"
  else
    psql "$db_url" -qc "$1" >/dev/null
  fi
}

# A deployment of one server: its own folder, ports, database, backups and outbox.
new_site() {
  site="$work/$backend-$1"
  mkdir -p "$site"
  port="$(py port)"
  base="http://127.0.0.1:$port"
  metrics="http://127.0.0.1:$(py port)"
  export MANA_AUTH__SERVER__BIND="127.0.0.1:$port" MANA_AUTH__ISSUER="$base"
  export MANA_AUTH__METRICS__BIND="${metrics#http://}"
  export MANA_AUTH__BACKUP__DIR="$site/backups" MANA_AUTH__MAIL__OUTBOX_DIR="$site/outbox"
  unset MANA_AUTH__BACKUP__S3__BUCKET MANA_AUTH__BACKUP__S3__PREFIX MANA_AUTH__BACKUP__S3__REGION \
    MANA_AUTH__BACKUP__S3__ENDPOINT MANA_AUTH__BACKUP__S3__ACCESS_KEY_ID MANA_AUTH__BACKUP__S3__SECRET_ACCESS_KEY \
    MANA_AUTH__SECURITY__RATE_LIMIT__SIGNIN_PER_IP
  new_database main
  export MANA_AUTH__DATABASE__URL="$db_url"
}

status_of() { curl -s -o /dev/null -w '%{http_code}' "$base$1"; }

wait_ready() {
  local i
  for i in $(seq 1 300); do
    [ "$(status_of /health/ready)" = 200 ] && return 0
    kill -0 "$server" 2>/dev/null || fail "the server exited; see $site/serve.log"
    sleep 0.1
  done
  fail "/health/ready did not answer 200 within 30 s"
}

serve() {
  "$bin" serve >>"$site/serve.log" 2>&1 &
  server=$!
  wait_ready
}

stop() {
  kill -TERM "$server"
  wait "$server" 2>/dev/null || true
}

# POST a JSON body; the answer goes to $work/answer, the status to stdout.
post() { curl -s -o "$work/answer" -w '%{http_code}' -H 'Content-Type: application/json' -d "$2" "$base$1"; }
answer() { py get "$1" <"$work/answer"; }

expect() {
  [ "$1" = "$2" ] || fail "$3: got $2, expected $1 ($(head -c 300 "$work/answer" 2>/dev/null))"
}

add_user() { printf '%s' "${2:-$PASSWORD}" | ma user add --email "$1" --password-stdin >/dev/null; }

# Signs in through the native API; leaves the tokens in access and refresh.
sign_in() {
  expect 200 "$(post /api/v1/auth/login "$(py body email "$1" password "${2:-$PASSWORD}")")" "sign-in of $1"
  access="$(answer accessToken)"
  refresh="$(answer refreshToken)"
  [ -n "$access" ] || fail "sign-in of $1 gave no access token"
}

refused_sign_in() {
  expect 401 "$(post /api/v1/auth/login "$(py body email "$1" password "${2:-$PASSWORD}")")" "sign-in of $1 with ${3:-its old password}"
}

# A token verifies as a resource server checks it: its kid in /.well-known/jwks.json, the
# Ed25519 signature, iss and exp; and mana-auth's own check (session alive) agrees.
token_verifies() {
  curl -sf "$base/.well-known/jwks.json" >"$work/jwks.json"
  py verify "$1" "$work/jwks.json" "$base" || fail "a token issued before does not verify against the JWKS"
  expect 200 "$(post /api/v1/auth/validate "$(py body token "$1")")" "validate"
  [ "$(answer valid)" = true ] || fail "/api/v1/auth/validate says the token is not valid: $(cat "$work/answer")"
}

token_refused() {
  expect 200 "$(post /api/v1/auth/validate "$(py body token "$1")")" "validate"
  [ "$(answer valid)" = false ] || fail "a token that should be dead is still valid"
}

refresh_works() {
  expect 200 "$(post /api/v1/auth/refresh "$(py body refreshToken "$1")")" "refresh with a token from before"
}

refresh_refused() {
  expect 401 "$(post /api/v1/auth/refresh "$(py body refreshToken "$1")")" "refresh with a revoked token"
}

published_kids() { curl -sf "$base/.well-known/jwks.json" | py kids; }

# Waits until `mana-auth` commands' changes are seen by the running server (keys.reload_secs,
# cache.clients_secs): runs the check until it passes, 15 s at most.
eventually() {
  local i
  for i in $(seq 1 150); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  "$@"
}

# Runs a command, its output in $work/out for said(); out_fails expects it to fail.
out() { "$@" >"$work/out" 2>&1 || fail "\`$(shown "$@")\` failed: $(cat "$work/out")"; }
out_fails() { ! "$@" >"$work/out" 2>&1 || fail "\`$(shown "$@")\` succeeded where it should fail: $(cat "$work/out")"; }
shown() { local text="$*"; echo "${text/#ma /mana-auth }"; }
said() { grep -q -- "$1" "$work/out" || fail "expected \"$1\" in: $(cat "$work/out")"; }

newest_backup() { ma backup list | head -n 1 | cut -f3 | cut -d' ' -f1; }

client_token() {
  curl -s -o "$work/answer" -w '%{http_code}' -u "$1:$2" -d grant_type=client_credentials "$base/token"
}

# What most scenarios start from: a server with a user signed in.
populated() {
  new_site "$1"
  serve
  add_user ada@example.org
  sign_in ada@example.org
  before_access="$access"
  before_refresh="$refresh"
}

# `backup create` prints the file, and the s3:// URL when it uploaded one.
take_backup() {
  out ma backup create
  backup_file="$(head -n 1 "$work/out" | cut -d' ' -f1)"
  backup_url="$(sed -n 2p "$work/out")"
}

populated_backup() {
  populated "$1"
  take_backup
}

# --- database corruption ------------------------------------------------------------
drill_corruption() {
  scenario="database corruption"
  step "0. serve, add a user, sign in, back up" populated_backup corruption
  step "1. stop the servers" stop
  # On SQLite the file's header is overwritten; on PostgreSQL rows go missing.
  damage() {
    if [ "$backend" = sqlite ]; then
      py damage-header "$db_file"
    else
      sql "DELETE FROM credit_entries"
    fi
  }
  step "0. the damage (servers stopped)" damage
  step "2. mana-auth doctor finds the damage" out_fails ma doctor
  set_aside() {
    if [ "$backend" = sqlite ]; then
      local f
      for f in "$db_file" "$db_file-wal" "$db_file-shm"; do
        if [ -e "$f" ]; then mv "$f" "$f.damaged"; fi
      done
    else
      new_database restored
      export MANA_AUTH__DATABASE__URL="$db_url"
    fi
  }
  step "3. set the damaged database aside" set_aside
  pick() {
    picked="$(newest_backup)"
    [ "$picked" = "$backup_file" ] || fail "backup list shows $picked first, not $backup_file"
  }
  step "4. mana-auth backup list" pick
  step "5. mana-auth restore FILE --dry-run" out ma restore "$picked" --dry-run
  said valid
  step "6. mana-auth restore FILE" out ma restore "$picked"
  said "restored"
  step "7. mana-auth doctor" out ma doctor
  step "8. start the servers, /health/ready 200" serve
  check() {
    token_verifies "$before_access"
    refresh_works "$before_refresh"
    sign_in ada@example.org
  }
  step "9. check: a token from before verifies, the user signs in" check
  stop
}

# --- signing-key loss ---------------------------------------------------------------
drill_key_loss() {
  scenario="signing-key loss"
  step "0. serve, add a user, sign in" populated key-loss
  export_keys() { out ma keys export "$site/keys.export"; said "keys written"; }
  step "0. mana-auth keys export FILE (after each rotation)" export_keys
  step "0. the loss: every stored key deleted under the running server" sql "DELETE FROM jwks"
  unready() { [ "$(status_of /health/ready)" = 503 ]; }
  see() {
    eventually unready || fail "/health/ready still answers 200 without keys"
    out_fails ma doctor
    said "0 active EdDSA keys"
  }
  step "1. see it: /health/ready 503, mana-auth doctor names the keys" see
  step "2. mana-auth keys import FILE" out ma keys import "$site/keys.export"
  said "keys imported"
  step "3. mana-auth doctor" out ma doctor
  ready() { [ "$(status_of /health/ready)" = 200 ]; }
  followed() { eventually ready || fail "the server did not take the imported keys"; }
  step "4. check: the running server follows, /health/ready 200" followed
  step "5. check: a token from before verifies" token_verifies "$before_access"
  stop
}

# --- total loss, restore from the bucket --------------------------------------------
drill_total_loss() {
  scenario="total loss, restore from S3"
  bucket="mana-drill-$$-$RANDOM"
  with_bucket() {
    curl -sf -X PUT "$s3_url/$bucket" >/dev/null || fail "cannot create bucket $bucket at $s3_url"
    export MANA_AUTH__BACKUP__S3__BUCKET="$bucket" MANA_AUTH__BACKUP__S3__PREFIX="production/" \
      MANA_AUTH__BACKUP__S3__REGION=us-east-1 MANA_AUTH__BACKUP__S3__ENDPOINT="$s3_url" \
      MANA_AUTH__BACKUP__S3__ACCESS_KEY_ID=drill MANA_AUTH__BACKUP__S3__SECRET_ACCESS_KEY=drill-secret
  }
  # The bucket is set after new_site, which clears the settings of the last scenario.
  setup() {
    populated total-loss
    with_bucket
    take_backup
    [[ "$backup_url" == s3://"$bucket"/production/* ]] || fail "backup create uploaded nothing: $(cat "$work/out")"
  }
  step "0. serve, add a user, sign in, back up to the bucket" setup
  # A new machine: an empty database, no backup folder; the old one is gone.
  lose() {
    stop
    rm -rf "$site"
    mkdir -p "$site"
    if [ "$backend" = postgres ]; then
      psql "$pg_admin" -qc "DROP DATABASE $db_name WITH (FORCE)" >/dev/null
      new_database new-machine
      export MANA_AUTH__DATABASE__URL="$db_url"
    fi
  }
  step "0. the loss: server, database and backup folder gone" lose
  listed() {
    out ma backup list
    said "$backup_url"
    grep -q "$site/backups" "$work/out" && fail "a local copy survived the loss"
    return 0
  }
  step "1. mana-auth backup list (only the bucket is left)" listed
  step "2. mana-auth backup verify s3://…" out ma backup verify "$backup_url"
  said "ledger: ok"
  step "3. mana-auth restore s3://… --dry-run" out ma restore "$backup_url" --dry-run
  step "4. mana-auth restore s3://…" out ma restore "$backup_url"
  step "5. mana-auth doctor" out ma doctor
  step "6. start the servers, /health/ready 200" serve
  check() {
    token_verifies "$before_access"
    refresh_works "$before_refresh"
    sign_in ada@example.org
  }
  step "7. check: a token from before verifies, the user signs in" check
  stop
  prune() { out ma backup prune --keep-days 0; said "1 backup(s) removed"; }
  step "0. mana-auth backup prune --keep-days 0 (empties the drill's bucket)" prune
}

# --- accidental deletion ------------------------------------------------------------
drill_deletion() {
  scenario="accidental deletion"
  setup() {
    populated deletion
    out ma client add --id billing --grant-type client_credentials
    old_secret="$(sed -n 's/^client_secret: //p' "$work/out")"
    add_user bob@example.org
    sign_in bob@example.org
    old_sub="$(py sub "$access")"
    take_backup
    expect 200 "$(client_token billing "$old_secret")" "client_credentials before the deletion"
    # The accident.
    out ma client remove billing
    out ma user delete --email bob@example.org
  }
  step "0. serve, add a client and a user, back up, delete both" setup
  find_out() {
    out ma audit --type client.removed --since 1h
    said "client=billing"
    out ma audit --type user.deleted --since 1h
    said "user=$old_sub"
  }
  step "1. mana-auth audit --type client.removed / user.deleted" find_out
  pick() { picked="$(newest_backup)"; [ "$picked" = "$backup_file" ] || fail "backup list shows $picked first"; }
  step "2. mana-auth backup list" pick
  live_url="$MANA_AUTH__DATABASE__URL"
  new_database side
  side_url="$db_url"
  side() { MANA_AUTH__DATABASE__URL="$side_url" "$@"; }
  step "3. restore into a side database" out side ma restore "$picked"
  read_side() {
    out side ma client list
    grep -q "^billing	confidential	.*	client_credentials" "$work/out" || fail "billing is not in the side database"
    out side ma audit --user bob@example.org --limit 1
    grep -q "user=$old_sub" "$work/out" || fail "bob@example.org ($old_sub) is not in the side database"
  }
  step "4. read the client and the user there (client list, audit --user)" read_side
  re_add_client() {
    out ma client add --id billing --grant-type client_credentials
    new_secret="$(sed -n 's/^client_secret: //p' "$work/out")"
    new_works() { [ "$(client_token billing "$new_secret")" = 200 ]; }
    eventually new_works || fail "client_credentials with the new secret: $(cat "$work/answer")"
    expect 401 "$(client_token billing "$old_secret")" "client_credentials with the old secret"
  }
  step "5. mana-auth client add (same settings, new secret)" re_add_client
  re_add_user() {
    add_user bob@example.org
    sign_in bob@example.org
    # No command brings the account back: the new one has another sub.
    [ "$(py sub "$access")" != "$old_sub" ] || fail "the re-added account kept its old sub"
  }
  step "6. mana-auth user add (a new account: new sub)" re_add_user
  drop_side() {
    if [ "$backend" = sqlite ]; then rm -f "$site/side.db"*; else psql "$pg_admin" -qc "DROP DATABASE $db_name WITH (FORCE)" >/dev/null; fi
  }
  step "7. drop the side database" drop_side
  export MANA_AUTH__DATABASE__URL="$live_url"
  stop
}

# --- leaked signing key -------------------------------------------------------------
drill_leaked_key() {
  scenario="leaked signing key"
  step "0. serve, add a user, sign in" populated leaked-key
  leaked_kid="$(py kid "$before_access")"
  step "1. mana-auth keys rotate --emergency" out ma keys rotate --emergency
  said "every key replaced"
  gone() { local kids; kids=" $(published_kids) "; [[ "$kids" != *" $leaked_kid "* ]]; }
  check_gone() { eventually gone || fail "the leaked kid $leaked_kid is still in /.well-known/jwks.json"; }
  step "2. check: the leaked kid left /.well-known/jwks.json" check_gone
  check() {
    token_refused "$before_access"
    refresh_works "$before_refresh"
    local renewed
    renewed="$(answer accessToken)"
    [ "$(py kid "$renewed")" != "$leaked_kid" ] || fail "the refreshed token is signed by the leaked key"
    token_verifies "$renewed"
  }
  step "3. check: its tokens are refused, a refresh gets a token of the new key" check
  re_export() { out ma keys export "$site/keys.export"; }
  step "4. mana-auth keys export FILE (replaces the export holding the leaked key)" re_export
  step "5. mana-auth audit --type keys.emergency_rotation" out ma audit --type keys.emergency_rotation
  said keys.emergency_rotation
  stop
}

# --- leaked database dump -----------------------------------------------------------
drill_leaked_dump() {
  scenario="leaked database dump"
  setup() {
    populated leaked-dump
    out ma client add --id billing --grant-type client_credentials
    old_secret="$(sed -n 's/^client_secret: //p' "$work/out")"
  }
  step "0. serve, add a user and a client, sign in" setup
  step "1. mana-auth keys rotate --emergency" out ma keys rotate --emergency
  revoke() {
    out ma sessions revoke-all
    said "sessions ended"
    refresh_refused "$before_refresh"
  }
  step "2. mana-auth sessions revoke-all (refresh tokens refused)" revoke
  rotate_secret() {
    out ma client remove billing
    out ma client add --id billing --grant-type client_credentials
    new_secret="$(sed -n 's/^client_secret: //p' "$work/out")"
    old_refused() { [ "$(client_token billing "$old_secret")" = 401 ]; }
    eventually old_refused || fail "the old client secret still works"
    new_works() { [ "$(client_token billing "$new_secret")" = 200 ]; }
    eventually new_works || fail "client_credentials with the new secret: $(cat "$work/answer")"
  }
  step "3. client remove + client add (old secret refused)" rotate_secret
  reset() {
    out ma users force-reset --mail
    said "passwords reset for 1 user(s)"
    refused_sign_in ada@example.org
  }
  step "4. mana-auth users force-reset --mail (old password refused)" reset
  stop
}

# --- leaked MFA secrets -------------------------------------------------------------
drill_leaked_mfa() {
  scenario="leaked MFA secrets"
  setup() {
    populated leaked-mfa
    py enrol-mfa "$base" ada@example.org "$PASSWORD" || fail "could not turn two-step verification on"
    expect 200 "$(post /api/v1/auth/login "$(py body email ada@example.org password "$PASSWORD")")" "sign-in"
    [ "$(answer mfaRequired)" = true ] || fail "sign-in does not ask for the second step"
  }
  step "0. serve, add a user, turn two-step verification on" setup
  step "1. mana-auth mfa reset --all" out ma mfa reset --all
  said "turned off for 1 user(s)"
  reset() {
    out ma users force-reset --mail
    said "1 reset link(s) mailed"
    refused_sign_in ada@example.org
    refresh_refused "$before_refresh"
  }
  step "2. mana-auth users force-reset --mail (old password refused)" reset
  new_key() {
    stop
    export MANA_AUTH_SECRETS_KEY="a new secrets key, also 32 characters or more"
    serve
  }
  step "3. new MANA_AUTH_SECRETS_KEY, restart the servers" new_key
  via_link() {
    local token
    token="$(py mailed-token "$site/outbox" ada@example.org /password/reset)"
    expect 200 "$(post /api/v1/auth/password/reset "$(py body token "$token" newPassword "$NEW_PASSWORD")")" "reset link"
    sign_in ada@example.org "$NEW_PASSWORD"
  }
  step "4. check: the mailed link sets a new password; one-step sign-in" via_link
  export MANA_AUTH_SECRETS_KEY="drill secrets key of at least 32 characters"
  stop
}

# --- database outage ----------------------------------------------------------------
drill_outage() {
  scenario="database outage"
  step "0. serve, add a user, sign in" populated outage
  # SQLite's outage is another process holding the write lock; PostgreSQL's, a database
  # that refuses connections and has ended the open ones.
  outage() {
    if [ "$backend" = sqlite ]; then
      rm -f "$work/held" "$work/release"
      py hold-lock "$db_file" "$work/held" "$work/release" &
      locker=$!
      local i
      for i in $(seq 1 100); do
        if [ -e "$work/held" ]; then return 0; fi
        sleep 0.05
      done
      fail "the lock was not taken"
    else
      psql "$pg_admin" -qc "ALTER DATABASE $db_name ALLOW_CONNECTIONS false" >/dev/null
      psql "$pg_admin" -qc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db_name'" >/dev/null
    fi
  }
  step "0. the outage" outage
  down() {
    if [ "$backend" = sqlite ]; then
      expect 503 "$(post /api/v1/auth/register "$(py body email carol@example.org password "$PASSWORD")")" "register while locked"
      [ "$(answer error)" = unavailable ] || fail "not the unavailable error: $(cat "$work/answer")"
      expect 200 "$(status_of /health/ready)" "readiness while only writes are blocked"
    else
      expect 503 "$(status_of /health/ready)" "readiness while the database is down"
      expect 503 "$(post /api/v1/auth/login "$(py body email ada@example.org password "$PASSWORD")")" "sign-in while down"
      [ "$(answer error)" = unavailable ] || fail "not the unavailable error: $(cat "$work/answer")"
      expect 200 "$(status_of /.well-known/jwks.json)" "JWKS while down"
      out_fails ma doctor
    fi
  }
  step "1. check: requests that need the database fail closed with 503" down
  back() {
    if [ "$backend" = sqlite ]; then
      touch "$work/release"
      wait "$locker"
    else
      psql "$pg_admin" -qc "ALTER DATABASE $db_name ALLOW_CONNECTIONS true" >/dev/null
    fi
  }
  step "2. the database returns" back
  serving() {
    if [ "$backend" = sqlite ]; then
      expect 201 "$(post /api/v1/auth/register "$(py body email carol@example.org password "$PASSWORD")")" "register after the lock"
    else
      ready() { [ "$(status_of /health/ready)" = 200 ]; }
      eventually ready || fail "readiness did not recover by itself"
      sign_in ada@example.org
    fi
    out ma doctor
  }
  step "3. check: it serves again without a restart; mana-auth doctor" serving
  stop
}

# --- traffic flood ------------------------------------------------------------------
drill_flood() {
  scenario="traffic flood"
  setup() {
    new_site flood
    serve
    add_user ada@example.org
  }
  step "0. serve, add a user" setup
  flood() {
    local i code
    for i in $(seq 1 30); do
      code="$(post /api/v1/auth/login "$(py body email "nobody$i@example.org" password "wrong password $i")")"
      expect 401 "$code" "failed sign-in $i of 30 (security.rate_limit.signin_per_ip = 30)"
    done
    expect 429 "$(post /api/v1/auth/login "$(py body email nobody@example.org password x)")" "the 31st sign-in in a minute"
    [ "$(answer error)" = too_many_requests ] || fail "not too_many_requests: $(cat "$work/answer")"
  }
  step "0. the flood: 30 failed sign-ins, the 31st in a minute gets 429" flood
  see() {
    out ma audit --type sign_in.failed --since 1h --limit 1000
    [ "$(grep -c sign_in.failed "$work/out")" -ge 30 ] || fail "audit shows fewer than 30 failed sign-ins"
    local page
    page="$(curl -sf "$metrics/metrics")"
    grep -q 'mana_auth_http_requests_total{.*status="429"' <<<"$page" || fail "no 429 in /metrics"
  }
  step "1. see it: audit --type sign_in.failed, 429s in /metrics" see
  tighten() {
    stop
    export MANA_AUTH__SECURITY__RATE_LIMIT__SIGNIN_PER_IP=5
    serve
  }
  step "3. restart with MANA_AUTH__SECURITY__RATE_LIMIT__SIGNIN_PER_IP=5" tighten
  check() {
    local i
    for i in $(seq 1 5); do
      post /api/v1/auth/login "$(py body email "other$i@example.org" password "wrong password")" >/dev/null
    done
    local headers
    headers="$(curl -s -D - -o "$work/answer" -H 'Content-Type: application/json' \
      -d "$(py body email ada@example.org password "$PASSWORD")" "$base/api/v1/auth/login")"
    grep -q '^HTTP/1.1 429' <<<"$headers" || fail "the 6th sign-in was not refused: $headers"
    grep -qi '^retry-after: [0-9]' <<<"$headers" || fail "no Retry-After: $headers"
  }
  step "4. check: the 6th sign-in is refused with 429 and Retry-After" check
  unset MANA_AUTH__SECURITY__RATE_LIMIT__SIGNIN_PER_IP
  stop
}

run_backend() {
  backend="$1"
  drill_corruption
  drill_key_loss
  if [ -n "$s3_url" ]; then
    drill_total_loss
  fi
  drill_deletion
  drill_leaked_key
  drill_leaked_dump
  drill_leaked_mfa
  drill_outage
  drill_flood
}

run_backend sqlite
if [ -n "$pg_admin" ]; then
  run_backend postgres
fi
[ -n "$s3_url" ] || echo "(total loss with the restore from the bucket: set MANA_AUTH_DRILL_S3_URL)"

echo
"$bin" --version
echo "$(nproc) cores, $(date -u +%Y-%m-%d)"
py table "$results"
