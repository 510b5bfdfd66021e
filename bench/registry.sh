#!/usr/bin/env bash
# Patient-registry figures for Carefront: CSV import speed and peak RSS, and search latency with N patients
# on file, on SQLite and PostgreSQL.
#
#   bench/registry.sh [BINARY]
#
# BINARY defaults to ./target/release/carefront (relative to the repository root); it is built with
# `cargo build --release -p carefront` when missing. See bench/README.md for what each figure means.
#
# Settings (environment):
#   N=1000000          patients generated and imported (the demo's 2,000 come on top)
#   SAMPLES=2000       queries per search kind, sampled from the generated rows
#   SEED=1             generator seed
#   CACHE=DIR          keep the generated CSV and query files in DIR and reuse them when N/SAMPLES/SEED match
#   DURATION=15        seconds per wrk measurement
#   WARMUP=3           seconds of wrk warm-up per search kind, before the measurements
#   CONNECTIONS="1 4"  wrk connection counts (always -t1): latency targets, so low concurrency
#   CHECK=100          queries per kind sent once with curl first, to check how each was understood
#   SECOND_IMPORT=1    import the same file a second time (should add nothing); 0 skips it
#   IMPORT_TIMEOUT_S=1500  bound on each import
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/test   where to run CREATE/DROP DATABASE
#   PG_BENCH_DB=carefront_registry_bench                   the database created afresh (dropped at exit)
#   SKIP_PG=1          skip PostgreSQL even when it is reachable
#   SKIP_SQLITE=1      skip SQLite
#   KEEP_LOGS=1        keep the temporary folder (data, logs) instead of removing it
#   KEEP_DB=1          leave the PostgreSQL database in place at exit (for EXPLAIN afterwards)
#
# Everything the script starts it stops on exit (TERM, then KILL after 5 s); every wait is bounded; all
# traffic is on 127.0.0.1.

set -uo pipefail
export LC_ALL=C # EPOCHREALTIME and printf must use '.' as the decimal point
export PGOPTIONS='-c client_min_messages=warning'
trap '' PIPE

