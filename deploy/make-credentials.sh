#!/bin/sh
# Creates deploy/secrets/ for docker-compose.yml from a site file (default: the demo site).
# Extra arguments go to `fieldlab deploy credentials` (--site FILE, --host NAME...).
set -eu
cd "$(dirname "$0")/.."
npx --no-install tsx gateway/src/cli/main.ts deploy credentials --out deploy/secrets "$@"
# The containers read their files as Mosquitto's user (uid 1883) and as node (uid 1000).
if [ "$(id -u)" = 0 ]; then
  chown -R 1883:1883 deploy/secrets/mosquitto
  chown -R 1000:1000 deploy/secrets/gateway deploy/secrets/simulators
elif [ "$(id -u)" != 1000 ]; then
  echo "run as root, or: sudo chown -R 1883:1883 deploy/secrets/mosquitto && sudo chown -R 1000:1000 deploy/secrets/gateway deploy/secrets/simulators" >&2
else
  echo "Mosquitto's container reads deploy/secrets/mosquitto as uid 1883: sudo chown -R 1883:1883 deploy/secrets/mosquitto" >&2
fi
