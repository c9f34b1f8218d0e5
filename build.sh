#!/usr/bin/env bash
# Entry point: restores the local pwsh (dotnet tool) and hands over to build.ps1.
#   ./build.sh Demo   - package, install an instance under a temp folder, run the monitor on it
#   ./build.sh Test   - every test (xunit + Pester); ends with "N passed, N failed"
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NO_COLOR=1 POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off
dotnet tool restore >/dev/null
exec dotnet pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task "${1:-Build}" "${@:2}"
