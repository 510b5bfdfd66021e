#!/usr/bin/env bash
# The 8am rush: many patients trying for the same few same-day slots at once, on SQLite and PostgreSQL.
# Prints bookings/s, POST latency, 409s, correctness checks after the run, and the raw durable single-row
# commit rate of the same database measured in the same run.
#
#   bench/rush.sh [BINARY]
#
# BINARY defaults to ./target/release/carefront (relative to the repository root); it is built with
# `cargo build --release -p carefront` when missing. It is copied to the temporary folder first, so a
# rebuild during the run does not change it. The load generator (bench/rush/, its own Cargo project) is
# built with `cargo build --release --manifest-path bench/rush/Cargo.toml` when missing.
# See bench/README.md for what each figure means.
#
# Settings (environment):
#   PRACTITIONERS=20   clinicians, each with one session tomorrow (local date at the site)
#   SLOTS=30           10-minute slots per session (600 in all by default)
#   PATIENTS=10000     simulated patients (imported from a generated CSV), each trying to book once
#   CLIENTS=256        concurrent clients (each its own keep-alive connection)
#   SEED=1             generator and slot-picking seed
#   RAW_SECONDS=10     seconds per raw commit-rate measurement
#   PG_RAW_CLIENTS="1 2 4 8 16 32 64"   pgbench client counts tried (the best is the raw rate)
#   RUSH_TIMEOUT_S=900 bound on one rush
#   AVAILABILITY=1     also time GET /api/v1/slots with AVAIL_PRACTITIONERS x 12 weeks of rotas and about
#                      AVAIL_APPOINTMENTS appointments on file (0 skips it)
#   AVAIL_PRACTITIONERS=50  AVAIL_APPOINTMENTS=200000
#   DURATION=10        seconds per wrk measurement of the slot search; CONNECTIONS="1 4" (wrk -t1 -cN)
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/test   where to run CREATE/DROP DATABASE
#   PG_BENCH_DB=carefront_rush_bench                       the database created afresh (dropped at exit)
#   SKIP_PG=1          skip PostgreSQL even when it is reachable
#   SKIP_SQLITE=1      skip SQLite
#   KEEP_LOGS=1        keep the temporary folder (data, logs) instead of removing it
#
# Everything the script starts it stops on exit (TERM, then KILL after 5 s); every wait is bounded; all
# traffic is on 127.0.0.1 on free ports.

set -uo pipefail
export LC_ALL=C
export PGOPTIONS='-c client_min_messages=warning'
trap '' PIPE

