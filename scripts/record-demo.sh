#!/usr/bin/env bash
# Captures recordings/demo-startup-checks.jsonl: vigil itself recording a real dockerd while risky
# containers are created beside benign look-alikes, then writes the alerts it replays to.
# Needs a running dockerd and a built vigil (npm run build). Regenerate with: scripts/record-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

image=vigil-test/busybox:1
blocked=registry.example/miner:2.1
out=recordings/demo-startup-checks.jsonl
profile=recordings/demo.profile.yaml
prefix=demo-
names=(web-privileged debug-sysadmin tools-unconfined agent-docker-sock backup-host-root monitor-host-pid miner web-hardened app-data app-volume)

cleanup() {
  docker rm -f "${names[@]/#/$prefix}" >/dev/null 2>&1 || true
  docker volume rm demo-app-volume >/dev/null 2>&1 || true
  docker rmi "$blocked" >/dev/null 2>&1 || true
  rm -rf "${datadir:-}"
}
trap cleanup EXIT
cleanup

if ! docker image inspect "$image" >/dev/null 2>&1; then
  root=$(mktemp -d)
  mkdir "$root/bin" && cp /usr/bin/busybox "$root/bin/" && for a in sh sleep cat ls; do ln -s busybox "$root/bin/$a"; done
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' - "$image" >/dev/null
  rm -rf "$root"
fi
docker tag "$image" "$blocked"
datadir=$(mktemp -d /tmp/demo-data.XXXXXX)

# Already running when vigil starts: found by the startup listing.
docker run -d --name ${prefix}agent-docker-sock --network none -v /var/run/docker.sock:/var/run/docker.sock "$image" sleep 120 >/dev/null
docker run -d --name ${prefix}web-hardened --network none --cap-drop ALL --read-only \
  --security-opt no-new-privileges:true --user 1000:1000 "$image" sleep 120 >/dev/null

node bin/vigil.js record "$out" --duration 12 &
vigil=$!
sleep 2

# Created while vigil watches.
docker create --name ${prefix}web-privileged --network none --privileged "$image" sleep 120 >/dev/null
docker run -d --name ${prefix}debug-sysadmin --network none --cap-add SYS_ADMIN --cap-add NET_BIND_SERVICE "$image" sleep 120 >/dev/null
docker run -d --name ${prefix}tools-unconfined --network none --security-opt seccomp=unconfined "$image" sleep 120 >/dev/null
docker run -d --name ${prefix}backup-host-root --network none -v /:/host:ro -v /etc/localtime:/etc/localtime:ro "$image" sleep 120 >/dev/null
docker run -d --name ${prefix}monitor-host-pid --network host --pid host "$image" sleep 120 >/dev/null
docker run -d --name ${prefix}miner --network none -e POOL_PASSWORD=hunter2 "$blocked" sleep 120 >/dev/null
docker run -d --name ${prefix}app-data --network none -v "$datadir:/data" -v /etc/hosts:/etc/hosts:ro "$image" sleep 120 >/dev/null
docker run -d --name ${prefix}app-volume --network none -v demo-app-volume:/data --tmpfs /scratch "$image" sleep 120 >/dev/null
docker rm -f ${prefix}debug-sysadmin >/dev/null

wait "$vigil"
node bin/vigil.js detect --replay "$out" --profile "$profile" --json > "${out%.jsonl}.alerts.jsonl"
echo "recorded $(wc -l < "$out") lines; $(wc -l < "${out%.jsonl}.alerts.jsonl") alerts on replay"
