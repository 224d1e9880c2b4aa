#!/usr/bin/env bash
# What the tests need besides npm packages: Debian's redis-server (the Redis registry),
# postgresql (the event history), chromium (the waiting page and the dashboard, driven by
# playwright-core), docker-compose (checks the compose files), docker.io (a real Docker Engine
# for the docker provider's tests: dockerd, containerd, runc and the CLI) and prometheus (promtool
# checks the alert rules; a real Prometheus runs the Grafana dashboard's queries against Paastis). Installed when missing
# and this runs as root with apt-get; otherwise it stops at once with the command to run. No test
# then waits minutes for a binary that is not there.
set -u
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || need+=(prometheus)
{ command -v dockerd && command -v docker && command -v containerd && command -v runc; } >/dev/null 2>&1 || need+=(docker.io)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$EUID" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "preflight: installing ${need[*]} (Debian packages the tests use)"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; then exit 0; fi
  echo "preflight: apt-get could not install ${need[*]}" >&2
  exit 1
fi
echo "preflight: the tests need ${need[*]}; install them first:" >&2
echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
exit 1
