#!/usr/bin/env bash
# Makes sure the tools `make bench-proxy` (bench/proxy.py) uses are present: wrk (the load
# generator) and nginx (backend and the proxy it is compared with; without it the bench falls
# back to an aiohttp backend and skips nothing else). Installs from the distribution's packages
# (apt-get, as root) when absent; elsewhere it says what to install and fails. Starts nothing.
set -euo pipefail

need_apt=()
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
command -v taskset >/dev/null 2>&1 || need_apt+=(util-linux)

# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"
apt_install bench-setup "${need_apt[@]+"${need_apt[@]}"}"
echo "bench-setup: ok (wrk $(command -v wrk), nginx $(command -v nginx || echo /usr/sbin/nginx))"
