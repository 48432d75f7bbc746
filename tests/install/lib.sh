# Shared by the install tests (sourced): start a program with debug endpoints on a free loopback
# port, read the profile they serve with `go tool pprof`, stop the program.

# start_profiled LOG READY CMD...: runs CMD with LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0 in the background,
# waits (at most 30 s) for its "debug endpoints on URL" line and for READY on its stdout.
# Sets profiled_pid and profiled_url.
start_profiled() {
  local log=$1 ready=$2
  shift 2
  LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0 "$@" >"$log.out" 2>"$log.err" &
  profiled_pid=$!
  profiled_url=
  for _ in $(seq 300); do
    profiled_url=$(sed -n 's|.*debug endpoints on \(http://[^ ]*\)/debug/pprof/.*|\1|p' "$log.err")
    if [ -n "$profiled_url" ] && grep -q "$ready" "$log.out"; then return 0; fi
    kill -0 "$profiled_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "no endpoint line and '$ready' from $*; stderr:"
  cat "$log.err"
  return 1
}

stop_profiled() {
  kill -TERM "$profiled_pid" 2>/dev/null || true
  wait "$profiled_pid" || true
}

# pprof_top_has URL FUNCTION: `go tool pprof -top` on URL names FUNCTION. -symbolize=none: the names
# must be in the profile itself (put there by the installed `leakscope symbolize-snapshot` helper).
pprof_top_has() {
  local out
  out=$(go tool pprof -symbolize=none -top "$1" 2>&1) || { echo "go tool pprof failed: $out"; return 1; }
  grep -q "$2" <<<"$out" || { echo "go tool pprof -top $1 does not name $2:"; echo "$out"; return 1; }
}
