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

if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "bench-setup: installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # Install only: no service may start from a package's postinst (policy-rc.d says no).
    had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
    [ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    [ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
  else
    echo "bench-setup: please install ${need_apt[*]} (no apt-get as root here)" >&2
    exit 1
  fi
fi
echo "bench-setup: ok (wrk $(command -v wrk), nginx $(command -v nginx || echo /usr/sbin/nginx))"
