#!/usr/bin/env bash
# Captures recordings/demo-web-intrusion.jsonl.gz: vigil recording a real dockerd and a real
# nginx while an intruder brute-forces the host's basic-auth site, then works inside the shop
# container (webshell, miner, backdoor account, config change, ransomware), beside a blog
# container doing ordinary deploys and log rotation. Writes the alerts it replays to.
# Needs root, a running dockerd, nginx, openssl, curl and a built vigil (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."

image="vigil-demo/shop:1"
out=recordings/demo-web-intrusion.jsonl.gz
profile=recordings/demo-web.profile.yaml
names=(demo-shop demo-blog)
work=$(mktemp -d /tmp/vigil-web-demo.XXXXXX)
# shellcheck source=scripts/demo-steps.sh
source scripts/demo-steps.sh

cleanup() {
  docker rm -f "${names[@]}" >/dev/null 2>&1 || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup >/dev/null 2>&1 || true
mkdir -p "$work"

# The shop image: busybox with account files, a web root and its configuration.
if ! docker image inspect "$image" >/dev/null 2>&1; then
  demo_build_shop_image "$image" "$work/image"
fi

# A real nginx with basic auth on 127.0.0.1, logging where the profile says.
port=18088
demo_start_nginx "$work" "$port" /tmp/vigil-web-demo-access.log

# The shop and the blog; the shop holds a webshell already when vigil starts: the start-up scan
# finds it.
demo_start_shop_and_blog demo-shop demo-blog "$image"

node bin/vigil.js record "$out" --duration 30 --profile "$profile" &
vigil=$!
sleep 3

# The intruder guesses the admin password of the host's site, and gets it.
demo_brute_force "$port"
# Inside the shop: a webshell, a miner with its configuration, a backdoor account, a changed
# config, then ransomware.
demo_shop_intrusion demo-shop
# The blog: a framework deploy and a log rotation, which must stay quiet.
demo_blog_routine demo-blog

wait "$vigil"
node bin/vigil.js detect --replay "$out" --profile "$profile" --json > "${out%.jsonl.gz}.alerts.jsonl"
echo "recorded $(zcat "$out" | wc -l) lines; $(wc -l < "${out%.jsonl.gz}.alerts.jsonl") alerts on replay"