N=${N:-1000000}
SAMPLES=${SAMPLES:-2000}
SEED=${SEED:-1}
CACHE=${CACHE:-}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-"1 4"}
CHECK=${CHECK:-100}
SECOND_IMPORT=${SECOND_IMPORT:-1}
IMPORT_TIMEOUT_S=${IMPORT_TIMEOUT_S:-1500}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_BENCH_DB=${PG_BENCH_DB:-carefront_registry_bench}
PG_BENCH_URL=${PG_ADMIN_URL%/*}/$PG_BENCH_DB
READY_TIMEOUT_S=60 # the demo seeds 2,000 patients and hashes 6 passwords before it is ready
STOP_TIMEOUT_S=5
KINDS="nhs dob_name prefix typo"

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

for tool in curl jq ss python3; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/carefront-registry.XXXXXX")
PIDS=()
PG_CREATED=0
FIGURES=()
NOTES=()
CLK_TCK=$(getconf CLK_TCK)
exec {SLEEP_FD}<> <(:) # `read -t` on this never gets data: a fork-free sleep
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_tool wrk wrk "no search figures"
ensure_tool time time "no peak RSS for imports"

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_server "$pid"; done
    if [[ $PG_CREATED == 1 && ${KEEP_DB:-0} != 1 ]]; then
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

over() { awk -v v="$1" -v t="$2" 'BEGIN { exit !(v > t) }'; }   # exit 0 when $1 > $2 (decimals)
under() { awk -v v="$1" -v t="$2" 'BEGIN { exit !(v < t) }'; }


status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }

cpu_ticks() { # pid -> "utime stime" in clock ticks
    local s; s=$(<"/proc/$1/stat") || return 1
    s=${s##*) }
    read -r -a f <<<"$s"
    echo "${f[11]} ${f[12]}"
}
machine_ticks() { awk '$1 == "cpu" { busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6; print busy, total }' /proc/stat; }

pg_fresh_db() {
    PG_CREATED=1
    PGCONNECT_TIMEOUT=3 timeout 30 psql "$PG_ADMIN_URL" -qAtX \
        -c "DROP DATABASE IF EXISTS $PG_BENCH_DB WITH (FORCE)" \
        -c "CREATE DATABASE $PG_BENCH_DB" >/dev/null
}
pg_bench() { PGCONNECT_TIMEOUT=3 timeout "${PG_QUERY_TIMEOUT:-60}" psql "$PG_BENCH_URL" -qAtX "$@"; }

# ------------------------------------------------------------------------------------ generated data

# Sets CSV and QDIR. With CACHE, reuses a previous run's files for the same N, SAMPLES and SEED.
generate() {
    local dir
    if [[ -n $CACHE ]]; then dir=$CACHE/n$N-s$SAMPLES-seed$SEED; else dir=$WORK/gen; fi
    CSV=$dir/patients.csv QDIR=$dir/queries
    if [[ -s $dir/done ]]; then
        echo "== reusing $N generated rows in $dir (generated $(cat "$dir/done")) =="
        return 0
    fi
    mkdir -p "$dir"
    echo "== generating $N patients and $SAMPLES queries per kind (load $(loadavg)) =="
    local t0 rc
    t0=$(now_us)
    run_waited timeout 1800 python3 "$REPO/bench/gen_patients.py" --rows "$N" --out "$CSV" --queries "$QDIR" \
        --samples "$SAMPLES" --seed "$SEED" 2>"$WORK/gen.err"
    rc=$RC
    sed 's/^/   /' "$WORK/gen.err"
    if (( rc != 0 )); then note "the generator failed (exit $rc)"; return 1; fi
    printf '   %s MB of CSV in %.1f s\n' "$(( $(stat -c %s "$CSV") / 1048576 ))" \
        "$(awk -v us=$(( $(now_us) - t0 )) 'BEGIN { print us / 1e6 }')"
    date -u +%FT%TZ >"$dir/done"
}

# --------------------------------------------------------------------------------------------- import

# One import under /usr/bin/time -v. Sets I_ADDED, I_PRESENT, I_REJECTED, I_ROWS, I_SECS, I_RATE, I_RSS_MB.
import_once() { # label dir url logname
    local label=$1 dir=$2 url=$3 log=$4 out
    db_args "$dir" "$url"
    local timer=()
    [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v)
    I_ADDED= I_PRESENT= I_REJECTED= I_ROWS= I_SECS= I_RATE= I_RSS_MB=
    local t0; t0=$(now_us)
    run_waited timeout "$IMPORT_TIMEOUT_S" "${timer[@]}" "$BIN" "${DB_ARGS[@]}" --log-format pretty import patients \
        "$CSV" --report "$WORK/$log.rejected.csv" >"$WORK/$log.out" 2>"$WORK/$log.err"
    local rc=$RC wall_s
    wall_s=$(awk -v us=$(( $(now_us) - t0 )) 'BEGIN { printf "%.1f", us / 1e6 }')
    local line
    line=$(grep -m1 '^Imported ' "$WORK/$log.out")
    if (( rc != 0 )) || [[ -z $line ]]; then
        note "$label import failed (exit $rc) after $wall_s s:"
        { tail -5 "$WORK/$log.out"; grep -v '^\s' "$WORK/$log.err" | tail -5; } | sed 's/^/      /'
        return 1
    fi
    # "Imported X of N rows in S s (R rows/s): A added, P already on file, J rejected."
    read -r I_ROWS I_SECS I_RATE I_ADDED I_PRESENT I_REJECTED < <(sed -E \
        's/^Imported [0-9]+ of ([0-9]+) rows in ([0-9.]+) s \(([0-9]+) rows\/s\): ([0-9]+) added, ([0-9]+) already on file, ([0-9]+) rejected.*/\1 \2 \3 \4 \5 \6/' <<<"$line")
    local kb
    kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/$log.err")
    [[ -n $kb ]] && I_RSS_MB=$(kb_to_mb "$kb")
    local cpu
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } /File system outputs/ { o = $2 }
        END { if (u != "") printf "%.1f s user + %.1f s system, %.0f MB written by the process (file system outputs)", u, s, o * 512 / 1048576 }' "$WORK/$log.err")
    echo "   $line"
    echo "   wall $wall_s s (process), peak RSS ${I_RSS_MB:-?} MB, CPU ${cpu:-?} (load $(loadavg))"
    if [[ -s $WORK/$log.rejected.csv ]] && (( I_REJECTED > 0 )); then
        echo "   first rejections:"; sed -n '2,4p' "$WORK/$log.rejected.csv" | sed 's/^/      /'
    fi
}

