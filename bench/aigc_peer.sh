# aigc as a peer of the shared harness (../shared/bench-peers/run_peers.sh).
# Sourced by run_peers.sh through PEER_FILE; see bench/run.sh.
# the real console script beside the interpreter, not a pyenv shim (~70 ms of bash)
AIGC_PY=${AIGC_PY:-$(python3 -c 'import sys; print(sys.executable)')}
AIGC_BIN=${AIGC_BIN:-$(dirname "$AIGC_PY")/aigc}
AIGC_BENCH_HOME=${AIGC_BENCH_HOME:-$PEERS_DIR/aigc-home}
AIGC_BENCH_DIR=${AIGC_BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

cmd_aigc() {
  local e=(env AIGC_HOME="$AIGC_BENCH_HOME" OPENAI_API_KEY=dummy OPENAI_BASE_URL="$FAKE_URL")
  case $1 in
    help)    CMD=("${e[@]}" "$AIGC_BIN" --help) ;;
    version) CMD=("${e[@]}" "$AIGC_BIN" --version) ;;
    oneshot) CMD=("${e[@]}" "$AIGC_BIN" ask -m "fake-$2" "$PROMPT") ;;
    oneshot-nolog) CMD=("${e[@]}" "$AIGC_BIN" ask --no-log -m "fake-$2" "$PROMPT") ;;
    local)   CMD=(env AIGC_HOME="$AIGC_BENCH_HOME" OPENAI_BASE_URL="$LLAMA_URL" OPENAI_API_KEY=dummy
                  "$AIGC_BIN" ask -m "$LOCAL_MODEL" --max-tokens "$LOCAL_MAX_TOKENS" --temperature 0 "$PROMPT") ;;
    logs-fill)   CMD=(env AIGC_HOME="$PEERS_DIR/aigc-logs-$2" "$AIGC_PY" "$AIGC_BENCH_DIR/fill_store.py" --target "$2") ;;
    logs-last)   CMD=(env AIGC_HOME="$PEERS_DIR/aigc-logs-$2" "$AIGC_BIN" history list -n 1) ;;
    logs-search) CMD=(env AIGC_HOME="$PEERS_DIR/aigc-logs-$2" "$AIGC_BIN" history search word -n 10) ;;
    logs-rare)   CMD=(env AIGC_HOME="$PEERS_DIR/aigc-logs-$2" "$AIGC_BIN" history search needle -n 10) ;;
    oneshot-db)  CMD=(env AIGC_HOME="$PEERS_DIR/aigc-logs-$2-w" OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=dummy
                      "$AIGC_BIN" ask -m "fake-$ONESHOT_TOKENS" "$PROMPT") ;;
    *) return 1 ;;
  esac
}
