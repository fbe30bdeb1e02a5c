#!/usr/bin/env bash
# Captures `docker inspect` snapshots of containers created with risky (and benign look-alike)
# settings into test/fixtures/inspect/<scenario>.json, plus the host facts a rule needs
# (cgroup version, security options, server version) into test/fixtures/inspect/_host.json.
#
# Needs a local Docker daemon and permission to use it. No registry is needed: the test image
# (default vigil-test/busybox:1, override with VIGIL_FX_IMAGE) is built from the host's static
# busybox (/usr/bin/busybox, override with VIGIL_FX_BUSYBOX) when it is missing.
#
# Idempotent: leftovers of an interrupted run (containers labelled vigil.fixture=1, the fixture
# volume, the blocked-image tag) are removed first, and everything this run creates (containers,
# the volume, the tag, temp dirs) is removed on exit, including on failure or interruption.
# The test image itself is kept. A scenario whose options the daemon rejects at create time is
# skipped with a message (its previous fixture, if any, is left alone); a container that fails to
# start is still inspected (it is then in state "created").
set -euo pipefail

readonly IMAGE="${VIGIL_FX_IMAGE:-vigil-test/busybox:1}"
readonly BUSYBOX="${VIGIL_FX_BUSYBOX:-/usr/bin/busybox}"
readonly BLOCKED_REF='registry.example/miner:2.1'
readonly VOLUME='vigil-fx-vol'
readonly PREFIX='vigil-fx-'
readonly LABEL='vigil.fixture=1'

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly OUT_DIR="$repo_root/test/fixtures/inspect"