db_size_mb() { # label dir
    if [[ $1 == sqlite ]]; then
        du -sk "$2" | awk '{ printf "%.0f", $1 / 1024 }'
    else
        pg_bench -c "select round(pg_database_size('$PG_BENCH_DB') / 1048576.0)"
    fi
}

# ---------------------------------------------------------------------------------------------- search

LUA=$WORK/search.lua
cat >"$LUA" <<'LUA'
-- Cycles through one query file (path in the first script argument), URL-encoding each line.
local paths = {}
local i = 0
local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
init = function(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    if #line > 0 then paths[#paths + 1] = "/api/v1/patients?q=" .. encode(line) end
  end
  f:close()
  i = tonumber(args[2] or "0") or 0 -- start offset, so runs do not repeat the same first queries
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
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

# Runs wrk once; sets W_rps, W_p50, W_p99, W_max, W_non2xx, W_cpu_us (server CPU µs per request).
run_wrk() { # pid port token queries conns seconds offset
    local pid=$1 port=$2 token=$3 queries=$4 conns=$5 secs=$6 offset=$7
    local c0 c1 m0 m1 out line
    c0=$(cpu_ticks "$pid"); m0=$(machine_ticks)
    local timer=(); [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f 'WRKCPU %U %S')
    out=$("${timer[@]}" timeout $((secs + 30)) wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s -H "Authorization: Bearer $token" \
        -s "$LUA" "http://127.0.0.1:$port" -- "$queries" "$offset" 2>&1)
    c1=$(cpu_ticks "$pid"); m1=$(machine_ticks)
    line=$(grep '^WRK ' <<<"$out")
    W_rps= W_p50= W_p99= W_max= W_non2xx= W_cpu_us=
    if [[ -z $line ]]; then
        note "wrk produced no result for $queries -c$conns:"; tail -3 <<<"$out" | sed 's/^/      /'
        return 1
    fi
    local -A r; local kv
    for kv in ${line#WRK }; do r[${kv%%=*}]=${kv#*=}; done
    W_rps=$(printf '%.0f' "${r[rps]}"); W_p50=${r[p50_ms]}; W_p99=${r[p99_ms]}; W_max=${r[max_ms]}
    W_non2xx=${r[non2xx]}
    local u0 s0 u1 s1 b0 t0 b1 t1
    read -r u0 s0 <<<"$c0"; read -r u1 s1 <<<"$c1"
    local server_ticks=$((u1 + s1 - u0 - s0)) sys_ticks=$((s1 - s0))
    read -r b0 t0 <<<"$m0"; read -r b1 t1 <<<"$m1"
    local busy_pct server_pct sys_pct
    busy_pct=$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", t ? 100 * b / t : 0 }')
    server_pct=$(awk -v s="$server_ticks" -v hz="$CLK_TCK" -v d="${r[seconds]}" 'BEGIN { printf "%.0f", 100 * s / hz / d }')
    sys_pct=$(awk -v s="$sys_ticks" -v a="$server_ticks" 'BEGIN { printf "%.0f", a ? 100 * s / a : 0 }')
    W_cpu_us=$(awk -v s="$server_ticks" -v hz="$CLK_TCK" -v n="${r[requests]}" 'BEGIN { printf "%.0f", n ? 1e6 * s / hz / n : 0 }')
    # CPU of wrk and of everything else on the machine (other processes, PostgreSQL), in % of one core.
    local wrk_pct=? others_pct=? wl wu ws
    wl=$(grep '^WRKCPU ' <<<"$out")
    if [[ -n $wl ]]; then
        read -r _ wu ws <<<"$wl"
        wrk_pct=$(awk -v u="$wu" -v s="$ws" -v d="${r[seconds]}" 'BEGIN { printf "%.0f", 100 * (u + s) / d }')
        others_pct=$(awk -v b="$busy_pct" -v n="$(nproc)" -v a="$server_pct" -v w="$wrk_pct" \
            'BEGIN { o = b * n - a - w; printf "%.0f", o < 0 ? 0 : o }')
    fi
    printf '   -c%-2s %6s req/s  p50 %7.3f ms  p90 %7.3f ms  p99 %7.3f ms  max %8.3f ms | CPU (%% of one core): server %s (%s us/req, %s%% kernel), wrk %s, others %s; machine %s%% busy | non2xx %s, errors c/r/w/t %s/%s/%s/%s\n' \
        "$conns" "$W_rps" "$W_p50" "${r[p90_ms]}" "$W_p99" "$W_max" "$server_pct" "$W_cpu_us" "$sys_pct" "$wrk_pct" \
        "$others_pct" "$busy_pct" "$W_non2xx" "${r[connect_err]}" "${r[read_err]}" "${r[write_err]}" "${r[timeouts]}"
    if (( r[non2xx] > 0 )); then note "$(basename "$queries") -c$conns: ${r[non2xx]} responses were not 2xx/3xx"; fi
    if (( r[connect_err] + r[read_err] + r[write_err] + r[timeouts] > 0 )); then
        note "$(basename "$queries") -c$conns: socket errors/timeouts c/r/w/t ${r[connect_err]}/${r[read_err]}/${r[write_err]}/${r[timeouts]}"
    fi
}

expected_kind() {
    case $1 in
        nhs) echo nhs_number ;;
        dob_name) echo date_of_birth_and_name ;;
        *) echo name ;;
    esac
}
target_ms() { [[ $1 == typo ]] && echo 30 || echo 10; }

