#!/bin/sh
# install-cfnguard.sh unpacks cfn-guard and the AWS Control Tower proactive
# control rules from the npm tarball of @cdklabs/cdk-validator-cfnguard into
# .tools/cfnguard (git-ignored). No `npm install`: the tarball carries a
# static cfn-guard binary and the rules, which is all the tests need.
#
# Idempotent: it does nothing when the pinned version is already unpacked.
# Usage: scripts/install-cfnguard.sh   (from anywhere in the repository)
# Prints the directory it installed into; test/guard_test.go reads
# .tools/cfnguard/package/bin/ubuntu/x86_64/cfn-guard and
# .tools/cfnguard/package/rules/control-tower/cfn-guard/.
set -eu

VERSION=0.0.62
PACKAGE=@cdklabs/cdk-validator-cfnguard

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/.tools/cfnguard
stamp=$dest/VERSION

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$VERSION" ] && [ -x "$dest/package/bin/ubuntu/x86_64/cfn-guard" ]; then
	echo "$dest"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
rm -rf "$dest"
mkdir -p "$dest"
tar xzf "$tmp"/cdklabs-cdk-validator-cfnguard-"$VERSION".tgz -C "$dest"
chmod +x "$dest/package/bin/ubuntu/x86_64/cfn-guard"
"$dest/package/bin/ubuntu/x86_64/cfn-guard" --version >/dev/null
echo "$VERSION" >"$stamp"
echo "$dest"
