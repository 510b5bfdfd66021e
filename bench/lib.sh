#!/usr/bin/env bash
# Helpers shared by the benchmark scripts (sourced, not run). They use the caller's globals:
# SLEEP_FD, PIDS, READY_TIMEOUT_S, STOP_TIMEOUT_S and the summary arrays.

now_us() { local t=$EPOCHREALTIME; echo $((10#${t/./})); }

nap() { read -r -t "$1" -u "$SLEEP_FD" _ || true; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

figure() { # name value unit target
    FIGURES+=("figure: $1 = $2 $3 (target $4)")
}

note() {
    NOTES+=("$*")
    echo "   ! $*"
}

# TERM, wait up to STOP_TIMEOUT_S, then KILL; reaps the process and forgets its id (so cleanup never
# signals a recycled pid). Sets STOP_MS ("killed" when TERM was not enough). Not for $(...) either.
stop_server() { # pid
    local pid=$1 t0 p rest=()
    t0=$(now_us)
    STOP_MS=
    for p in "${PIDS[@]}"; do [[ $p != "$pid" ]] && rest+=("$p"); done
    PIDS=("${rest[@]}")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        local deadline=$(( t0 + STOP_TIMEOUT_S * 1000000 ))
        # A child that exited stays a zombie (kill -0 succeeds) until waited for, so check its state.
        while [[ -r /proc/$pid/stat ]] && [[ $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) != Z ]] &&
            (( $(now_us) < deadline )); do
            nap 0.01
        done
        if [[ -r /proc/$pid/stat ]] && [[ $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) != Z ]]; then
            kill -KILL "$pid" 2>/dev/null
            STOP_MS=killed
        fi
    fi
    wait "$pid" 2>/dev/null
    [[ -z $STOP_MS ]] && STOP_MS=$(( ($(now_us) - t0 + 500) / 1000 ))
    return 0
}

kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

pg_reachable() {
    [[ ${SKIP_PG:-0} == 1 ]] && return 1
    command -v psql >/dev/null || return 1
    PGCONNECT_TIMEOUT=3 timeout 10 psql "$PG_ADMIN_URL" -qAtX -c 'select 1' >/dev/null 2>&1
}
