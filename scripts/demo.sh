#!/bin/sh
# The whole system on loopback: sc_remoted, three simulated VPs with
# monitor names (fakescamper), and sc_rattach running pings and traces
# through each VP, the results shown as JSON by Debian's sc_warts2json.
# Debian's real scamper joins as a fourth VP.  Everything it starts is
# stopped on exit.
set -eu
BIN=${1:-build/bin}
BIN=$(cd "$BIN" && pwd)
WORK=$(mktemp -d /tmp/sc_demo.XXXXXX)
PORT=${DEMO_PORT:-31337}
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

wait_for() {	# wait_for seconds command...: poll until it succeeds
	n=$(($1 * 20)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}
nsockets() { [ "$(ls "$WORK/vps" | wc -l)" -ge "$1" ]; }

mkdir "$WORK/vps"
echo "== sc_remoted -P 127.0.0.1:$PORT -U $WORK/vps"
"$BIN/sc_remoted" -P "127.0.0.1:$PORT" -U "$WORK/vps" 2>"$WORK/remoted.log" &
PIDS="$PIDS $!"
wait_for 5 grep -q "listening on" "$WORK/remoted.log" ||
    { cat "$WORK/remoted.log" >&2; exit 1; }

echo "== fakescamper: three simulated VPs, demo-0001 to demo-0003"
"$BIN/fakescamper" -R "127.0.0.1:$PORT" -M demo --vps 3 --time-scale 0.05 \
    2>"$WORK/fake.log" &
PIDS="$PIDS $!"
echo "== scamper -R 127.0.0.1:$PORT -M real.vp (Debian's real scamper)"
scamper -R "127.0.0.1:$PORT" -O notls-remote -M real.vp \
    >"$WORK/scamper.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 nsockets 4 ||
    { echo "demo: the VPs did not all register" >&2; cat "$WORK/remoted.log" >&2; exit 1; }
ls "$WORK/vps" | sed 's/^/   /'

status=0
for sock in "$WORK"/vps/*; do
	vp=$(basename "$sock")
	case "$vp" in
	real.vp-*)	set -- "ping -c 2 127.0.0.1" "ping -c 1 ::1" ;;
	*)		set -- "ping -c 2 192.0.2.1" "ping -c 2 2001:db8::7" \
			    "trace 198.51.100.6" ;;
	esac
	echo
	echo "== sc_rattach -R $vp: $*"
	if ! "$BIN/sc_rattach" -R "$sock" -o "$WORK/out.warts" -t 60 "$@"; then
		status=1
	fi
	sc_warts2json "$WORK/out.warts" | cut -c1-160
done
echo
echo "== sc_remoted's log"
cat "$WORK/remoted.log"
exit $status
