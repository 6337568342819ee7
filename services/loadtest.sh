#!/bin/sh
# loadtest.sh measures the monolith and the users microservice with wrk on
# loopback: requests/s, p99 latency and memory (VmHWM peak, VmRSS after the
# run, from /proc/PID/status) for a few hot routes.
#
# Usage, from services/:  ./loadtest.sh
# Needs wrk (apt-get install -y wrk) and curl. Tunables, from the
# environment: DURATION (default 10s), CONNECTIONS (64), THREADS (2),
# BASE_PORT (18080; the services use BASE_PORT and BASE_PORT+1).
# Request logs go to /dev/null, but each request still writes its line.
set -eu

duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
base_port=${BASE_PORT:-18080}

command -v wrk >/dev/null || { echo "$0: wrk not found; apt-get install -y wrk" >&2; exit 1; }
cd "$(dirname "$0")"
bin=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
	rm -rf "$bin"
}
trap cleanup EXIT INT TERM

# mib FIELD PID prints a field of /proc/PID/status, such as VmRSS, in MiB.
mib() { awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$2/status"; }

# measure NAME PORT TARGET... starts NAME on PORT and loads each TARGET.
measure() {
	name=$1 port=$2
	shift 2
	./build.sh "$name" "$bin/$name"
	PORT=$port "$bin/$name" >/dev/null &
	pid=$!
	i=0
	until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || { echo "$0: $name did not become healthy" >&2; exit 1; }
		sleep 0.1
	done
	for target in "$@"; do
		out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$target")
		rps=$(echo "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')
		p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
		errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }')
		printf '| %s | %s | %s | %s | %s MiB | %s MiB | %s\n' "$name" "$target" "$rps" "$p99" \
			"$(mib VmHWM "$pid")" "$(mib VmRSS "$pid")" "${errors:-none}"
	done
	kill -TERM "$pid"
	wait "$pid"
	pid=
}

echo "wrk -t$threads -c$connections -d$duration --latency, $(nproc) cores, $(go version | cut -d' ' -f3)"
echo '| service | route | requests/s | p99 | VmHWM | VmRSS | errors'
echo '|---|---|---|---|---|---|---|'
measure monolith "$base_port" /api/users/7 /api/posts /api/posts/in-thread/2
measure users "$((base_port + 1))" /api/users/7 /api/users
