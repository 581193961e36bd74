#!/usr/bin/env bash
# Compiles the example with Debian's mono (packages mono-mcs and libmono-system-net-http4.0-cil;
# scripts/setup.sh installs them) into examples/csharp/bin/ScheduleExample.exe.
# Run it with: mono examples/csharp/bin/ScheduleExample.exe http://127.0.0.1:8080
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v mcs >/dev/null; then
  echo "build.sh: mcs not found: install Debian's mono-mcs and libmono-system-net-http4.0-cil (scripts/setup.sh does)" >&2
  exit 127
fi

mkdir -p "$here/bin"
# Every .cs file here: Program, ScheduleClient, SchedulerSocket, Json and Signing (HMAC-SHA256, in mscorlib).
# C# 7.2 is the newest language mcs knows; warnings are errors so the example stays clean.
if ! output="$(mcs -nologo -langversion:7.2 -warnaserror+ -target:exe -r:System.Net.Http \
  -out:"$here/bin/ScheduleExample.exe" "$here"/*.cs 2>&1)"; then
  echo "$output" >&2
  if grep -q 'System.Net.Http' <<<"$output"; then
    echo "build.sh: System.Net.Http.dll is missing: apt-get install libmono-system-net-http4.0-cil" >&2
  fi
  exit 1
fi
[ -z "$output" ] || echo "$output"
echo "built $here/bin/ScheduleExample.exe"
