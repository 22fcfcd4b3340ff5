#!/usr/bin/env bash
# Runs once when the devcontainer is created: OS packages (CI's list plus the load tools; Ubuntu or Debian), a build,
# so the notebooks' #r paths under artifacts/bin exist, then the tools .config/dotnet-tools.json pins: the notebook
# kernel and `dotnet cluster` (which the build packs into tools/packages, so it restores only after the build).
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/install-os-packages .ci/os-packages .devcontainer/os-packages
dotnet build Workbook.sln
dotnet tool restore
echo "Ready: open notebooks/00-measuring.ipynb and pick the .NET Interactive kernel. node: $(node --version 2>/dev/null || echo 'not found')"
