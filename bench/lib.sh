# Shared by bench/run, bench/queue and bench/memory (sourced, not run): builds the release
# server, writes a rules file with chosen quotas, starts and stops the server on a fresh SQLite
# file or a throwaway PostgreSQL database, runs wrk with bench/report.lua and reads its figures.
# Everything a run creates lives in $BENCH_WORK and is removed (databases dropped) on exit,
# unless BENCH_KEEP is set. BENCH_RUST_LOG overrides the server's RUST_LOG (default warn).

BENCH_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_BIN="${CARGO_TARGET_DIR:-$BENCH_REPO/target}/release/gatehouse"
BENCH_POSTGRES_ADMIN="${BENCH_POSTGRES_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
BENCH_WORK="$(mktemp -d /tmp/gatehouse-bench.XXXXXX)"
BENCH_SERVER_PID=""
BENCH_PG_DATABASES=()

bench_cleanup() {
  bench_stop_server
  local name
  for name in "${BENCH_PG_DATABASES[@]}"; do
    psql -q "$BENCH_POSTGRES_ADMIN" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
  if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $BENCH_WORK" >&2; else rm -rf "$BENCH_WORK"; fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_die() {
  echo "bench: $*" >&2
  exit 1
}

# wrk is a Debian package; install it the first time.
bench_ensure_wrk() {
  command -v wrk >/dev/null 2>&1 && return
  echo "installing wrk (Debian package)..." >&2
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null || bench_die "could not install wrk"
}

bench_build() {
  if [ -z "${BENCH_NO_BUILD:-}" ]; then
    (cd "$BENCH_REPO" && cargo build --release --quiet --bin gatehouse) || bench_die "build failed"
  fi
  [ -x "$BENCH_BIN" ] || bench_die "$BENCH_BIN is missing (build it or drop --no-build)"
}

# bench_rules NAME RATE_LIMITS_TOML: the shipped rules (and their word lists) with the
# [rate_limits] section replaced; prints the file's path.
bench_rules() {
  local dir="$BENCH_WORK/rules-$1"
  mkdir -p "$dir"
  # A copy, not a symlink: list files must resolve inside the rules file's folder.
  cp -r "$BENCH_REPO/rules" "$dir/rules"
  awk '/^\[rate_limits\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' \
    "$BENCH_REPO/moderation_rules.toml" >"$dir/moderation_rules.toml"
  printf '\n[rate_limits]\n%s\n' "$2" >>"$dir/moderation_rules.toml"
  echo "$dir/moderation_rules.toml"
}

# Quotas no benchmark meets: every request runs the full pipeline.
BENCH_RAISED_LIMITS='per_ip      = { burst = 1000000, rate = 1000000, per = "second" }
per_author  = { burst = 1000000, rate = 1000000, per = "second" }
per_article = { burst = 1000000, rate = 1000000, per = "second" }
global      = { burst = 1000000, rate = 1000000, per = "second" }'

# bench_database BACKEND NAME: sets BENCH_DATABASE_URL to a fresh database (a new SQLite file,
# or a new PostgreSQL database dropped on exit). Not in a $(…) subshell: the list of databases
# to drop lives in this shell.
bench_database() {
  case "$1" in
    sqlite) BENCH_DATABASE_URL="sqlite://$BENCH_WORK/$2.db" ;;
    postgres)
      local name="gatehouse_bench_$2_$$"
      psql -q "$BENCH_POSTGRES_ADMIN" -c "CREATE DATABASE \"$name\"" >/dev/null \
        || bench_die "cannot create a database on $BENCH_POSTGRES_ADMIN"
      BENCH_PG_DATABASES+=("$name")
      local path="${BENCH_POSTGRES_ADMIN%%\?*}" query=""
      [[ "$BENCH_POSTGRES_ADMIN" == *\?* ]] && query="?${BENCH_POSTGRES_ADMIN#*\?}"
      BENCH_DATABASE_URL="${path%/*}/$name$query"
      ;;
    *) bench_die "unknown backend '$1' (sqlite or postgres)" ;;
  esac
}

bench_backend_label() {
  case "$1" in
    sqlite) echo "SQLite (WAL, synchronous=FULL)" ;;
    postgres) echo "PostgreSQL $(psql -tA "$BENCH_POSTGRES_ADMIN" -c 'SHOW server_version' 2>/dev/null | cut -d' ' -f1) (local)" ;;
  esac
}

bench_free_port() {
  local port
  for port in $(seq 18080 18199); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  bench_die "no free port in 18080-18199"
}

# bench_start_server DATABASE_URL RULES_FILE [more serve options]: starts the release server
# (RUST_LOG=warn, trusting 127.0.0.1 as a proxy) and waits until /healthz answers. Sets
# BENCH_SERVER_PID and BENCH_SERVER (its base URL).
bench_start_server() {
  local url="$1" rules="$2"
  shift 2
  local port
  port="$(bench_free_port)"
  BENCH_SERVER="http://127.0.0.1:$port"
  RUST_LOG=${BENCH_RUST_LOG:-warn} "$BENCH_BIN" serve --bind "127.0.0.1:$port" --database-url "$url" \
    --rules "$rules" --trusted-proxy 127.0.0.1/32 "$@" \
    >>"$BENCH_WORK/server.log" 2>&1 &
  BENCH_SERVER_PID=$!
  local _
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$BENCH_SERVER/healthz" && return
    kill -0 "$BENCH_SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$BENCH_WORK/server.log" >&2
  bench_die "the server did not answer /healthz"
}

