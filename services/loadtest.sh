#!/bin/sh
# loadtest.sh measures the services with wrk on loopback, with request
# logging on: requests/s, p99 latency and memory (VmHWM peak, VmRSS after
# the runs, from /proc/PID/status).
#
# Usage, from services/:
#   ./loadtest.sh               the monolith and the users microservice of
#                               this tree, on a few hot routes
#   ./loadtest.sh compare REF   the monolith of git ref REF ("before",
#                               such as HEAD~1 or a release tag) against
#                               this tree's ("after"),
#                               both running, their wrk runs alternating,
#                               ROUNDS times over ROUTES; then the medians
#
# Needs wrk (apt-get install -y wrk), curl, go and, for compare, git.
# Tunables, from the environment: DURATION (default 10s), CONNECTIONS (64),
# THREADS (2), BASE_PORT (18080; the services use BASE_PORT and
# BASE_PORT+1), LOGS (where the services' stdout goes: null, /dev/null, the
# default; file, a file; pipe, a pipe read by cat into a file, as a
# container runtime reads a task's stdout), and for compare ROUNDS (5) and
# ROUTES ("/api/users/1 /api/posts/by-user/2"). Each request writes its log
# line whatever LOGS is; with file or pipe, compare also counts the lines.
set -eu

duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
base_port=${BASE_PORT:-18080}
logs=${LOGS:-null}
rounds=${ROUNDS:-5}
routes=${ROUTES:-/api/users/1 /api/posts/by-user/2}

case $logs in null | file | pipe) ;; *)
	echo "$0: LOGS=$logs: want null, file or pipe" >&2
	exit 2
	;;
esac
command -v wrk >/dev/null || { echo "$0: wrk not found; apt-get install -y wrk" >&2; exit 1; }
for tool in curl go; do
	command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 1; }
done
cd "$(dirname "$0")"
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cputicks PID prints the CPU time PID has used (user and system), in clock
# ticks.
cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# mib FIELD PID prints a field of /proc/PID/status, such as VmRSS, in MiB.
mib() { awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$2/status"; }

# serve BIN PORT starts BIN on PORT with its stdout to LOGS (the log file is
# $tmp/PORT.log), waits until it is healthy and sets pid.
serve() {
	case $logs in
	null) PORT=$2 "$1" >/dev/null & ;;
	file) PORT=$2 "$1" >>"$tmp/$2.log" & ;;
	pipe)
		mkfifo "$tmp/$2.fifo"
		cat "$tmp/$2.fifo" >>"$tmp/$2.log" &
		PORT=$2 "$1" >"$tmp/$2.fifo" &
		;;
	esac
	pid=$!
	pids="$pids $pid"
	i=0
	until curl -sf "http://127.0.0.1:$2/healthz" >/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || { echo "$0: $1 did not become healthy" >&2; exit 1; }
		sleep 0.1
	done
}

# stop PID sends SIGTERM to PID, which serve started, and waits for it to
# exit.
stop() {
	kill -TERM "$1"
	wait "$1" || echo "$0: server $1 exited with status $? (a drain that timed out?)" >&2
	pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ' || true)
}

# load PORT TARGET runs wrk and sets rps, p99 (as wrk prints it), p99ms,
# requests (completed, as wrk counts them) and errors.
load() {
	out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "http://127.0.0.1:$1$2")
	rps=$(echo "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')
	requests=$(echo "$out" | awk '/requests in/ { print $1 }')
	p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
	p99ms=$(echo "$p99" | awk '/us$/ { printf "%.3f", $1 / 1000; next } /ms$/ { printf "%.3f", $1 + 0; next } /s$/ { printf "%.3f", $1 * 1000 }')
	errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }')
}

# table measures this tree's monolith and users services.
table() {
	echo "wrk -t$threads -c$connections -d$duration --latency, logs to $logs, $(nproc) cores, $(go version | cut -d' ' -f3)"
	echo '| service | route | requests/s | p99 | VmHWM | VmRSS | errors'
	echo '|---|---|---|---|---|---|---|'
	port=$base_port
	for spec in "monolith /api/users/7 /api/posts /api/posts/in-thread/2" "users /api/users/7 /api/users"; do
		# shellcheck disable=SC2086 # spec is a list of words
		set -- $spec
		name=$1
		shift
		./build.sh "$name" "$tmp/$name"
		serve "$tmp/$name" "$port"
		for target in "$@"; do
			load "$port" "$target"
			printf '| %s | %s | %s | %s | %s MiB | %s MiB | %s\n' "$name" "$target" "$rps" "$p99" \
				"$(mib VmHWM "$pid")" "$(mib VmRSS "$pid")" "${errors:-none}"
		done
		stop "$pid"
		port=$((port + 1))
	done
}