# Sends the first CHECK queries of a kind once with curl: how they were understood, how many found nothing,
# how many results on average, how many were truncated. Also warms the caches a little.
check_queries() { # label port token kind
    local label=$1 port=$2 token=$3 kind=$4 want ok=0 found=0 trunc=0 sum=0 n=0 bad=0 q body ua total tr
    want=$(expected_kind "$kind")
    while IFS= read -r q; do
        ((n >= CHECK)) && break
        n=$((n + 1))
        body=$(curl -s --max-time 10 -G -H "Authorization: Bearer $token" --data-urlencode "q=$q" \
            "http://127.0.0.1:$port/api/v1/patients") || { bad=$((bad + 1)); continue; }
        read -r ua total tr < <(jq -r '"\(.understood_as) \(.total) \(.truncated)"' <<<"$body" 2>/dev/null)
        [[ $total =~ ^[0-9]+$ ]] || { bad=$((bad + 1)); ((bad == 1)) && echo "      first failure: q=$q -> ${body:0:200}"; continue; }
        [[ $ua == "$want" ]] && ok=$((ok + 1))
        [[ $ua != "$want" && $((n - ok)) -le 3 ]] && echo "      understood as $ua, not $want: q=$q"
        ((total > 0)) && found=$((found + 1))
        [[ $tr == true ]] && trunc=$((trunc + 1))
        sum=$((sum + total))
    done <"$QDIR/$kind.txt"
    printf '   %-8s %d/%d understood as %s, %d found something, mean %s results, %d truncated, %d failed\n' \
        "$kind" "$ok" "$n" "$want" "$found" "$(( n ? sum / n : 0 ))" "$trunc" "$bad"
    figure "search_${kind}_${label}_understood" "$ok/$n" queries "all"
    figure "search_${kind}_${label}_found" "$found/$n" queries "n/a"
    figure "search_${kind}_${label}_mean_results" "$(( n ? sum / n : 0 ))" rows "n/a"
    ((bad > 0)) && note "$label $kind: $bad of $n check queries failed"
    ((ok < n)) && note "$label $kind: $((n - ok)) of $n check queries were not understood as $want"
    return 0
}

