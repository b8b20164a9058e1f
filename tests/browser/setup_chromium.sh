#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing, with a font (recommended
# packages are not installed, and without a font Mermaid draws empty boxes). The tests skip,
# saying why, when it cannot be installed, and fail instead under PATCHER_BROWSER_REQUIRED=1
# (.ci/run sets it). Run by `make test` before the tests.
set -u
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
if { command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; } && [ -f "$FONT" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_chromium: no apt-get here; the browser tests will be skipped" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
        echo "setup_chromium: not root and no sudo; the browser tests will be skipped" >&2
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "setup_chromium: installing Debian's chromium for the browser tests" >&2
if ! $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null 2>&1
    $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1 \
        || echo "setup_chromium: apt-get could not install chromium; the browser tests will be skipped" >&2
fi
exit 0