# median prints the median of the numbers on its input, one a line.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# compare REF measures REF's monolith against this tree's.
compare() {
	ref=$1
	rev=$(git rev-parse --short "$ref^{commit}")
	mkdir "$tmp/before"
	git archive "$rev" . | tar -x -C "$tmp/before"
	(cd "$tmp/before" && ./build.sh monolith "$tmp/monolith.before")
	./build.sh monolith "$tmp/monolith.after"
	after_rev="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo +changes)"
	echo "before: $ref ($rev); after: this tree ($after_rev)"
	echo "wrk -t$threads -c$connections -d$duration --latency, logs to $logs, $rounds rounds, $(nproc) cores, $(go version | cut -d' ' -f3)"
	serve "$tmp/monolith.before" "$base_port"
	pid_before=$pid
	serve "$tmp/monolith.after" "$((base_port + 1))"
	pid_after=$pid
	tick_us=$((1000000 / $(getconf CLK_TCK)))
	echo '| round | route | binary | requests/s | p99 | server CPU µs/request | log lines | errors'
	echo '|---|---|---|---|---|---|---|---|'
	round=1
	while [ "$round" -le "$rounds" ]; do
		order="before after"
		[ $((round % 2)) -eq 1 ] || order="after before" # cancel drift
		for route in $routes; do
			for which in $order; do
				port=$base_port server=$pid_before
				[ "$which" = before ] || port=$((base_port + 1)) server=$pid_after
				[ "$logs" = null ] || : >"$tmp/$port.log"
				cpu=$(cputicks "$server")
				load "$port" "$route"
				cpu=$(echo "$(cputicks "$server") $cpu $tick_us $requests" | awk '{ printf "%.1f", ($1 - $2) * $3 / $4 }')
				lines=-
				if [ "$logs" != null ]; then
					sleep 0.5 # a buffered line is written within 100 ms
					lines="$(grep -c '"msg":"request"' "$tmp/$port.log" || true) of $requests"
				fi
				printf '| %s | %s | %s | %s | %s | %s | %s | %s\n' "$round" "$route" "$which" "$rps" "$p99" "$cpu" "$lines" "${errors:-none}"
				echo "$round $route $which $rps $p99ms $cpu" >>"$tmp/results"
			done
		done
		round=$((round + 1))
	done
	echo
	echo "Medians of $rounds rounds; after/before is the median of the rounds' ratios (each round runs both, one after the other):"
	echo '| route | requests/s before | after | after/before | p99 before | after | after/before | CPU µs/request before | after |'
	echo '|---|---|---|---|---|---|---|---|---|'
	for route in $routes; do
		# col WHICH N prints column N of WHICH's results on route, one a line.
		col() { awk -v r="$route" -v w="$1" -v n="$2" '$2 == r && $3 == w { print $n }' "$tmp/results"; }
		# ratio N prints, for each round, after's column N over before's.
		ratio() {
			awk -v r="$route" -v n="$1" '$2 == r { v[$1, $3] = $n; rounds[$1] }
				END { for (i in rounds) print v[i, "after"] / v[i, "before"] }' "$tmp/results"
		}
		printf '| %s | %.0f | %.0f | %.2f | %.2f ms | %.2f ms | %.2f | %.1f | %.1f |\n' "$route" \
			"$(col before 4 | median)" "$(col after 4 | median)" "$(ratio 4 | median)" \
			"$(col before 5 | median)" "$(col after 5 | median)" "$(ratio 5 | median)" \
			"$(col before 6 | median)" "$(col after 6 | median)"
	done
	echo
	echo "Memory: before VmHWM $(mib VmHWM "$pid_before") MiB, VmRSS $(mib VmRSS "$pid_before") MiB; after VmHWM $(mib VmHWM "$pid_after") MiB, VmRSS $(mib VmRSS "$pid_after") MiB"
	stop "$pid_before"
	stop "$pid_after"
}

case ${1:-} in
"") table ;;
compare)
	[ -n "${2:-}" ] || { echo "usage: $0 compare REF (the git ref to measure against, such as HEAD~1)" >&2; exit 2; }
	command -v git >/dev/null || { echo "$0: git not found" >&2; exit 1; }
	compare "$2"
	;;
*)
	echo "usage: $0 [compare REF]" >&2
	exit 2
	;;
esac
