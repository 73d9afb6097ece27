#!/usr/bin/env bash
# A school on one machine: Redis, several app processes and nginx in front (deploy/school.py).
#   VAE_TEACHER_CODE=pick-one bash deploy/start.sh [--processes 2] [--port 8080]
# Needs Debian's redis-server and nginx: apt-get install -y redis-server nginx
set -euo pipefail
cd "$(dirname "$0")/.."
exec python -m deploy.school "$@"
