#!/usr/bin/env bash
# Captures recordings/demo-kernel-incident.jsonl.gz: vigil recording a real host (dockerd, the
# kernel audit subsystem, /proc) while an intruder works through a container, beside a benign
# workload, and while its connection to dockerd drops for a moment (vigil reaches dockerd through
# a proxy the script pauses: a health alert); then writes the alerts it replays to. Needs root,
# dockerd, auditd and a built vigil.
set -euo pipefail
cd "$(dirname "$0")/.."

image="vigil-test/busybox:1"
out=recordings/demo-kernel-incident.jsonl.gz
alerts=recordings/demo-kernel-incident.alerts.jsonl
names=(demo-web demo-worker demo-api)
# shellcheck source=scripts/demo-steps.sh
source scripts/demo-steps.sh

cleanup() {
  docker rm -f "${names[@]}" >/dev/null 2>&1 || true
  [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null || true
  [ -n "${proxy:-}" ] && kill "$proxy" 2>/dev/null || true
  rm -rf "${sockdir:-}"
}
trap cleanup EXIT
cleanup

# A peer for the reverse shell to call back to (loopback only): it types one command and leaves.
port=47001
demo_callback_peer "$port" 30 &
listener=$!

sockdir=$(mktemp -d)
node scripts/docker-proxy.mjs "$sockdir/docker.sock" &
proxy=$!
sleep 1
DOCKER_HOST="unix://$sockdir/docker.sock" node bin/vigil.js record "$out" --duration 28 &
vigil=$!
sleep 3

# A benign worker, and the compromised web container: the Docker socket mounted, SYS_ADMIN
# granted. The intruder: a reverse shell, reconnaissance, a payload, an escape attempt, persistence.
demo_escape demo-worker demo-web "$image" "$port"
# vigil loses dockerd for two seconds, then reconnects and resynchronises.
demo_dockerd_blip "$proxy"

wait "$vigil"
node bin/vigil.js detect --replay "$out" --json > "$alerts"
echo "recorded $(zcat "$out" | wc -l) lines; $(wc -l < "$alerts") alerts on replay"