# Stops the server gracefully (SIGTERM) and waits for it to exit.
bench_stop_server() {
  [ -n "$BENCH_SERVER_PID" ] || return 0
  kill -TERM "$BENCH_SERVER_PID" 2>/dev/null || true
  wait "$BENCH_SERVER_PID" 2>/dev/null || true
  BENCH_SERVER_PID=""
}

# Peak and current resident memory of the server, e.g. "peak 61 MB, now 58 MB".
bench_memory() {
  awk '/^VmHWM/ { peak = $2 } /^VmRSS/ { now = $2 }
       END { printf "peak %d MB, now %d MB\n", peak / 1024, now / 1024 }' \
    "/proc/$BENCH_SERVER_PID/status"
}

bench_rss_kb() {
  awk '/^VmRSS/ { print $2 }' "/proc/$BENCH_SERVER_PID/status"
}

# bench_wrk OUT_FILE [wrk arguments]: runs wrk (2 threads, long timeout so slow answers count
# in the tail instead of vanishing as timeouts) with report.lua unless a script is given.
bench_wrk() {
  local out="$1"
  shift
  local script=(-s "$BENCH_REPO/bench/report.lua")
  [[ " $* " == *" -s "* ]] && script=()
  wrk -t2 --timeout 30s --latency "${script[@]}" "$@" >"$out" 2>&1 \
    || { cat "$out" >&2; bench_die "wrk failed"; }
}

# bench_stat FILE NAME: one figure from report.lua's output (0 when absent).
bench_stat() {
  awk -v name="$2" '$1 == "STAT" && $2 == name { print $3; found = 1 } END { if (!found) print 0 }' "$1"
}

# Requests (or one status's count, e.g. status_201) per second over the run.
bench_rate() {
  local count duration
  count="$(bench_stat "$1" "$2")"
  duration="$(bench_stat "$1" duration_us)"
  awk -v c="$count" -v d="$duration" 'BEGIN { printf "%.0f", (d > 0 ? c * 1e6 / d : 0) }'
}

# A latency figure in milliseconds.
bench_ms() {
  awk -v us="$(bench_stat "$1" "$2")" 'BEGIN { printf "%.1f", us / 1000 }'
}

# "p50 3.1 ms, p99 9.0 ms, p99.9 15.2 ms, max 40.1 ms"
bench_latencies() {
  echo "p50 $(bench_ms "$1" p50_us) ms, p99 $(bench_ms "$1" p99_us) ms, p99.9 $(bench_ms "$1" p999_us) ms, max $(bench_ms "$1" max_us) ms"
}

# Every status and its count, e.g. "201: 33012, 503: 2", plus socket errors if any.
bench_statuses() {
  awk '$1 == "STAT" && $2 ~ /^status_/ { sub("status_", "", $2); printf "%s%s: %s", sep, $2, $3; sep = ", " }
       $1 == "STAT" && $2 == "socket_errors" && $3 != "connect=0,read=0,write=0,timeout=0" { printf "%ssocket errors %s", sep, $3 }' "$1"
  echo
}

bench_decisions() {
  awk '$1 == "STAT" && $2 ~ /^decision_/ { sub("decision_", "", $2); printf "%s%s %s", sep, $2, $3; sep = ", " }' "$1"
  echo
}

# bench_sql DATABASE_URL SQL: runs SQL with the backend's own client, printing rows.
bench_sql() {
  case "$1" in
    sqlite://*) sqlite3 "${1#sqlite://}" "$2" ;;
    postgres://*) psql -qtA "$1" -c "$2" ;;
  esac
}

# bench_wal_watch URL: on SQLite, samples the size of the database's WAL file every half second
# in the background until bench_wal_peak is called. (A WAL that only grows under a steady load
# fills the disk: the checkpointer starts it over past ~1 GiB.)
bench_wal_watch() {
  BENCH_WAL_WATCHER=""
  [[ "$1" == sqlite://* ]] || return 0
  local wal="${1#sqlite://}-wal" out="$BENCH_WORK/wal-peak"
  echo 0 >"$out"
  (
    peak=0
    while :; do
      size="$(stat -c %s "$wal" 2>/dev/null || echo 0)"
      if [ "$size" -gt "$peak" ]; then peak="$size"; echo "$peak" >"$out"; fi
      sleep 0.5
    done
  ) &
  BENCH_WAL_WATCHER=$!
}

# Stops the watcher and prints the largest WAL seen, e.g. "WAL at most 1093 MB"; nothing on
# PostgreSQL.
bench_wal_peak() {
  [ -n "${BENCH_WAL_WATCHER:-}" ] || return 0
  kill "$BENCH_WAL_WATCHER" 2>/dev/null || true
  wait "$BENCH_WAL_WATCHER" 2>/dev/null || true
  BENCH_WAL_WATCHER=""
  echo "WAL at most $(($(cat "$BENCH_WORK/wal-peak") / 1048576)) MB"
}
