#!/usr/bin/env bash
# Makes sure the real services and tools the tests use are present and running on loopback:
#   - PostgreSQL (trail store tests), reached as $RG_TEST_PG_DSN
#     (default postgresql://postgres@127.0.0.1:5432/postgres)
#   - nginx (load-balancer test), started by the test itself; only the binary is needed
#   - promtool (alert rules), from the prometheus package; kubectl (kustomize rendering)
#   - chromium (the audit report is laid out by a real browser, headless, in a test)
# Installs from the distribution's packages (apt-get, as root) when absent; elsewhere it says what
# to start and fails.
set -euo pipefail

need_apt=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
command -v pg_isready >/dev/null 2>&1 || need_apt+=(postgresql)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v kubectl >/dev/null 2>&1 || need_apt+=(kubernetes-client)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)

if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "test-services: installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # Install only: no service may start from a package's postinst (policy-rc.d says no).
    had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
    [ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    [ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
  else
    echo "test-services: please install ${need_apt[*]} (no apt-get as root here)" >&2
    exit 1
  fi
fi

if [ -z "${RG_TEST_PG_DSN:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
      if [ -z "$version" ]; then
        version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
        pg_createcluster "$version" main >/dev/null
      fi
      echo "test-services: starting PostgreSQL $version"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "test-services: no PostgreSQL on 127.0.0.1:5432; start one or set RG_TEST_PG_DSN" >&2
    exit 1
  fi
  # The default DSN connects as postgres without a password (trust on loopback, as CI has it).
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
      hba=$(su postgres -c "psql -Atc 'show hba_file'" 2>/dev/null || true)
      if [ -n "$hba" ] && ! grep -q "residency-gateway tests" "$hba"; then
        sed -i '1i host all postgres 127.0.0.1/32 trust # residency-gateway tests' "$hba"
        su postgres -c "psql -Atc 'select pg_reload_conf()'" >/dev/null
      fi
    fi
  fi
fi
echo "test-services: ok (PostgreSQL ${RG_TEST_PG_DSN:-postgresql://postgres@127.0.0.1:5432/postgres}, nginx $(command -v nginx || echo /usr/sbin/nginx))"
