#!/usr/bin/env bash
# Refreshes docs/screenshots/ on purpose: runs the end-to-end test (which writes its
# screenshots only to the ignored e2e/artifacts/screenshots/) and, if every check passed,
# replaces the documented set with the run's. Screenshots of a failing run are never published.
#
# The docs show one-epoch models (README: the plain and the fault-aware MLP, one epoch each)
# and the LeNet run view, so the defaults are E2E_EPOCHS=1 and E2E_LENET=1; override either in
# the environment. Needs what e2e/run.sh needs (it installs the rest). Commit the result
# yourself after looking at it.
set -euo pipefail
cd "$(dirname "$0")/.."
export E2E_EPOCHS="${E2E_EPOCHS:-1}" E2E_LENET="${E2E_LENET:-1}"
export MPG_DATA_FROM="${MPG_DATA_FROM:-${MPG_DATA_DIR:-../shared/data}}"
rm -rf e2e/artifacts/screenshots
bash e2e/run.sh
shopt -s nullglob
shots=(e2e/artifacts/screenshots/*.png)
if [ ${#shots[@]} -eq 0 ]; then
  echo "the end-to-end run left no screenshots in e2e/artifacts/screenshots/" >&2
  exit 1
fi
mkdir -p docs/screenshots
# The run's set replaces the old one, so a screenshot the test no longer takes cannot linger.
rm -f docs/screenshots/*.png
cp "${shots[@]}" docs/screenshots/
echo "docs/screenshots/ refreshed (${#shots[@]} files); review with git status / git diff --stat, then commit"
