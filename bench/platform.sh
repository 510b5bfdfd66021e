#!/usr/bin/env bash
# Platform figures for Carefront: start-to-ready, idle RSS and loopback throughput.
#
#   bench/platform.sh [BINARY]
#
# BINARY defaults to ./target/release/carefront (relative to the repository root); it is built with
# `cargo build --release -p carefront` when missing. See bench/README.md for what each figure means.
#
# Settings (environment):
#   RUNS=5             start-to-ready runs per backend
#   DURATION=10        seconds per wrk measurement
#   WARMUP=2           seconds of wrk warm-up before the first measurement on each server
#   CONNECTIONS="64 128"  wrk connection counts (always -t1)
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/test   where to run CREATE/DROP DATABASE
#   PG_BENCH_DB=carefront_bench                            the database created (and dropped) per run
#   SKIP_PG=1          skip PostgreSQL even when it is reachable
#   KEEP_LOGS=1        keep the temporary folder (server logs) instead of removing it
#
# Everything the script starts it stops on exit (TERM, then KILL after 5 s); every wait is bounded; all
# traffic is on 127.0.0.1.

set -uo pipefail
export LC_ALL=C # EPOCHREALTIME and printf must use '.' as the decimal point
export PGOPTIONS='-c client_min_messages=warning' # no "database does not exist, skipping" notices
trap '' PIPE    # a server that closes early must not kill the probe loop

RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-"64 128"}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_BENCH_DB=${PG_BENCH_DB:-carefront_bench}
PG_BENCH_URL=${PG_ADMIN_URL%/*}/$PG_BENCH_DB
READY_TIMEOUT_S=20
STOP_TIMEOUT_S=5

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -ge 1 ]]; then
    BIN=$(realpath -- "$1") || { echo "no such binary: $1" >&2; exit 2; }
else
    BIN=$REPO/target/release/carefront
    if [[ ! -x $BIN ]]; then
        echo "== building $BIN (cargo build --release -p carefront) =="
        (cd "$REPO" && cargo build --release -p carefront) || { echo "build failed" >&2; exit 2; }
    fi
fi
[[ -x $BIN ]] || { echo "not executable: $BIN" >&2; exit 2; }

for tool in curl jq ss; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/carefront-bench.XXXXXX")
PIDS=()          # every server started, stopped in cleanup
PG_CREATED=0     # whether PG_BENCH_DB may exist and should be dropped
FIGURES=()       # "figure: ..." lines for the summary
NOTES=()         # problems noticed along the way
CLK_TCK=$(getconf CLK_TCK)
exec {SLEEP_FD}<> <(:) # `read -t` on this never gets data: a fork-free sleep
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_tool wrk wrk "throughput figures will be missing"
READY_POLL_S=0.005 # start-to-ready is one of the figures

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_server "$pid"; done
    if [[ $PG_CREATED == 1 ]]; then
        PGCONNECT_TIMEOUT=3 timeout 10 psql "$PG_ADMIN_URL" -qAtX \
            -c "DROP DATABASE IF EXISTS $PG_BENCH_DB WITH (FORCE)" >/dev/null 2>&1
    fi
    if [[ ${KEEP_LOGS:-0} == 1 ]]; then
        echo "logs kept in $WORK"
    else
        rm -rf -- "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------- helpers



# Start a server in the background. Sets SERVER_PID and SERVER_T0 (µs, taken just before the fork).
start_server() { # subcommand datadir port logname [database-url]   (SERVER_ENV: extra VAR=value words)
    local cmd=$1 dir=$2 port=$3 log=$4 url=${5:-}
    local args=(--data "$dir" --log-format pretty)
    [[ -n $url ]] && args+=(--database-url "$url")
    mkdir -p "$dir"
    SERVER_T0=$(now_us)
    # shellcheck disable=SC2086 # SERVER_ENV is deliberately split into VAR=value words
    env ${SERVER_ENV:-} "$BIN" "${args[@]}" "$cmd" --bind "127.0.0.1:$port" >"$WORK/$log.out" 2>"$WORK/$log.err" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
}


# The server's own "ready_ms" (measured inside `serve` from before opening the database).
logged_ready_ms() { # logname
    sed 's/\x1b\[[0-9;]*m//g' "$WORK/$1.err" 2>/dev/null | grep -o 'ready_ms=[0-9]*' | head -1 | cut -d= -f2
}

status_kb() { # pid field
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

cpu_ticks() { # pid -> utime+stime in clock ticks
    # The command name (field 2) may hold spaces; fields after the closing parenthesis are fixed.
    local s; s=$(<"/proc/$1/stat") || return 1
    s=${s##*) }
    read -r -a f <<<"$s"
    echo $(( f[11] + f[12] ))
}
machine_ticks() { # -> "busy total" over all CPUs
    awk '$1 == "cpu" { busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6; print busy, total }' /proc/stat
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2 + 0.5) }'; }
maximum() { printf '%s\n' "$@" | sort -n | tail -1; }

pg_fresh_db() {
    PG_CREATED=1
    PGCONNECT_TIMEOUT=3 timeout 20 psql "$PG_ADMIN_URL" -qAtX \
        -c "DROP DATABASE IF EXISTS $PG_BENCH_DB WITH (FORCE)" \
        -c "CREATE DATABASE $PG_BENCH_DB" >/dev/null
}

# ------------------------------------------------------------------------------------ a. start-to-ready

start_to_ready() { # label [database-url]
    local label=$1 url=${2:-} times=() logged=() stops=() i
    echo "== start-to-ready: $label, $RUNS runs, empty database, serve (load $(loadavg)) =="
    for i in $(seq 1 "$RUNS"); do
        if [[ -n $url ]]; then
            pg_fresh_db || { note "$label: could not create a fresh database; skipped"; return 1; }
        fi
        local port dir="$WORK/ready-$label-$i" log="ready-$label-$i"
        port=$(free_port) || { note "no free port"; return 1; }
        start_server serve "$dir" "$port" "$log" "$url"
        local pid=$SERVER_PID
        if wait_ready "$pid" "$port" "$SERVER_T0"; then
            local ms=$READY_MS
            times+=("$ms")
            local lm; lm=$(logged_ready_ms "$log"); logged+=("${lm:-?}")
            stop_server "$pid"; stops+=("$STOP_MS")
            printf '   run %d: ready in %4d ms (server logged ready_ms=%s; stopped in %s ms)\n' "$i" "$ms" "${lm:-?}" "$STOP_MS"
        else
            stop_server "$pid"
            note "$label run $i: not ready within ${READY_TIMEOUT_S}s (see $log.err):"
            tail -5 "$WORK/$log.err" | sed 's/^/      /'
        fi
    done
    if ((${#times[@]})); then
        local med max
        med=$(median "${times[@]}"); max=$(maximum "${times[@]}")
        echo "   median $med ms, max $max ms over ${#times[@]} runs"
        figure "start_to_ready_${label}_median" "$med" ms "<= 1000 ms"
        figure "start_to_ready_${label}_max" "$max" ms "<= 1000 ms"
        local lnum=() x
        for x in "${logged[@]}"; do [[ $x =~ ^[0-9]+$ ]] && lnum+=("$x"); done
        ((${#lnum[@]})) && figure "start_to_ready_${label}_in_process_median" "$(median "${lnum[@]}")" ms "n/a"
        (( max > 1000 )) && note "start_to_ready_$label max $max ms is over the 1 s target"
        local numeric=(); for x in "${stops[@]}"; do [[ $x =~ ^[0-9]+$ ]] && numeric+=("$x"); done
        ((${#numeric[@]})) && figure "graceful_stop_${label}_max" "$(maximum "${numeric[@]}")" ms "n/a"
    fi
}

# ---------------------------------------------------------------------------------------- b. idle RSS

# Starts `demo` and leaves it running. Sets DEMO_PID, DEMO_PORT, DEMO_TOKEN.
start_demo() { # label [database-url]
    local label=$1 url=${2:-} dir="$WORK/demo-$1"
    DEMO_PID= DEMO_PORT= DEMO_TOKEN=
    if [[ -n $url ]]; then pg_fresh_db || { note "$label: could not create a fresh database"; return 1; }; fi
    DEMO_PORT=$(free_port) || return 1
    start_server demo "$dir" "$DEMO_PORT" "demo-$label" "$url"
    DEMO_PID=$SERVER_PID
    if ! wait_ready "$DEMO_PID" "$DEMO_PORT" "$SERVER_T0"; then
        note "demo on $label did not become ready:"; tail -5 "$WORK/demo-$label.err" | sed 's/^/      /'
        return 1
    fi
    DEMO_DIR=$dir
    DEMO_TOKEN=$(jq -r .api_token "$dir/demo-credentials.json" 2>/dev/null)
    [[ $DEMO_TOKEN == cf_* ]] || { note "no api_token in $dir/demo-credentials.json"; return 1; }
    echo "   demo ($label) seeded and ready in $READY_MS ms on port $DEMO_PORT"
}

idle_rss() { # label pid -> figure
    local label=$1 pid=$2
    nap 2
    local rss hwm anon file
    rss=$(status_kb "$pid" VmRSS); hwm=$(status_kb "$pid" VmHWM)
    anon=$(status_kb "$pid" RssAnon); file=$(status_kb "$pid" RssFile)
    [[ -n $rss ]] || { note "could not read /proc/$pid/status"; return 1; }
    printf '   %s: VmRSS %s MB (anon %s MB, file %s MB), peak VmHWM %s MB, threads %s\n' "$label" \
        "$(kb_to_mb "$rss")" "$(kb_to_mb "$anon")" "$(kb_to_mb "$file")" "$(kb_to_mb "$hwm")" \
        "$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status")"
    IDLE_RSS_MB=$(kb_to_mb "$rss")
    IDLE_HWM_MB=$(kb_to_mb "$hwm")
}

# -------------------------------------------------------------------------------------- c. throughput

LUA=$WORK/report.lua
cat >"$LUA" <<'LUA'
-- Prints one machine-readable line; latencies are in microseconds inside wrk.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "non2xx=%d connect_err=%d read_err=%d write_err=%d timeouts=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout))
end
LUA

# Runs wrk once and prints a line; sets W_rps, W_p50, W_p99, W_cpu_us (server CPU µs per request).
run_wrk() { # pid url conns seconds [token]
    local pid=$1 url=$2 conns=$3 secs=$4 token=${5:-}
    local hdr=(); [[ -n $token ]] && hdr=(-H "Authorization: Bearer $token")
    local c0 c1 m0 m1 out line
    c0=$(cpu_ticks "$pid"); m0=$(machine_ticks)
    local timer=(); [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f 'WRKCPU %U %S')
    out=$("${timer[@]}" timeout $((secs + 30)) wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s "${hdr[@]}" -s "$LUA" "$url" 2>&1)
    c1=$(cpu_ticks "$pid"); m1=$(machine_ticks)
    line=$(grep '^WRK ' <<<"$out")
    W_rps= W_p50= W_p99= W_cpu_us=
    if [[ -z $line ]]; then
        note "wrk produced no result for $url -c$conns:"; tail -3 <<<"$out" | sed 's/^/      /'
        return 1
    fi
    local -A r; local kv
    for kv in ${line#WRK }; do r[${kv%%=*}]=${kv#*=}; done
    W_rps=$(printf '%.0f' "${r[rps]}"); W_p50=${r[p50_ms]}; W_p99=${r[p99_ms]}
    local server_ticks=$((c1 - c0))
    local b0 t0 b1 t1 wu ws
    read -r b0 t0 <<<"$m0"; read -r b1 t1 <<<"$m1"
    local busy_pct server_pct
    busy_pct=$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", t ? 100 * b / t : 0 }')
    server_pct=$(awk -v s="$server_ticks" -v hz="$CLK_TCK" -v d="${r[seconds]}" 'BEGIN { printf "%.0f", 100 * s / hz / d }')
    # CPU of wrk itself and of everything else on the machine, in % of one core.
    local wrk_pct=? others_pct=? wl
    wl=$(grep '^WRKCPU ' <<<"$out")
    if [[ -n $wl ]]; then
        read -r _ wu ws <<<"$wl"
        wrk_pct=$(awk -v u="$wu" -v s="$ws" -v d="${r[seconds]}" 'BEGIN { printf "%.0f", 100 * (u + s) / d }')
        others_pct=$(awk -v b="$busy_pct" -v n="$(nproc)" -v a="$server_pct" -v w="$wrk_pct" \
            'BEGIN { o = b * n - a - w; printf "%.0f", o < 0 ? 0 : o }')
    fi
    W_cpu_us=$(awk -v s="$server_ticks" -v hz="$CLK_TCK" -v n="${r[requests]}" 'BEGIN { printf "%.1f", n ? 1e6 * s / hz / n : 0 }')
    printf '   -c%-4s %6s req/s  p50 %6.3f ms  p99 %7.3f ms  max %7.3f ms | CPU (%% of one core): server %s (%s us/req), wrk %s, others %s; machine %s%% busy | non2xx %s, errors c/r/w/t %s/%s/%s/%s\n' \
        "$conns" "$W_rps" "$W_p50" "$W_p99" "${r[max_ms]}" "$server_pct" "$W_cpu_us" "$wrk_pct" "$others_pct" "$busy_pct" \
        "${r[non2xx]}" "${r[connect_err]}" "${r[read_err]}" "${r[write_err]}" "${r[timeouts]}"
    if (( r[non2xx] > 0 )); then note "$url -c$conns: ${r[non2xx]} responses were not 2xx/3xx"; fi
}

throughput() { # label pid port token
    local label=$1 pid=$2 port=$3 token=$4 base="http://127.0.0.1:$3"
    if ! command -v wrk >/dev/null; then note "wrk missing: no throughput figures for $label"; return 1; fi
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $token" "$base/api/v1/me")
    [[ $code == 200 ]] || { note "$label: GET /api/v1/me with the demo token answered $code, not 200"; return 1; }
    echo "== throughput: $label (wrk -t1, ${DURATION}s each, load $(loadavg)) =="
    echo "   warm-up ${WARMUP}s"
    run_wrk "$pid" "$base/api/v1/me" 64 "$WARMUP" "$token" >/dev/null
    local c
    for c in $CONNECTIONS; do
        echo "   GET /api/v1/me (bearer)"
        if run_wrk "$pid" "$base/api/v1/me" "$c" "$DURATION" "$token"; then
            figure "me_${label}_c${c}_rps" "$W_rps" req/s ">= 20000 req/s"
            figure "me_${label}_c${c}_p50" "$W_p50" ms "n/a"
            figure "me_${label}_c${c}_p99" "$W_p99" ms "n/a"
            figure "me_${label}_c${c}_server_cpu" "$W_cpu_us" us/req "n/a"
            (( W_rps < 20000 )) && note "me_${label}_c${c}_rps = $W_rps req/s is under the 20k target (load $(loadavg))"
        fi
    done
    for c in $CONNECTIONS; do
        echo "   GET /healthz (no auth)"
        if run_wrk "$pid" "$base/healthz" "$c" "$DURATION"; then
            figure "healthz_${label}_c${c}_rps" "$W_rps" req/s "n/a"
            figure "healthz_${label}_c${c}_p50" "$W_p50" ms "n/a"
            figure "healthz_${label}_c${c}_p99" "$W_p99" ms "n/a"
            figure "healthz_${label}_c${c}_server_cpu" "$W_cpu_us" us/req "n/a"
        fi
    done
}

# ------------------------------------------------------------------------------------- diagnostics

# Sign every demo staff member in once, one after another, through the real form (GET for the CSRF
# token and cookie, then POST). Each sign-in verifies an Argon2id hash (19 MiB of memory).
sign_in_all() { # port credentials.json
    local port=$1 creds=$2 n i user pass jar token code ok=0
    n=$(jq '.staff | length' "$creds")
    for ((i = 0; i < n; i++)); do
        user=$(jq -r ".staff[$i].username" "$creds"); pass=$(jq -r ".staff[$i].password" "$creds")
        jar=$WORK/cookies-$i
        token=$(curl -s --max-time 5 -c "$jar" "http://127.0.0.1:$port/staff/login" |
            grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
        code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
            --data-urlencode "csrf_token=$token" --data-urlencode "username=$user" \
            --data-urlencode "password=$pass" "http://127.0.0.1:$port/staff/login")
        [[ $code == 303 ]] && ok=$((ok + 1))
    done
    echo "   $ok of $n sign-ins answered 303 (signed in)"
    (( ok == n ))
}

# ------------------------------------------------------------------------------------------------ main

echo "carefront bench: $BIN"
echo "   $("$BIN" --version 2>/dev/null), $(nproc) CPUs, $(date -u +%FT%TZ), load $(loadavg)"
if command -v wrk >/dev/null; then
    echo "   $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" # wrk -v exits non-zero
else
    echo "   wrk missing"
fi
LOAD_START=$(loadavg)

HAVE_PG=0
if pg_reachable; then HAVE_PG=1; else echo "   PostgreSQL not reachable at $PG_ADMIN_URL (or SKIP_PG=1): SQLite only"; fi

# a. start-to-ready
start_to_ready sqlite
[[ $HAVE_PG == 1 ]] && start_to_ready postgres "$PG_BENCH_URL"

# b. idle RSS (SQLite demo), then c. throughput on the same process
echo "== idle RSS: demo on SQLite, 2 s after ready (load $(loadavg)) =="
if start_demo sqlite; then
    if idle_rss sqlite "$DEMO_PID"; then
        figure idle_rss_sqlite_demo "$IDLE_RSS_MB" MB "<= 30 MB"
        figure peak_rss_sqlite_demo_startup "$IDLE_HWM_MB" MB "n/a"
        awk -v v="$IDLE_RSS_MB" 'BEGIN { exit !(v > 30) }' && note "idle RSS $IDLE_RSS_MB MB is over the 30 MB target"
    fi
    throughput sqlite "$DEMO_PID" "$DEMO_PORT" "$DEMO_TOKEN"
    echo "== RSS after load (sqlite), 2 s after the last request =="
    idle_rss sqlite-after-load "$DEMO_PID" && figure rss_after_load_sqlite "$IDLE_RSS_MB" MB "n/a"
    echo "== RSS after each demo user signs in once, one after another (sqlite) =="
    sign_in_all "$DEMO_PORT" "$DEMO_DIR/demo-credentials.json" || note "not every demo sign-in succeeded"
    if idle_rss sqlite-after-sign-ins "$DEMO_PID"; then
        figure rss_after_sign_ins_sqlite "$IDLE_RSS_MB" MB "n/a"
        awk -v v="$IDLE_RSS_MB" 'BEGIN { exit !(v > 30) }' &&
            note "RSS after 6 sign-ins is $IDLE_RSS_MB MB: the idle process does not give Argon2 memory back"
    fi
    stop_server "$DEMO_PID"
fi

# Where the idle memory goes: the same process without seeding (no password hashing), and the demo again
# with glibc's mmap threshold fixed, so that large freed blocks go back to the kernel.
echo "== idle RSS diagnostics (sqlite) =="
port=$(free_port) && {
    start_server serve "$WORK/diag-serve" "$port" diag-serve
    if wait_ready "$SERVER_PID" "$port" "$SERVER_T0" && idle_rss serve-empty-db "$SERVER_PID"; then
        figure idle_rss_sqlite_serve_empty "$IDLE_RSS_MB" MB "n/a"
    fi
    stop_server "$SERVER_PID"
}
SERVER_ENV="MALLOC_MMAP_THRESHOLD_=131072"
if start_demo sqlite-mmap-threshold; then
    idle_rss "demo, MALLOC_MMAP_THRESHOLD_=131072" "$DEMO_PID" &&
        figure idle_rss_sqlite_demo_fixed_mmap_threshold "$IDLE_RSS_MB" MB "n/a"
    stop_server "$DEMO_PID"
fi
SERVER_ENV=

if [[ $HAVE_PG == 1 ]]; then
    echo "== demo on PostgreSQL (load $(loadavg)) =="
    if start_demo postgres "$PG_BENCH_URL"; then
        idle_rss postgres "$DEMO_PID" && figure idle_rss_postgres_demo "$IDLE_RSS_MB" MB "n/a"
        throughput postgres "$DEMO_PID" "$DEMO_PORT" "$DEMO_TOKEN"
        echo "== RSS after load (postgres), 2 s after the last request =="
        idle_rss postgres-after-load "$DEMO_PID" && figure rss_after_load_postgres "$IDLE_RSS_MB" MB "n/a"
        stop_server "$DEMO_PID"
    fi
fi

# d. summary
echo
echo "== summary ($(date -u +%F), $(nproc) CPUs, load at start $LOAD_START, at end $(loadavg)) =="
printf '%s\n' "${FIGURES[@]}"
if ((${#NOTES[@]})); then
    echo "== problems noticed =="
    printf -- '- %s\n' "${NOTES[@]}"
fi