log() { printf '[capture-inspect-fixtures] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v docker >/dev/null 2>&1 || die 'docker CLI not found'
docker info >/dev/null 2>&1 || die 'cannot reach the Docker daemon (running? permission to use its socket?)'

# Pretty-printer: python3 keeps integers exact (jq 1.6 turns large ones into floats), so prefer it.
if command -v python3 >/dev/null 2>&1; then
  pretty() { python3 -m json.tool --indent 2; }
elif command -v jq >/dev/null 2>&1; then
  pretty() { jq .; }
else
  die 'need python3 or jq to pretty-print JSON'
fi

# ---- cleanup ---------------------------------------------------------------------------------

tmp_dirs=()
created=()
tag_made=0
volume_made=0

remove_leftovers() {
  # Containers of an earlier run: by label and by name, so both an interrupted run of this script
  # and a hand-made container with a clashing name are cleared before we create ours.
  local ids
  ids="$(docker ps -aq --filter "label=$LABEL" 2>/dev/null || true)"
  if [[ -n "$ids" ]]; then
    log "removing leftover fixture containers: $(echo $ids)"
    # shellcheck disable=SC2086
    docker rm -f $ids >/dev/null 2>&1 || true
  fi
  if docker volume inspect "$VOLUME" >/dev/null 2>&1; then
    log "removing leftover volume $VOLUME"
    docker volume rm "$VOLUME" >/dev/null 2>&1 || log "warning: could not remove leftover volume $VOLUME"
  fi
}

cleanup() {
  local rc=$?
  set +e
  local name
  for name in "${created[@]}"; do
    docker rm -f "$name" >/dev/null 2>&1
  done
  if ((tag_made)); then
    docker rmi "$BLOCKED_REF" >/dev/null 2>&1 || log "warning: could not remove tag $BLOCKED_REF"
  fi
  if ((volume_made)) || docker volume inspect "$VOLUME" >/dev/null 2>&1; then
    docker volume rm "$VOLUME" >/dev/null 2>&1 || log "warning: could not remove volume $VOLUME"
  fi
  local d
  for d in "${tmp_dirs[@]}"; do
    rm -rf -- "$d"
  done
  ((rc == 0)) || log "failed (exit $rc); cleaned up"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

new_tmp_dir() { # <var> <template>
  local d
  d="$(mktemp -d "/tmp/$2")"
  tmp_dirs+=("$d")
  printf -v "$1" '%s' "$d"
}

# ---- test image ------------------------------------------------------------------------------

ensure_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "test image $IMAGE present"
    return
  fi
  [[ -x "$BUSYBOX" ]] || die "test image $IMAGE missing and $BUSYBOX not found (apt-get install busybox-static)"
  log "building test image $IMAGE from $BUSYBOX"
  local root
  new_tmp_dir root 'vigil-fx-rootfs.XXXXXX'
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev"
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  local applet
  # Every applet the binary knows, plus the few the fixtures rely on should --list be missing.
  for applet in $("$root/bin/busybox" --list 2>/dev/null || true) sh sleep cat ls echo id ps mount; do
    [[ "$applet" == busybox || -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
  done
  tar -C "$root" --numeric-owner --owner=0 --group=0 -cf - . |
    docker import -c 'ENV PATH=/bin' - "$IMAGE" >/dev/null
  log "built $IMAGE"
}

# ---- scenarios -------------------------------------------------------------------------------

written=()
skipped=()
not_started=()

# capture <scenario> <start|create-only> <image> [docker create options...]
capture() {
  local scenario="$1" mode="$2" image="$3"
  shift 3
  local name="$PREFIX$scenario" err
  if ! err="$(docker create --name "$name" --label "$LABEL" "$@" "$image" sleep 300 2>&1 >/dev/null)"; then
    log "SKIP $scenario: 'docker create $*' was rejected: ${err//$'\n'/ }"
    skipped+=("$scenario: rejected at create: ${err//$'\n'/ }")
    docker rm -f "$name" >/dev/null 2>&1 || true
    return 0
  fi
  created+=("$name")
  if [[ "$mode" == start ]]; then
    if ! err="$(docker start "$name" 2>&1 >/dev/null)"; then
      log "note: $scenario created but did not start: ${err//$'\n'/ }"
      not_started+=("$scenario: ${err//$'\n'/ }")
    fi
  else
    not_started+=("$scenario: create only (not started by design)")
  fi
  local tmp_json="$work/$scenario.json"
  docker inspect --format '{{json .}}' "$name" | pretty >"$tmp_json"
  mv -f -- "$tmp_json" "$OUT_DIR/$scenario.json"
  written+=("$scenario.json")
  log "wrote $scenario.json"
}

skip() { # <scenario> <reason>
  log "SKIP $1: $2"
  skipped+=("$1: $2")
}

main() {
  mkdir -p "$OUT_DIR"
  new_tmp_dir work 'vigil-fx-work.XXXXXX'
  local data
  new_tmp_dir data 'vigil-fx-data.XXXXXX'

  remove_leftovers
  ensure_image

  # Host facts: on cgroup v1 every container shares the host cgroup namespace by default.
  docker info --format '{{json .}}' |
    python3 -c 'import json,sys; i=json.load(sys.stdin); json.dump({k: i.get(k) for k in ("ServerVersion","CgroupVersion","SecurityOptions")}, sys.stdout, indent=2); print()' \
      >"$work/_host.json"
  mv -f -- "$work/_host.json" "$OUT_DIR/_host.json"
  written+=("_host.json")

  local none=(--network none)

  # plain first: ns-shared-container joins its namespaces, so it has to be running.
  capture plain start "$IMAGE" "${none[@]}"
  capture hardened start "$IMAGE" "${none[@]}" --cap-drop ALL --read-only \
    --security-opt no-new-privileges:true --user 1000:1000 --pids-limit 64
  capture privileged create-only "$IMAGE" "${none[@]}" --privileged
  capture cap-sys-admin start "$IMAGE" "${none[@]}" --cap-add SYS_ADMIN
  capture cap-all start "$IMAGE" "${none[@]}" --cap-add ALL
  capture cap-net-admin-ptrace start "$IMAGE" "${none[@]}" --cap-add NET_ADMIN --cap-add SYS_PTRACE
  capture cap-default-readd start "$IMAGE" "${none[@]}" --cap-drop ALL --cap-add CHOWN --cap-add NET_BIND_SERVICE
  capture seccomp-unconfined start "$IMAGE" "${none[@]}" --security-opt seccomp=unconfined
  capture apparmor-unconfined start "$IMAGE" "${none[@]}" --security-opt apparmor=unconfined
  capture nnp-false start "$IMAGE" "${none[@]}" --security-opt no-new-privileges:false
  capture nnp-true start "$IMAGE" "${none[@]}" --security-opt no-new-privileges:true

  capture mount-docker-sock start "$IMAGE" "${none[@]}" -v /var/run/docker.sock:/var/run/docker.sock
  capture mount-host-root start "$IMAGE" "${none[@]}" -v /:/host:ro
  capture mount-host-etc start "$IMAGE" "${none[@]}" -v /etc:/host-etc
  capture mount-var-lib-docker start "$IMAGE" "${none[@]}" -v /var/lib/docker:/docker:ro
  capture mount-benign-files start "$IMAGE" "${none[@]}" -v /etc/hosts:/etc/hosts:ro -v /etc/hostname:/etc/hostname:ro \
    -v /etc/resolv.conf:/etc/resolv.conf:ro -v /etc/localtime:/etc/localtime:ro
  capture mount-data-dir start "$IMAGE" "${none[@]}" -v "$data:/data"
  volume_made=1 # `docker create -v vigil-fx-vol:/data` creates it; cleanup removes it either way
  capture mount-named-volume start "$IMAGE" "${none[@]}" -v "$VOLUME:/data" --tmpfs /scratch
  capture mount-mixed start "$IMAGE" "${none[@]}" \
    --mount type=bind,source=/etc,target=/hostetc,readonly -v "$data:/data"

  capture ns-pid-host start "$IMAGE" "${none[@]}" --pid host
  capture ns-net-host start "$IMAGE" --network host
  capture ns-ipc-host start "$IMAGE" "${none[@]}" --ipc host
  capture ns-uts-host start "$IMAGE" --network host --uts host
  capture ns-cgroup-host start "$IMAGE" "${none[@]}" --cgroupns host
  capture ns-cgroup-private start "$IMAGE" "${none[@]}" --cgroupns private
  capture ns-userns-host start "$IMAGE" "${none[@]}" --userns host
  capture ns-shared-container start "$IMAGE" "${none[@]}" \
    --pid "container:${PREFIX}plain" --ipc "container:${PREFIX}plain"

  docker tag "$IMAGE" "$BLOCKED_REF"
  tag_made=1
  capture blocked-image start "$BLOCKED_REF" "${none[@]}"

  if [[ -e /dev/fuse ]]; then
    capture device-fuse start "$IMAGE" "${none[@]}" --device /dev/fuse
  else
    skip device-fuse '/dev/fuse does not exist on this host'
  fi

  log "done: ${#written[@]} files written to ${OUT_DIR#"$repo_root"/}"
  local s
  if ((${#not_started[@]})); then
    log 'inspected without running:'
    for s in "${not_started[@]}"; do log "  $s"; done
  fi
  if ((${#skipped[@]})); then
    log 'skipped:'
    for s in "${skipped[@]}"; do log "  $s"; done
  fi
}

main "$@"
