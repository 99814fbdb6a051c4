#!/usr/bin/env bash
# Makes promtool available for the alert-rule tests
# (deploy/prometheus_test.go): installs Debian's prometheus package,
# which ships /usr/bin/promtool, when promtool is missing. The Prometheus
# server the package also installs is not started here. Without promtool
# the tests skip, unless CI=true, where they fail.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "ensure-promtool: installing promtool from Debian's prometheus package"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null 2>&1 || { echo "ensure-promtool: promtool still missing" >&2; exit 1; }
promtool --version | head -1
