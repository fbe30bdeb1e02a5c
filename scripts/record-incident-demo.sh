#!/usr/bin/env bash
# Captures recordings/demo-full-incident.jsonl.gz: one incident that touches every alert category.
# vigil records a real host (dockerd through a proxy the script can cut, the kernel audit
# subsystem, /proc, a real nginx's access log, a Kubernetes audit log) while
#  - an intruder brute-forces the host's basic-auth site and works inside the shop container
#    (webshell, miner configuration, backdoor account, changed config, ransomware): malware, user;
#  - kube-apiserver logs, among its own components' routine requests, dev-alice creating a
#    privileged pod, binding cluster-admin and deleting events, and a CI service account listing
#    every secret: cluster;
#  - a second intruder works through a web container with the Docker socket and SYS_ADMIN
#    (reverse shell, host file read, unshare, miner, SUID): exploit, system;
#  - vigil loses dockerd for two seconds: vigil (its own health);
# beside a blog container doing ordinary deploys and log rotation and a benign worker, which
# must stay quiet. Then writes the alerts it replays to.
# The steps are those of scripts/record-web-demo.sh and scripts/record-escape-demo.sh (shared
# with them through scripts/demo-steps.sh); the Kubernetes lines are test/fixtures/k8s/ lines
# (see its README), their timestamps moved to now. Needs root, dockerd, auditd, nginx, openssl,
# curl, busybox and a built vigil (npm run build). Idempotent; removes all it creates on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

image="vigil-demo/shop:1"
out=recordings/demo-full-incident.jsonl.gz
alerts=recordings/demo-full-incident.alerts.jsonl
profile=recordings/demo-full.profile.yaml
# These two paths are the ones the profile names.
access_log=/tmp/vigil-incident-demo-access.log
k8s_log=/tmp/vigil-incident-demo-k8s-audit.log
fixtures=test/fixtures/k8s
names=(demo-shop demo-blog demo-web demo-worker)
built_image=
work=$(mktemp -d /tmp/vigil-incident-demo.XXXXXX)
# shellcheck source=scripts/demo-steps.sh
source scripts/demo-steps.sh

cleanup() {
  docker rm -f "${names[@]}" >/dev/null 2>&1 || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null || true
  [ -n "${proxy:-}" ] && kill "$proxy" 2>/dev/null || true
  [ -n "$built_image" ] && docker rmi "$image" >/dev/null 2>&1 || true
  rm -rf "$work" "$access_log" "$k8s_log"
}
trap cleanup EXIT
# Leftovers of an interrupted run (this run's own work directory is new and empty).
docker rm -f "${names[@]}" >/dev/null 2>&1 || true
rm -f "$access_log" "$k8s_log"

# The shop image (as record-web-demo.sh builds it): busybox with account files, a web root and
# its configuration. Removed on exit if this run built it.
if ! docker image inspect "$image" >/dev/null 2>&1; then
  demo_build_shop_image "$image" "$work/image"
  built_image=1
fi

# A real nginx with basic auth on 127.0.0.1, logging where the profile says (record-web-demo.sh).
port=18089
demo_start_nginx "$work" "$port" "$access_log"

# The kube-apiserver audit log: exists (empty) when vigil starts, which follows it from its end.
: > "$k8s_log"
# Appends lines of a fixture file (by number) as kube-apiserver would write them now.
k8s_append() {
  local file=$1 now
  shift
  now=$(date -u +%Y-%m-%dT%H:%M:%S)
  for n in "$@"; do sed -n "${n}p" "$fixtures/$file"; done |
    sed -E "s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}/$now/g" >> "$k8s_log"
}

# A peer for the reverse shell to call back to (loopback only): it types one command and leaves
# (record-escape-demo.sh).
rport=47002
demo_callback_peer "$rport" 60 &
listener=$!

# vigil reaches dockerd through a proxy the script pauses later (record-escape-demo.sh).
node scripts/docker-proxy.mjs "$work/docker.sock" &
proxy=$!

# The shop and the blog; the shop holds a webshell already when vigil starts: the start-up scan
# finds it.
demo_start_shop_and_blog demo-shop demo-blog "$image"
sleep 1

DOCKER_HOST="unix://$work/docker.sock" node bin/vigil.js record "$out" --duration 40 --profile "$profile" &
vigil=$!
sleep 4

# The cluster goes about its business: a Deployment's pod (both stages of one request), etcd's
# mirror pod, an administrator listing secrets and setting up a harmless role, the namespace
# controller deleting a namespace's events. All quiet.
k8s_append benign.jsonl 1 2 4 9 16 17 7

# The intruder guesses the admin password of the host's site, and gets it.
demo_brute_force "$port"
# Inside the shop: a webshell, a miner with its configuration, a backdoor account, a changed
# config, then ransomware.
demo_shop_intrusion demo-shop
# The blog: a framework deploy and a log rotation, which must stay quiet.
demo_blog_routine demo-blog

# In the cluster, with dev-alice's credentials: a privileged pod, cluster-admin for a service
# account, the events deleted; and a CI service account lists every secret.
k8s_append pod-anomaly.jsonl 1
k8s_append role-binding.jsonl 1
k8s_append user-enumeration.jsonl 8
k8s_append event-deletion.jsonl 2

# A benign worker, and the compromised web container: the Docker socket mounted, SYS_ADMIN
# granted. The intruder: a reverse shell, reconnaissance, a payload, an escape attempt,
# persistence (record-escape-demo.sh).
demo_escape demo-worker demo-web "$image" "$rport"
sleep 2
# vigil loses dockerd for two seconds, then reconnects and resynchronises.
demo_dockerd_blip "$proxy"

wait "$vigil"
node bin/vigil.js detect --replay "$out" --profile "$profile" --json > "$alerts"
echo "recorded $(zcat "$out" | wc -l) lines; $(wc -l < "$alerts") alerts on replay"
