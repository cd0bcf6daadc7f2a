# Sourced by the serve script tests: start_imprint_serve ARGS... starts `imprint serve --port 0 ARGS...` in the
# background, waits until it listens, and sets SERVER_PID, SERVER_URL and SERVER_LOG; stop_imprint_serve sends it
# SIGTERM and waits for it (its exit status is returned). IMPRINT_BIN names the binary (default: a debug build).
start_imprint_serve() {
    SERVER_LOG="$(mktemp)"
    "$IMPRINT_BIN" serve --port 0 "$@" 2>"$SERVER_LOG" &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        port="$(sed -n 's|.*listening on http://[^:]*:\([0-9]*\).*|\1|p' "$SERVER_LOG" | head -n 1)"
        if [ -n "$port" ]; then
            SERVER_URL="http://127.0.0.1:$port"
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "imprint serve exited before listening:" >&2
            cat "$SERVER_LOG" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "imprint serve did not listen within 60 s" >&2
    return 1
}

stop_imprint_serve() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local status=0
    wait "$SERVER_PID" || status=$?
    return $status
}
