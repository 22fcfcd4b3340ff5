#!/usr/bin/env bash
# Runs once when the devcontainer is created: OS packages (CI's list plus the load tools; Ubuntu or Debian), the
# pinned notebook kernel (.config/dotnet-tools.json), and a build, so the notebooks' #r paths under artifacts/bin exist.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/install-os-packages .ci/os-packages .devcontainer/os-packages
dotnet tool restore
dotnet build Workbook.sln
echo "Ready: open notebooks/00-measuring.ipynb and pick the .NET Interactive kernel. node: $(node --version 2>/dev/null || echo 'not found')"
