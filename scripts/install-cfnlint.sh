#!/bin/sh
# install-cfnlint.sh makes the pinned cfn-lint available to the template
# validators (test/validate_templates_test.go), as install-cfnguard.sh does
# for cfn-guard. cfn-lint is a Python tool: neither Debian's packages nor
# the npm registry carry it (the npm package named cfn-lint is another
# validator), so it comes from PyPI.
#
#   - the pinned version on the PATH is used as it is;
#   - otherwise the pinned version is installed into a virtual environment,
#     .tools/cfnlint (git-ignored), which the tests prefer to the PATH;
#   - when neither works (no python3 -m venv, PyPI unreachable), it says so
#     in one line and exits 1.
#
# Idempotent. Usage: scripts/install-cfnlint.sh  (from anywhere in the
# repository). Prints the cfn-lint it found or installed.
set -eu

VERSION=1.51.0

root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/.tools/cfnlint

pinned() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "cfn-lint $VERSION" ]; }

if pinned "$venv/bin/cfn-lint"; then
	echo "$venv/bin/cfn-lint"
	exit 0
fi
if onpath=$(command -v cfn-lint) && pinned "$onpath"; then
	echo "$onpath"
	exit 0
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if python3 -m venv "$venv" >"$log" 2>&1 &&
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "cfn-lint==$VERSION" >>"$log" 2>&1 &&
	pinned "$venv/bin/cfn-lint"; then
	echo "$venv/bin/cfn-lint"
	exit 0
fi
rm -rf "$venv"
echo "install-cfnlint: cfn-lint $VERSION is not on the PATH and could not be installed from PyPI into .tools/cfnlint ($(tail -n 1 "$log")); install it with 'pip install cfn-lint==$VERSION'" >&2
exit 1
