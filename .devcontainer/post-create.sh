#!/usr/bin/env bash
# Runs once when the devcontainer is created: OS packages (CI's list plus the load tools; Ubuntu or Debian), a build,
# so the notebooks' #r paths under artifacts/bin exist, then the tools .config/dotnet-tools.json pins: the notebook
# kernel and `dotnet cluster` (which the build packs into tools/packages, so it restores only after the build); and
# PM2, the version the benchmark pins, so chapter 10 runs `pm2 reload` live beside `dotnet cluster reload`.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/install-os-packages .ci/os-packages .devcontainer/os-packages
dotnet build Workbook.sln
dotnet tool restore
npm install --global --no-audit --no-fund pm2@7.0.4
echo "Ready: open notebooks/00-measuring.ipynb and pick the .NET Interactive kernel. node: $(node --version 2>/dev/null || echo 'not found')"
