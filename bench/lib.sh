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

# A free TCP port on 127.0.0.1; probing a URL for 200; the database flags; starting the server
# (start_server needs BIN, WORK and PIDS from the calling script).
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        [[ -z $(ss -Htln "sport = :$p") ]] && { echo "$p"; return 0; }
    done
    return 1
}

probe_200() { # port path
    local fd line
    exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&"$fd"
    IFS= read -r -t 1 line <&"$fd"
    exec {fd}>&-
    [[ $line == "HTTP/1."[01]" 200"* ]]
} 2>/dev/null

# Database arguments for a backend: DB_ARGS=(--data DIR [--database-url URL]).
db_args() { # dir [url]
    DB_ARGS=(--data "$1")
    [[ -n ${2:-} ]] && DB_ARGS+=(--database-url "$2")
    return 0
}

start_server() { # subcommand dir port logname [database-url]
    local cmd=$1 dir=$2 port=$3 log=$4 url=${5:-}
    db_args "$dir" "$url"
    mkdir -p "$dir"
    SERVER_T0=$(now_us)
    "$BIN" "${DB_ARGS[@]}" --log-format pretty "$cmd" --bind "127.0.0.1:$port" >"$WORK/$log.out" 2>"$WORK/$log.err" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
}

# Poll /readyz every READY_POLL_S seconds (default 0.02) until it answers 200, for at most
# READY_TIMEOUT_S. Sets READY_MS (ms from t0, default now, to the first 200); fails if the process exits
# first. Never call in $(...): a subshell cannot see its sibling exit.
wait_ready() { # pid port [t0]
    local pid=$1 port=$2 t0=${3:-$(now_us)} deadline=$(( $(now_us) + READY_TIMEOUT_S * 1000000 ))
    READY_MS=
    while :; do
        if probe_200 "$port" /readyz; then
            READY_MS=$(( ($(now_us) - t0 + 500) / 1000 ))
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        (( $(now_us) > deadline )) && return 1
        nap "${READY_POLL_S:-0.02}"
    done
}

# Run a long command (generator, import) in the background and wait for it, so that an interrupt takes
# effect at once: cleanup stops it like a server. Start it under `timeout`, which passes the TERM on to
# its whole process group. Sets RC.
run_waited() { # command...
    "$@" &
    local pid=$!
    PIDS+=("$pid")
    wait "$pid"
    RC=$?
    stop_server "$pid" # already reaped: only forgets the id
}

# Install a Debian package when its command is missing (a clean machine has no wrk or GNU time).
ensure_tool() { # command package what-is-lost
    if [[ $1 == time ]]; then # `command -v time` finds the shell keyword, not GNU time
        [[ -x /usr/bin/time ]] && return 0
    else
        command -v "$1" >/dev/null && return 0
    fi
    echo "== installing $2 (apt-get install -y $2) =="
    apt-get -o DPkg::Lock::Timeout=300 install -y "$2" >/dev/null 2>&1 || echo "could not install $2: $3" >&2
}
