#!/bin/sh
# Install the Debian packages the build, the tests and the demo need, if any
# are missing.  apt-get update runs only when something must be installed.
set -e
PKGS="gcc make libevent-dev libssl-dev pkg-config python3-pytest socat scamper mandoc procps iproute2 clang"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
