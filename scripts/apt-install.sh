# Sourced by test-services.sh and bench-setup.sh: `apt_install WHO PACKAGE...` installs the
# packages from the distribution (apt-get, as root) without starting any service they ship, or
# says what to install and fails where apt-get as root is not available.
apt_install() {
  local who=$1; shift
  [ $# -gt 0 ] || return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "$who: installing $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # Install only: no service may start from a package's postinst (policy-rc.d says no).
    local had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
    [ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    [ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
  else
    echo "$who: please install $* (no apt-get as root here)" >&2
    exit 1
  fi
}
