#!/usr/bin/env bash
# Messaging throughput: 100,000 reminders due at once, sent by two worker processes (`carefront serve`)
# to the in-process SMTP server and a local HTTP server speaking GOV.UK Notify's SMS API, on SQLite and on
# PostgreSQL. Prints messages/s end to end, duplicates and losses counted at the sinks.
#
#   bench/messages.sh [BINARY]
#
# BINARY defaults to ./target/release/carefront (built with `cargo build --release -p carefront` when
# missing). The driver, crates/app/examples/outbox_bench.rs, is built with `cargo build --release -p
# carefront-app --example outbox_bench` when missing. Both are copied to the temporary folder first, so
# a rebuild during the run does not change them. See bench/README.md for what each figure means.
#
# Settings (environment):
#   REMINDERS=100000   reminders due at once (one per appointment)
#   PATIENTS=50000     patients (two appointments each by default)
#   WORKERS=2          worker processes
#   SMTP_CONNECTIONS=128   the workers' --smtp-connections (each worker's; serve's default is 16, see
#                      bench/README.md for why the benchmark uses more)
#   BATCH=, CONCURRENCY=, SMS_CONCURRENCY=   the workers' --outbox-batch, --outbox-concurrency,
#                      --outbox-sms-concurrency (empty: serve's defaults)
#   RUN_TIMEOUT_S=900  bound on one backend's run (loading included)
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/test   where to run CREATE/DROP DATABASE
#   PG_BENCH_DB=carefront_messages_bench                   the database created afresh (dropped at exit)
#   SKIP_PG=1, SKIP_SQLITE=1   skip a backend
#   KEEP_LOGS=1        keep the temporary folder (database, worker logs)
#
# Everything the script starts it stops on exit (the driver stops its workers; TERM, then KILL after
# 5 s); every wait is bounded; all traffic is on 127.0.0.1 on free ports.

set -uo pipefail
export LC_ALL=C
export PGOPTIONS='-c client_min_messages=warning'
trap '' PIPE

REMINDERS=${REMINDERS:-100000}
PATIENTS=${PATIENTS:-$(( (REMINDERS + 1) / 2 ))}
WORKERS=${WORKERS:-2}
BATCH=${BATCH:-}
CONCURRENCY=${CONCURRENCY:-}
SMTP_CONNECTIONS=${SMTP_CONNECTIONS-128}
SMS_CONCURRENCY=${SMS_CONCURRENCY:-}
RUN_TIMEOUT_S=${RUN_TIMEOUT_S:-900}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_BENCH_DB=${PG_BENCH_DB:-carefront_messages_bench}
PG_BENCH_URL=${PG_ADMIN_URL%/*}/$PG_BENCH_DB
STOP_TIMEOUT_S=15 # the driver itself stops its workers (5 s each) before it exits

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
if [[ $# -ge 1 ]]; then
    SRC_BIN=$(realpath -- "$1") || { echo "no such binary: $1" >&2; exit 2; }
else
    SRC_BIN=$TARGET/release/carefront
    if [[ ! -x $SRC_BIN ]]; then
        echo "== building $SRC_BIN (cargo build --release -p carefront) =="
        (cd "$REPO" && cargo build --release -p carefront) || { echo "build failed" >&2; exit 2; }
    fi
fi
[[ -x $SRC_BIN ]] || { echo "not executable: $SRC_BIN" >&2; exit 2; }
SRC_DRIVER=$TARGET/release/examples/outbox_bench
if [[ ! -x $SRC_DRIVER ]]; then
    echo "== building the driver (cargo build --release -p carefront-app --example outbox_bench) =="
    (cd "$REPO" && cargo build --release -p carefront-app --example outbox_bench) || { echo "build failed" >&2; exit 2; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/carefront-messages.XXXXXX")
BIN=$WORK/carefront
DRIVER=$WORK/outbox_bench
cp "$SRC_BIN" "$BIN"
cp "$SRC_DRIVER" "$DRIVER"
PIDS=()
PG_CREATED=0
FIGURES=()
NOTES=()
exec {SLEEP_FD}<> <(:) # `read -t` on this never gets data: a fork-free sleep
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

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

backend() { # label database-url
    local label=$1 url=$2 out=$WORK/$1.out
    local args=(--database-url "$url" --carefront "$BIN" --label "$label" --reminders "$REMINDERS"
        --patients "$PATIENTS" --workers "$WORKERS" --work "$WORK/$label" --timeout-seconds "$RUN_TIMEOUT_S")
    [[ -n $BATCH ]] && args+=(--batch "$BATCH")
    [[ -n $CONCURRENCY ]] && args+=(--concurrency "$CONCURRENCY")
    [[ -n $SMTP_CONNECTIONS ]] && args+=(--smtp-connections "$SMTP_CONNECTIONS")
    [[ -n $SMS_CONCURRENCY ]] && args+=(--sms-concurrency "$SMS_CONCURRENCY")
    mkdir -p "$WORK/$label"
    echo
    # The driver stops its own workers; `timeout` (30 s more than the driver's own bound) signals the
    # whole process group if it hangs.
    timeout -k 10 $((RUN_TIMEOUT_S + 30)) "$DRIVER" "${args[@]}" >"$out" 2>&1 &
    local pid=$! rc
    PIDS+=("$pid")
    tail -n +1 -f --pid="$pid" "$out" &
    local tail_pid=$!
    wait "$pid"
    rc=$?
    wait "$tail_pid"
    stop_server "$pid" # already reaped: only forgets the id
    (( rc == 0 )) || note "$label: the driver exited with $rc (see above)"
    local line
    while IFS= read -r line; do FIGURES+=("$line"); done < <(grep '^figure: ' "$out")
    grep -q '^   ! ' "$out" && while IFS= read -r line; do note "$label: ${line#   ! }"; done < <(grep '^   ! ' "$out")
    return 0
}

echo "carefront messages bench: $SRC_BIN (copied to $BIN)"
echo "   $("$BIN" --version 2>/dev/null), $(nproc) CPUs, $(date -u +%FT%TZ), load $(loadavg)"
echo "   $REMINDERS reminders for $PATIENTS patients, $WORKERS workers${BATCH:+, batch $BATCH}${CONCURRENCY:+, concurrency $CONCURRENCY}${SMTP_CONNECTIONS:+, $SMTP_CONNECTIONS SMTP connections}${SMS_CONCURRENCY:+, $SMS_CONCURRENCY SMS at once}"
LOAD_START=$(loadavg)
T_START=$(now_us)

[[ ${SKIP_SQLITE:-0} == 1 ]] || backend sqlite "sqlite://$WORK/sqlite/carefront.db"
if pg_reachable; then
    if PGCONNECT_TIMEOUT=3 timeout 20 psql "$PG_ADMIN_URL" -qAtX -c "DROP DATABASE IF EXISTS $PG_BENCH_DB WITH (FORCE)" \
        -c "CREATE DATABASE $PG_BENCH_DB" >/dev/null; then
        PG_CREATED=1
        backend postgres "$PG_BENCH_URL"
    else
        note "could not create $PG_BENCH_DB at $PG_ADMIN_URL"
    fi
else
    echo "   PostgreSQL not reachable at $PG_ADMIN_URL (or SKIP_PG=1): SQLite only"
fi

echo
echo "== summary ($(date -u +%F), $(nproc) CPUs, load at start $LOAD_START, at end $(loadavg), $(( ($(now_us) - T_START) / 1000000 )) s) =="
printf '%s\n' "${FIGURES[@]}"
if ((${#NOTES[@]})); then
    echo "== problems noticed =="
    printf -- '- %s\n' "${NOTES[@]}"
fi
