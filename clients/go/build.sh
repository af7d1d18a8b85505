#!/bin/sh
# Builds the Go peer offline from Debian's packages (golang-go, golang-github-pion-webrtc.v3-dev,
# golang-github-gorilla-websocket-dev): GOPATH mode, with a private GOPATH entry in front of
# /usr/share/gocode that maps github.com/pion/webrtc/v3 to Debian's github.com/pion/webrtc (Debian
# keeps webrtc v3 at the root of its path).
# Usage: clients/go/build.sh OUT   (run from anywhere)
set -eu
out=${1:?usage: clients/go/build.sh OUT}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
repo=$(cd "$(dirname "$0")/../.." && pwd)
gopath=$(mktemp -d "${TMPDIR:-/tmp}/roomwire-gopath.XXXXXX")
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/github.com/pion/webrtc"
ln -s /usr/share/gocode/src/github.com/pion/webrtc "$gopath/src/github.com/pion/webrtc/v3"
cd "$repo"
GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOFLAGS= go build -o "$out" ./clients/go