search_bench() { # label pid port token
    local label=$1 pid=$2 port=$3 token=$4 kind c offset=0
    echo "== search: $label, check of $CHECK queries per kind (curl, one at a time) =="
    for kind in $KINDS; do check_queries "$label" "$port" "$token" "$kind"; done
    command -v wrk >/dev/null || { note "wrk missing: no search latency for $label"; return 1; }
    for kind in $KINDS; do
        local target; target=$(target_ms "$kind")
        echo "== search: $label, $kind ($(wc -l <"$QDIR/$kind.txt") queries, wrk -t1 ${DURATION}s, warm-up ${WARMUP}s, load $(loadavg)) =="
        run_wrk "$pid" "$port" "$token" "$QDIR/$kind.txt" 2 "$WARMUP" 500 >/dev/null
        for c in $CONNECTIONS; do
            offset=$(( (offset + 700) % SAMPLES ))
            if run_wrk "$pid" "$port" "$token" "$QDIR/$kind.txt" "$c" "$DURATION" "$offset"; then
                figure "search_${kind}_${label}_c${c}_p99" "$W_p99" ms "<= $target ms"
                figure "search_${kind}_${label}_c${c}_p50" "$W_p50" ms "n/a"
                figure "search_${kind}_${label}_c${c}_rps" "$W_rps" req/s "n/a"
                figure "search_${kind}_${label}_c${c}_server_cpu" "$W_cpu_us" us/req "n/a"
                figure "search_${kind}_${label}_c${c}_non2xx" "$W_non2xx" responses "0"
                over "$W_p99" "$target" && note "search $kind on $label at -c$c: p99 $W_p99 ms is over the $target ms target"
            fi
        done
    done
}

# fsync latency of the file system holding the data: the floor under each audited search on SQLite
# (synchronous=FULL: every commit fsyncs the WAL).
fsync_floor() { # dir
    timeout 60 python3 - "$1" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
ts = []
for i in range(200):
    os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
    t = time.perf_counter(); os.fdatasync(fd); ts.append((time.perf_counter() - t) * 1000)
os.close(fd); os.unlink(path)
ts.sort()
print(f"{ts[len(ts) // 2]:.3f} {ts[int(len(ts) * 0.99)]:.3f}")
PY
}

# ------------------------------------------------------------------------------------------- per backend