PRACTITIONERS=${PRACTITIONERS:-20}
SLOTS=${SLOTS:-30}
PATIENTS=${PATIENTS:-10000}
CLIENTS=${CLIENTS:-256}
SEED=${SEED:-1}
RAW_SECONDS=${RAW_SECONDS:-10}
PG_RAW_CLIENTS=${PG_RAW_CLIENTS:-"1 2 4 8 16 32 64"}
RUSH_TIMEOUT_S=${RUSH_TIMEOUT_S:-900}
AVAILABILITY=${AVAILABILITY:-1}
AVAIL_PRACTITIONERS=${AVAIL_PRACTITIONERS:-50}
AVAIL_APPOINTMENTS=${AVAIL_APPOINTMENTS:-200000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-"1 4"}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_BENCH_DB=${PG_BENCH_DB:-carefront_rush_bench}
PG_BENCH_URL=${PG_ADMIN_URL%/*}/$PG_BENCH_DB
READY_TIMEOUT_S=60 # the demo seeds patients, rotas and appointments and hashes 6 passwords first
STOP_TIMEOUT_S=5
TOTAL_SLOTS=$((PRACTITIONERS * SLOTS))

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -ge 1 ]]; then
    SRC_BIN=$(realpath -- "$1") || { echo "no such binary: $1" >&2; exit 2; }
else
    SRC_BIN=$REPO/target/release/carefront
    if [[ ! -x $SRC_BIN ]]; then
        echo "== building $SRC_BIN (cargo build --release -p carefront) =="
        (cd "$REPO" && cargo build --release -p carefront) || { echo "build failed" >&2; exit 2; }
    fi
fi
[[ -x $SRC_BIN ]] || { echo "not executable: $SRC_BIN" >&2; exit 2; }
GEN=$REPO/bench/rush/target/release/carefront-rush
if [[ ! -x $GEN ]]; then
    echo "== building the load generator (cargo build --release --manifest-path bench/rush/Cargo.toml) =="
    cargo build --release --manifest-path "$REPO/bench/rush/Cargo.toml" || { echo "build failed" >&2; exit 2; }
fi
for tool in curl jq ss python3; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/carefront-rush.XXXXXX")
BIN=$WORK/carefront
cp "$SRC_BIN" "$BIN"
PIDS=()
PG_CREATED=0
FIGURES=()
NOTES=()
CLK_TCK=$(getconf CLK_TCK)
exec {SLEEP_FD}<> <(:) # `read -t` on this never gets data: a fork-free sleep
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_tool wrk wrk "no availability latency"
ensure_tool time time "no CPU figure for the load generator"

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_server "$pid"; done
    if [[ $PG_CREATED == 1 ]]; then
        PGCONNECT_TIMEOUT=3 timeout 20 psql "$PG_ADMIN_URL" -qAtX \
            -c "DROP DATABASE IF EXISTS $PG_BENCH_DB WITH (FORCE)" >/dev/null 2>&1
    fi
    if [[ ${KEEP_LOGS:-0} == 1 ]]; then
        echo "logs and data kept in $WORK"
    else
        rm -rf -- "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------- helpers

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'; }
below() { awk -v v="$1" -v t="$2" 'BEGIN { exit !(v < t) }'; } # exit 0 when $1 < $2 (decimals)

cpu_ticks() { # pid -> utime + stime in clock ticks
    local s; s=$(<"/proc/$1/stat") || return 1
    s=${s##*) }
    read -r -a f <<<"$s"
    echo $(( f[11] + f[12] ))
}
machine_ticks() { awk '$1 == "cpu" { busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6; print busy, total }' /proc/stat; }

pg_fresh_db() {
    PG_CREATED=1
    PGCONNECT_TIMEOUT=3 timeout 30 psql "$PG_ADMIN_URL" -qAtX \
        -c "DROP DATABASE IF EXISTS $PG_BENCH_DB WITH (FORCE)" \
        -c "CREATE DATABASE $PG_BENCH_DB" >/dev/null
}
pg_bench() { PGCONNECT_TIMEOUT=3 timeout "${PG_QUERY_TIMEOUT:-60}" psql "$PG_BENCH_URL" -qAtX "$@"; }

# SQL on the backend's database; one row per line, columns separated by tabs.
sql() { # label dir sql
    if [[ $1 == sqlite ]]; then
        timeout 60 python3 - "$2/carefront.db" "$3" <<'PY'
import sqlite3, sys, uuid
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
for row in c.execute(sys.argv[2]):
    print("\t".join(str(uuid.UUID(bytes=v)) if isinstance(v, bytes) and len(v) == 16 else str(v) for v in row))
PY
    else
        pg_bench -F $'\t' -c "$3"
    fi
}

# ------------------------------------------------------------------------------------- raw commit rate

# SQLite: one connection, WAL, synchronous=FULL, INSERT + COMMIT per row, for RAW_SECONDS, in a scratch
# file in the same data folder. Prints "commits/s p50_ms p99_ms".
raw_sqlite() { # dir
    timeout $((RAW_SECONDS + 30)) python3 - "$1/raw-commit-scratch.db" "$RAW_SECONDS" <<'PY'
import os, sqlite3, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
c = sqlite3.connect(path, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA synchronous=FULL")
c.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, v BLOB NOT NULL, at INTEGER NOT NULL)")
payload = os.urandom(64)
lat = []
t0 = time.perf_counter()
n = 0
while time.perf_counter() - t0 < seconds:
    t = time.perf_counter()
    c.execute("BEGIN")
    c.execute("INSERT INTO scratch (v, at) VALUES (?, ?)", (payload, n))
    c.execute("COMMIT")
    lat.append(time.perf_counter() - t)
    n += 1
elapsed = time.perf_counter() - t0
c.close()
for suffix in ("", "-wal", "-shm"):
    try:
        os.unlink(path + suffix)
    except FileNotFoundError:
        pass
lat.sort()
print(f"{n / elapsed:.1f} {lat[len(lat) // 2] * 1000:.3f} {lat[int(len(lat) * 0.99)] * 1000:.3f}")
PY
}

# PostgreSQL: pgbench with a one-INSERT script (each transaction one row, committed), for each client
# count in PG_RAW_CLIENTS; the best tps is the raw rate. Sets RAW_PG_TPS and RAW_PG_CLIENTS.
raw_postgres() {
    RAW_PG_TPS=0 RAW_PG_CLIENTS=
    pg_bench -c 'CREATE TABLE raw_commit_scratch (id bigserial PRIMARY KEY, v bytea NOT NULL, at timestamptz NOT NULL DEFAULT now())' ||
        { note "could not create the pgbench scratch table"; return 1; }
    printf 'INSERT INTO raw_commit_scratch (v) VALUES (%s);\n' "'\\x$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')'::bytea" >"$WORK/insert.sql"
    local c out tps lat
    for c in $PG_RAW_CLIENTS; do
        out=$(timeout $((RAW_SECONDS + 30)) pgbench -n -f "$WORK/insert.sql" -c "$c" -j "$(( c < $(nproc) ? c : $(nproc) ))" \
            -T "$RAW_SECONDS" "$PG_BENCH_URL" 2>&1)
        tps=$(awk '/^tps = / { printf "%.1f", $3 }' <<<"$out")
        lat=$(awk '/^latency average/ { print $4 }' <<<"$out")
        if [[ -z $tps ]]; then note "pgbench -c $c failed:"; tail -3 <<<"$out" | sed 's/^/      /'; continue; fi
        printf '   pgbench -c%-3s %8s single-INSERT transactions/s (latency average %s ms)\n' "$c" "$tps" "$lat"
        if below "$RAW_PG_TPS" "$tps"; then RAW_PG_TPS=$tps RAW_PG_CLIENTS=$c; fi
    done
    pg_bench -c 'DROP TABLE raw_commit_scratch' >/dev/null
}

# ---------------------------------------------------------------------------------------------- patients

generate() {
    CSV=$WORK/patients.csv
    # About 1 % of generated patients are deceased and some need an interpreter (double-length
    # appointments); 30 % more rows than needed leaves PATIENTS who can book one slot.
    local rows=$(( PATIENTS * 13 / 10 + 100 ))
    echo "== generating $rows patients (bench/gen_patients.py) =="
    run_waited timeout 600 python3 "$REPO/bench/gen_patients.py" --rows "$rows" --out "$CSV" --seed "$SEED" 2>"$WORK/gen.err"
    (( RC == 0 )) || { note "the generator failed (exit $RC)"; sed 's/^/      /' "$WORK/gen.err"; return 1; }
}

# ------------------------------------------------------------------------------------------- per backend

backend() { # label [database-url]
    local label=$1 url=${2:-} dir=$WORK/data-$1
    echo
    echo "######## $label ########"
    if [[ -n $url ]]; then pg_fresh_db || { note "$label: could not create a fresh database; skipped"; return 1; }; fi
    local port; port=$(free_port) || { note "no free port"; return 1; }
    echo "== demo once on a fresh $label database (organisation, sites, staff) =="
    start_server demo "$dir" "$port" "demo-$label" "$url"
    if ! wait_ready "$SERVER_PID" "$port"; then
        stop_server "$SERVER_PID"
        note "demo on $label did not become ready in ${READY_TIMEOUT_S}s:"; tail -5 "$WORK/demo-$label.err" | sed 's/^/      /'
        return 1
    fi
    stop_server "$SERVER_PID"

    echo "== importing $(( $(wc -l <"$CSV") - 1 )) patients =="
    db_args "$dir" "$url"
    run_waited timeout 300 "$BIN" "${DB_ARGS[@]}" --log-format pretty import patients "$CSV" \
        --report "$WORK/rejected-$label.csv" >"$WORK/import-$label.out" 2>"$WORK/import-$label.err"
    (( RC == 0 )) || { note "$label import failed (exit $RC)"; tail -5 "$WORK/import-$label.err" | sed 's/^/      /'; return 1; }
    echo "   $(grep -m1 '^Imported ' "$WORK/import-$label.out")"
    sql "$label" "$dir" "SELECT id FROM patients WHERE local_number LIKE 'BEN%' AND date_of_death IS NULL
        AND registration_status = 'registered' AND (interpreter_language IS NULL OR interpreter_language = '')
        ORDER BY local_number LIMIT $PATIENTS" >"$WORK/patients-$label.txt"
    local n_patients; n_patients=$(wc -l <"$WORK/patients-$label.txt")
    (( n_patients == PATIENTS )) || note "$label: only $n_patients bookable patients (wanted $PATIENTS)"

    local manager reception
    manager=$(timeout 60 "$BIN" "${DB_ARGS[@]}" token create --user manager 2>"$WORK/token-$label.err")
    reception=$(timeout 60 "$BIN" "${DB_ARGS[@]}" token create --user reception 2>>"$WORK/token-$label.err")
    [[ $manager == cf_* && $reception == cf_* ]] ||
        { note "$label: could not create tokens:"; tail -3 "$WORK/token-$label.err" | sed 's/^/      /'; return 1; }

    port=$(free_port) || { note "no free port"; return 1; }
    start_server serve "$dir" "$port" "serve-$label" "$url"
    local pid=$SERVER_PID base=http://127.0.0.1:$port
    if ! wait_ready "$pid" "$port"; then
        stop_server "$pid"
        note "serve on $label did not become ready:"; tail -5 "$WORK/serve-$label.err" | sed 's/^/      /'
        return 1
    fi
    # Tomorrow at the site, so that every slot is in the future whenever the run starts.
    local site date weekday service
    site=$(curl -sf --max-time 10 -H "Authorization: Bearer $manager" "$base/api/v1/sites" | jq -r '.[0].id')
    date=$(TZ=Europe/London date -d tomorrow +%F)
    weekday=$(date -d "$date" +%A | tr '[:upper:]' '[:lower:]')
    echo "== $PRACTITIONERS practitioners x $SLOTS slots of 10 minutes on $date ($weekday) at site $site =="
    service=$(timeout 60 "$GEN" setup --base "$base" --token "$manager" --site "$site" --date "$date" \
        --weekday "$weekday" --practitioners "$PRACTITIONERS" --slots "$SLOTS" 2>"$WORK/setup-$label.err")
    [[ -n $service ]] || { note "$label: setup failed:"; tail -3 "$WORK/setup-$label.err" | sed 's/^/      /'; stop_server "$pid"; return 1; }

    # 1. the raw durable single-row commit rate of the same database, the server idle
    local raw_rate
    if [[ $label == sqlite ]]; then
        echo "== raw commit rate: SQLite, WAL, synchronous=FULL, INSERT + COMMIT per row, ${RAW_SECONDS}s (python3 sqlite3) =="
        local r; r=$(raw_sqlite "$dir")
        if [[ $r == *" "* ]]; then
            read -r raw_rate p50 p99 <<<"$r"
            echo "   $raw_rate commits/s (commit p50 $p50 ms, p99 $p99 ms)"
            figure raw_commit_sqlite "$raw_rate" commits/s "n/a"
        else
            note "the SQLite raw commit loop failed: $r"
        fi
    else
        echo "== raw commit rate: PostgreSQL, pgbench single-INSERT transactions, ${RAW_SECONDS}s per client count =="
        raw_postgres
        raw_rate=$RAW_PG_TPS
        figure raw_commit_postgres "$raw_rate" "commits/s (pgbench -c $RAW_PG_CLIENTS)" "n/a"
    fi

    # 2. the rush
    echo "== rush: $n_patients patients, $CLIENTS clients, $TOTAL_SLOTS slots (load $(loadavg)) =="
    local c0 c1 mb0 mt0 mb1 mt1 out line
    c0=$(cpu_ticks "$pid"); read -r mb0 mt0 < <(machine_ticks)
    out=$(/usr/bin/time -f 'GENCPU %U %S' timeout "$RUSH_TIMEOUT_S" "$GEN" rush --base "$base" --token "$reception" \
        --service "$service" --date "$date" --patients "$WORK/patients-$label.txt" --clients "$CLIENTS" --seed "$SEED" \
        --booked "$WORK/booked-$label.tsv" 2>&1)
    c1=$(cpu_ticks "$pid"); read -r mb1 mt1 < <(machine_ticks)
    line=$(grep '^RUSH ' <<<"$out")
    grep -v '^RUSH \|^GENCPU ' <<<"$out" | sed 's/^/   /'
    if [[ -z $line ]]; then note "$label: the rush produced no result"; stop_server "$pid"; return 1; fi
    local -A r; local kv
    for kv in ${line#RUSH }; do r[${kv%%=*}]=${kv#*=}; done
    local gen_u gen_s server_pct gen_pct busy_pct
    read -r _ gen_u gen_s < <(grep '^GENCPU ' <<<"$out")
    server_pct=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v d="${r[total_s]}" 'BEGIN { printf "%.0f", 100 * t / hz / d }')
    gen_pct=$(awk -v u="$gen_u" -v s="$gen_s" -v d="${r[total_s]}" 'BEGIN { printf "%.0f", 100 * (u + s) / d }')
    busy_pct=$(awk -v b=$((mb1 - mb0)) -v t=$((mt1 - mt0)) 'BEGIN { printf "%.0f", t ? 100 * b / t : 0 }')
    echo "   ${r[bookings]} bookings in ${r[rush_s]} s = ${r[bookings_per_s]} bookings/s; ${r[posts]} POSTs in ${r[total_s]} s (${r[posts_per_s]}/s)"
    echo "   POST latency p50 ${r[p50_ms]} ms, p90 ${r[p90_ms]} ms, p99 ${r[p99_ms]} ms, max ${r[max_ms]} ms; 201s only: p50 ${r[created_p50_ms]} ms, p99 ${r[created_p99_ms]} ms"
    echo "   409s ${r[conflicts]} (${r[conflicts_with_alternatives]} with alternatives, ${r[sold_out]} with none: sold out), gave up ${r[gave_up]}, other statuses ${r[other_status]}, socket errors ${r[errors]}"
    echo "   CPU (% of one core) over the run: server $server_pct, load generator $gen_pct; machine $busy_pct% busy"
    figure "rush_${label}_bookings_per_s" "${r[bookings_per_s]}" bookings/s "n/a"
    figure "rush_${label}_bookings" "${r[bookings]}" bookings "$TOTAL_SLOTS"
    figure "rush_${label}_seconds" "${r[rush_s]}" s "n/a"
    figure "rush_${label}_p50" "${r[p50_ms]}" ms "n/a"
    figure "rush_${label}_p99" "${r[p99_ms]}" ms "<= 50 ms"
    figure "rush_${label}_409s" "${r[conflicts]}" responses "n/a"
    figure "rush_${label}_other_answers" "$(( r[other_status] + r[errors] ))" responses "0"
    figure "rush_${label}_server_cpu" "$server_pct" "% of one core" "n/a"
    figure "rush_${label}_generator_cpu" "$gen_pct" "% of one core" "n/a"
    below 50 "${r[p99_ms]}" && note "$label: POST p99 ${r[p99_ms]} ms is over the 50 ms target"
    (( r[other_status] + r[errors] > 0 )) && note "$label: ${r[other_status]} answers other than 201/409 and ${r[errors]} socket errors"
    if [[ -n ${raw_rate:-} ]]; then
        local x target=1.0; [[ $label == postgres ]] && target=0.8
        x=$(ratio "${r[bookings_per_s]}" "$raw_rate")
        echo "   bookings/s / raw commits/s = ${r[bookings_per_s]} / $raw_rate = ${x}x (target >= ${target}x)"
        figure "rush_${label}_vs_raw_commit" "$x" x ">= ${target}x"
        below "$x" "$target" && note "$label: bookings/s is ${x}x the raw commit rate (target >= ${target}x)"
    fi

    # 3. correctness, read back from the database and the API
    echo "== checks after the rush =="
    local active_sql overlap_sql
    if [[ $label == sqlite ]]; then active_sql="active = 1" overlap_sql="a.active = 1 AND b.active = 1"
    else active_sql="active" overlap_sql="a.active AND b.active"; fi
    local doubles filled distinct stored answered missing free_left
    doubles=$(sql "$label" "$dir" "SELECT count(*) FROM appointments a JOIN appointments b
        ON a.practitioner_id = b.practitioner_id AND a.id < b.id AND $overlap_sql
        AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at")
    if [[ $label == sqlite ]]; then
        # ids are 16-byte blobs there
        read -r filled distinct < <(sql "$label" "$dir" "SELECT count(*), count(DISTINCT hex(practitioner_id) || '/' || starts_at)
            FROM appointments WHERE $active_sql AND service_id = x'${service//-/}'" | tr '\t' ' ')
        sql "$label" "$dir" "SELECT id FROM appointments WHERE $active_sql AND service_id = x'${service//-/}'" | sort >"$WORK/stored-$label.txt"
    else
        read -r filled distinct < <(sql "$label" "$dir" "SELECT count(*), count(DISTINCT practitioner_id || '/' || starts_at)
            FROM appointments WHERE $active_sql AND service_id = '$service'" | tr '\t' ' ')
        sql "$label" "$dir" "SELECT id FROM appointments WHERE $active_sql AND service_id = '$service'" | sort >"$WORK/stored-$label.txt"
    fi
    cut -f1 "$WORK/booked-$label.tsv" | sort >"$WORK/answered-$label.txt"
    stored=$(wc -l <"$WORK/stored-$label.txt")
    answered=$(wc -l <"$WORK/answered-$label.txt")
    missing=$(comm -23 "$WORK/answered-$label.txt" "$WORK/stored-$label.txt" | wc -l)
    local unanswered; unanswered=$(comm -13 "$WORK/answered-$label.txt" "$WORK/stored-$label.txt" | wc -l)
    free_left=$(curl -sf --max-time 30 -H "Authorization: Bearer $reception" \
        "$base/api/v1/slots?service=$service&from=$date&to=$date&limit=500" | jq 'length')
    echo "   overlapping active pairs (any practitioner): $doubles"
    echo "   active appointments of the rush service: $filled, on $distinct distinct practitioner/start pairs ($TOTAL_SLOTS slots)"
    echo "   201s answered: $answered; stored: $stored; answered but not stored: $missing; stored but never answered: $unanswered"
    echo "   free slots left (GET /api/v1/slots): ${free_left:-?}"
    figure "rush_${label}_double_bookings" "$doubles" pairs "0"
    figure "rush_${label}_slots_filled" "$distinct/$TOTAL_SLOTS" slots "all, once each"
    figure "rush_${label}_answered_201_missing" "$missing" bookings "0"
    figure "rush_${label}_free_slots_left" "${free_left:-?}" slots "0"
    [[ $doubles == 0 ]] || note "$label: $doubles overlapping pairs of active appointments"
    [[ $filled == "$TOTAL_SLOTS" && $distinct == "$TOTAL_SLOTS" ]] ||
        note "$label: $filled appointments on $distinct distinct slots, not $TOTAL_SLOTS once each"
    [[ $missing == 0 ]] || note "$label: $missing bookings answered 201 are not in the database"
    [[ $unanswered == 0 ]] || note "$label: $unanswered stored bookings were never answered 201"
    [[ $free_left == 0 ]] || note "$label: ${free_left:-?} slots still free after the rush"
    [[ $AVAILABILITY == 1 ]] && availability "$label" "$dir" "$url" "$base" "$manager" "$reception" "$site" "$pid"
    stop_server "$pid"
}

# ------------------------------------------------------------------------------------------ availability

# AVAIL_PRACTITIONERS practitioners with Monday-Friday 08:00-18:00 sessions (10-minute slots) from 12 weeks
# ago to 12 weeks ahead, appointments written straight into the database (past weeks mostly fulfilled,
# coming weeks partly booked) until about AVAIL_APPOINTMENTS, then wrk on GET /api/v1/slots.
availability() { # label dir url base manager reception site pid
    local label=$1 dir=$2 url=$3 base=$4 manager=$5 reception=$6 site=$7 pid=$8
    local today from until service
    today=$(TZ=Europe/London date +%F)
    from=$(date -d "$today - 84 days" +%F); until=$(date -d "$today + 84 days" +%F)
    echo "== availability: $AVAIL_PRACTITIONERS practitioners, Mon-Fri 08:00-18:00 from $from to $until =="
    service=$(timeout 300 "$GEN" setup --base "$base" --token "$manager" --site "$site" --date "$today" \
        --weekday monday,tuesday,wednesday,thursday,friday --valid-from "$from" --valid-until "$until" \
        --practitioners "$AVAIL_PRACTITIONERS" --slots 60 --name "GP appointment (availability bench)" \
        --label Avail --max-days-ahead 84 2>"$WORK/avail-setup-$label.err")
    [[ -n $service ]] || { note "$label: availability setup failed:"; tail -3 "$WORK/avail-setup-$label.err" | sed 's/^/      /'; return 1; }
    curl -sf --max-time 10 -H "Authorization: Bearer $manager" "$base/api/v1/services" |
        jq -r --arg s "$service" '.[] | select(.id == $s) | .practitioners[]' >"$WORK/avail-practitioners-$label.txt"
    local t0; t0=$(now_us)
    cat >"$WORK/avail_insert.py" <<'PY'
import csv, datetime, random, sqlite3, sys, uuid, zoneinfo
label, db, out, service, site, pfile, patfile, today, target, seed = sys.argv[1:11]
rng = random.Random(int(seed))
tz = zoneinfo.ZoneInfo("Europe/London")
people = [l.strip() for l in open(pfile) if l.strip()]
patients = [l.strip() for l in open(patfile) if l.strip()]
today = datetime.date.fromisoformat(today)
days = [today + datetime.timedelta(d) for d in range(-84, 84) if (today + datetime.timedelta(d)).weekday() < 5]
past = sum(1 for d in days if d < today) * len(people) * 60
future = sum(1 for d in days if d > today) * len(people) * 60
# About 85 % of past slots were used; the rest of the target is spread over the coming weeks.
p_past = min(0.85, int(target) / past)
p_future = max(0.0, min(0.9, (int(target) - past * p_past) / future))
now = datetime.datetime.now(datetime.timezone.utc)
rows = []
for i, who in enumerate(people):
    # One patient per practitioner (never two places at once), from the end of the rush's list.
    patient = patients[-1 - i % len(patients)]
    for d in days:
        if d in (today, today + datetime.timedelta(1)):
            continue  # today, and tomorrow (the rush's day), stay as they are
        p = p_past if d < today else p_future
        for k in range(60):
            if rng.random() >= p:
                continue
            start = datetime.datetime(d.year, d.month, d.day, 8 + k // 6, (k % 6) * 10, tzinfo=tz).astimezone(datetime.timezone.utc)
            end = start + datetime.timedelta(minutes=10)
            status = "fulfilled" if d < today else "booked"
            rows.append((uuid.uuid4(), patient, who, start, end, status))
if label == "sqlite":
    us = lambda t: int(t.timestamp()) * 1_000_000
    c = sqlite3.connect(db, timeout=60, isolation_level=None)
    c.execute("BEGIN IMMEDIATE")
    c.executemany(
        "INSERT INTO appointments (id, patient_id, practitioner_id, service_id, site_id, starts_at, ends_at, mode, "
        "status, active, channel, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'face_to_face', ?, 1, 'desk', ?, ?)",
        ((r[0].bytes, uuid.UUID(r[1]).bytes, uuid.UUID(r[2]).bytes, uuid.UUID(service).bytes, uuid.UUID(site).bytes,
          us(r[3]), us(r[4]), r[5], us(now), us(now)) for r in rows))
    c.execute("COMMIT")
    c.execute("ANALYZE")
else:
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        for r in rows:
            w.writerow([r[0], r[1], r[2], service, site, r[3].isoformat(), r[4].isoformat(), "face_to_face", r[5],
                        "t", "desk", now.isoformat(), now.isoformat()])
print(len(rows))
PY
    run_waited timeout 900 python3 "$WORK/avail_insert.py" "$label" "$dir/carefront.db" "$WORK/avail-$label.csv" "$service" \
        "$site" "$WORK/avail-practitioners-$label.txt" "$WORK/patients-$label.txt" "$today" "$AVAIL_APPOINTMENTS" "$SEED" \
        >"$WORK/avail-insert-$label.out" 2>&1
    (( RC == 0 )) || { note "$label: writing the availability appointments failed:"; tail -5 "$WORK/avail-insert-$label.out" | sed 's/^/      /'; return 1; }
    if [[ $label == postgres ]]; then
        PG_QUERY_TIMEOUT=600 pg_bench -c "\copy appointments (id, patient_id, practitioner_id, service_id, site_id, starts_at, ends_at, mode, status, active, channel, created_at, updated_at) FROM '$WORK/avail-$label.csv' WITH (FORMAT csv)" ||
            { note "$label: \\copy of the availability appointments failed"; return 1; }
        PG_QUERY_TIMEOUT=300 pg_bench -c 'ANALYZE' >/dev/null
    fi
    local total; total=$(sql "$label" "$dir" "SELECT count(*) FROM appointments")
    echo "   wrote $(tail -1 "$WORK/avail-insert-$label.out") appointments in $(( ($(now_us) - t0) / 1000000 )) s; $total appointments on file"
    figure "availability_${label}_appointments" "$total" appointments ">= $AVAIL_APPOINTMENTS"

    # Queries: a day (60 %), a week (30 %) or a week for one practitioner (10 %), anywhere in the next 12 weeks.
    python3 - "$today" "$service" "$WORK/avail-practitioners-$label.txt" "$SEED" >"$WORK/avail-paths-$label.txt" <<'PY'
import datetime, random, sys
today, service, pfile, seed = sys.argv[1:5]
rng = random.Random(int(seed))
people = [l.strip() for l in open(pfile) if l.strip()]
today = datetime.date.fromisoformat(today)
for _ in range(1000):
    d = today + datetime.timedelta(rng.randrange(1, 78))
    r = rng.random()
    if r < 0.6:
        print(f"/api/v1/slots?service={service}&from={d}&to={d}")
    elif r < 0.9:
        print(f"/api/v1/slots?service={service}&from={d}&to={d + datetime.timedelta(6)}")
    else:
        print(f"/api/v1/slots?service={service}&from={d}&to={d + datetime.timedelta(6)}&practitioner={rng.choice(people)}")
PY
    local check; check=$(curl -s --max-time 10 -o /dev/null -w '%{http_code} %{size_download}' -H "Authorization: Bearer $reception" \
        "$base$(head -1 "$WORK/avail-paths-$label.txt")")
    echo "   first query answered $check (status, bytes)"
    command -v wrk >/dev/null || { note "wrk missing: no availability latency"; return 1; }
    cat >"$WORK/slots.lua" <<'LUA'
local paths, i = {}, 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
LUA
    timeout 30 wrk -t1 -c2 -d2s -H "Authorization: Bearer $reception" -s "$WORK/slots.lua" "$base" -- "$WORK/avail-paths-$label.txt" >/dev/null 2>&1
    local c line
    for c in $CONNECTIONS; do
        line=$(timeout $((DURATION + 30)) wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s -H "Authorization: Bearer $reception" \
            -s "$WORK/slots.lua" "$base" -- "$WORK/avail-paths-$label.txt" 2>&1 | grep '^WRK ')
        [[ -n $line ]] || { note "$label: wrk on /api/v1/slots gave no result"; continue; }
        local -A w; local kv
        for kv in ${line#WRK }; do w[${kv%%=*}]=${kv#*=}; done
        echo "   -c$c ${w[rps]} req/s, p50 ${w[p50_ms]} ms, p99 ${w[p99_ms]} ms, max ${w[max_ms]} ms, non-2xx ${w[non2xx]}, errors ${w[errors]}"
        figure "availability_${label}_c${c}_p99" "${w[p99_ms]}" ms "<= 5 ms"
        figure "availability_${label}_c${c}_p50" "${w[p50_ms]}" ms "n/a"
        figure "availability_${label}_c${c}_rps" "${w[rps]}" req/s "n/a"
        below 5 "${w[p99_ms]}" && note "$label: slot search p99 ${w[p99_ms]} ms at -c$c is over the 5 ms target"
        (( w[non2xx] + w[errors] > 0 )) && note "$label: slot search: ${w[non2xx]} non-2xx answers, ${w[errors]} socket errors"
    done
    return 0
}

# ------------------------------------------------------------------------------------------------ main

echo "carefront rush bench: $SRC_BIN (copied to $BIN)"
echo "   $("$BIN" --version 2>/dev/null), $(nproc) CPUs, $(date -u +%FT%TZ), load $(loadavg)"
echo "   $PRACTITIONERS practitioners x $SLOTS slots, $PATIENTS patients, $CLIENTS clients, seed $SEED"
LOAD_START=$(loadavg)
T_START=$(now_us)

HAVE_PG=0
if pg_reachable; then HAVE_PG=1; else echo "   PostgreSQL not reachable at $PG_ADMIN_URL (or SKIP_PG=1): SQLite only"; fi
if [[ $HAVE_PG == 1 ]] && ! command -v pgbench >/dev/null; then
    note "pgbench not found (apt-get install postgresql-client): no raw PostgreSQL commit rate"
fi

if generate; then
    [[ ${SKIP_SQLITE:-0} == 1 ]] || backend sqlite
    [[ $HAVE_PG == 1 ]] && backend postgres "$PG_BENCH_URL"
fi

echo
echo "== summary ($(date -u +%F), $(nproc) CPUs, load at start $LOAD_START, at end $(loadavg), $(( ($(now_us) - T_START) / 1000000 )) s) =="
printf '%s\n' "${FIGURES[@]}"
if ((${#NOTES[@]})); then
    echo "== problems noticed =="
    printf -- '- %s\n' "${NOTES[@]}"
fi
