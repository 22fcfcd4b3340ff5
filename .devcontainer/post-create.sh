#!/usr/bin/env bash
# Runs once when the devcontainer is created: OS packages (the same list CI uses), the pinned notebook kernel
# (.config/dotnet-tools.json), and a build, so the notebooks' #r paths under artifacts/bin exist.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/install-os-packages
dotnet tool restore
dotnet build Workbook.sln
