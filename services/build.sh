#!/bin/sh
# build.sh NAME OUTPUT builds the service in ./NAME (monolith, users, threads
# or posts) into the static binary OUTPUT. The Dockerfiles RUN it and the
# tests call it, so the image and CI build the same way. Run it from this
# directory (the Docker build context). GOOS and GOARCH are honoured.
set -eu

if [ "$#" -ne 2 ]; then
	echo "usage: $0 NAME OUTPUT" >&2
	exit 2
fi
name=$1
out=$2
if [ ! -f "$name/main.go" ]; then
	echo "$0: no service $name: $name/main.go does not exist" >&2
	exit 2
fi

# GOWORK=off: the image's build context has no go.work, so CI must not use
# one either. -buildvcs=false: the context has no .git.
CGO_ENABLED=0 GOWORK=off exec go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$out" "./$name"