backend() { # label [database-url]
    local label=$1 url=${2:-} dir=$WORK/data-$1
    echo
    echo "######## $label ########"
    if [[ -n $url ]]; then pg_fresh_db || { note "$label: could not create a fresh database; skipped"; return 1; }; fi
    # 1. the demo once: organisation, staff and 2,000 patients; then stop it.
    local port; port=$(free_port) || { note "no free port"; return 1; }
    echo "== demo once on a fresh $label database =="
    start_server demo "$dir" "$port" "demo-$label" "$url"
    if ! wait_ready "$SERVER_PID" "$port" "$SERVER_T0"; then
        stop_server "$SERVER_PID"
        note "demo on $label did not become ready in ${READY_TIMEOUT_S}s:"; tail -5 "$WORK/demo-$label.err" | sed 's/^/      /'
        return 1
    fi
    stop_server "$SERVER_PID"
    echo "   seeded and ready in $READY_MS ms; stopped in $STOP_MS ms"

    # 2. import, then the same file again
    local target="n/a"; [[ $label == sqlite ]] && target=">= 20000 rows/s"
    echo "== import $N rows into $label (load $(loadavg)) =="
    import_once "$label" "$dir" "$url" "import-$label" || return 1
    figure "import_${label}_rate" "$I_RATE" rows/s "$target"
    figure "import_${label}_seconds" "$I_SECS" s "n/a"
    figure "import_${label}_peak_rss" "${I_RSS_MB:-?}" MB "n/a"
    figure "import_${label}_added" "$I_ADDED" rows "$N"
    figure "import_${label}_rejected" "$I_REJECTED" rows "0"
    [[ $label == sqlite ]] && (( I_RATE < 20000 )) && note "import on sqlite: $I_RATE rows/s is under the 20,000 rows/s target"
    (( I_ADDED != N )) && note "$label import added $I_ADDED of $N rows ($I_PRESENT already on file, $I_REJECTED rejected)"
    local size; size=$(db_size_mb "$label" "$dir")
    echo "   database size after import: ${size:-?} MB"
    figure "db_size_${label}" "${size:-?}" MB "n/a"
    if [[ $SECOND_IMPORT == 1 ]]; then
        echo "== the same file again into $label (should add nothing) =="
        if import_once "$label" "$dir" "$url" "import2-$label"; then
            figure "import_${label}_second_run_seconds" "$I_SECS" s "n/a"
            figure "import_${label}_second_run_rate" "$I_RATE" rows/s "n/a"
            figure "import_${label}_second_run_added" "$I_ADDED" rows "0"
            figure "import_${label}_second_run_peak_rss" "${I_RSS_MB:-?}" MB "n/a"
            (( I_ADDED != 0 )) && note "$label: the second import added $I_ADDED rows"
        fi
    fi
    if [[ $label == postgres ]]; then
        echo "== ANALYZE (PostgreSQL; autovacuum may not have run after the bulk load) =="
        PG_QUERY_TIMEOUT=300 pg_bench -c 'ANALYZE' >/dev/null || note "ANALYZE failed"
    else
        # Steady state, not first touch: read the database file once so that it is in the OS page cache
        # (as on a server that has been up a while). SQLite itself caches only 2 MB per connection.
        echo "== reading the SQLite files once into the OS page cache =="
        timeout 120 cat "$dir"/carefront.db* >/dev/null
    fi

    # 3. a token for the receptionist, then serve and search
    db_args "$dir" "$url"
    local token
    token=$(timeout 60 "$BIN" "${DB_ARGS[@]}" token create --user reception 2>"$WORK/token-$label.err")
    [[ $token == cf_* ]] || { note "$label: could not create a token for reception:"; tail -3 "$WORK/token-$label.err" | sed 's/^/      /'; return 1; }
    port=$(free_port) || { note "no free port"; return 1; }
    start_server serve "$dir" "$port" "serve-$label" "$url"
    local pid=$SERVER_PID
    if ! wait_ready "$pid" "$port" "$SERVER_T0"; then
        stop_server "$pid"
        note "serve on $label did not become ready:"; tail -5 "$WORK/serve-$label.err" | sed 's/^/      /'
        return 1
    fi
    echo "   serving $label on port $port (ready in $READY_MS ms)"
    if [[ $label == sqlite ]]; then
        local fs; fs=$(fsync_floor "$dir")
        if [[ $fs == *" "* ]]; then
            echo "   fdatasync of 4 KiB on the data folder's file system: p50 ${fs% *} ms, p99 ${fs#* } ms (200 calls)"
            figure fsync_floor_p50 "${fs% *}" ms "n/a"
            figure fsync_floor_p99 "${fs#* }" ms "n/a"
        fi
    fi
    search_bench "$label" "$pid" "$port" "$token"
    local rss hwm
    rss=$(status_kb "$pid" VmRSS); hwm=$(status_kb "$pid" VmHWM)
    echo "   server after the searches: VmRSS $(kb_to_mb "$rss") MB, peak $(kb_to_mb "$hwm") MB"
    figure "serve_rss_after_search_${label}" "$(kb_to_mb "$rss")" MB "n/a"
    stop_server "$pid"
}

# ------------------------------------------------------------------------------------------------ main

echo "carefront registry bench: $BIN"
echo "   $("$BIN" --version 2>/dev/null), $(nproc) CPUs, $(date -u +%FT%TZ), load $(loadavg), N=$N"
LOAD_START=$(loadavg)
T_START=$(now_us)

HAVE_PG=0
if pg_reachable; then HAVE_PG=1; else echo "   PostgreSQL not reachable at $PG_ADMIN_URL (or SKIP_PG=1): SQLite only"; fi

if generate; then
    [[ ${SKIP_SQLITE:-0} == 1 ]] || backend sqlite
    [[ $HAVE_PG == 1 ]] && backend postgres "$PG_BENCH_URL"
fi

echo
echo "== summary ($(date -u +%F), $(nproc) CPUs, N=$N, load at start $LOAD_START, at end $(loadavg), $(( ($(now_us) - T_START) / 60000000 )) min) =="
printf '%s\n' "${FIGURES[@]}"
if ((${#NOTES[@]})); then
    echo "== problems noticed =="
    printf -- '- %s\n' "${NOTES[@]}"
fi
