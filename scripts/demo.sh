#!/bin/sh
# The whole system on loopback: sc_remoted, a VP dialling in, and a
# measurement through the VP's socket, shown as JSON.  Everything it
# starts is stopped on exit.
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

mkdir "$WORK/vps"
echo "== sc_remoted -P 127.0.0.1:$PORT -U $WORK/vps"
"$BIN/sc_remoted" -P "127.0.0.1:$PORT" -U "$WORK/vps" 2>"$WORK/remoted.log" &
PIDS="$PIDS $!"
for i in $(seq 50); do grep -q "listening on" "$WORK/remoted.log" && break; sleep 0.1; done

echo "== scamper -R 127.0.0.1:$PORT -M demo.vp (Debian's real scamper)"
scamper -R "127.0.0.1:$PORT" -O notls-remote -M demo.vp >"$WORK/scamper.log" 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 100); do [ -n "$(ls "$WORK/vps")" ] && break; sleep 0.1; done
SOCK=$(ls "$WORK/vps" | head -1)
[ -n "$SOCK" ] || { echo "demo: the VP did not register" >&2; cat "$WORK/remoted.log" >&2; exit 1; }
echo "== VP socket: $SOCK"

printf '127.0.0.1\n127.0.0.1\n' > "$WORK/targets"
echo "== sc_attach -c 'ping -c 2 -i 0.5' on 2 targets"
sc_attach -R "$WORK/vps/$SOCK" -c 'ping -c 2 -i 0.5' -i "$WORK/targets" -o "$WORK/out.warts"
echo "== results (sc_warts2json)"
sc_warts2json "$WORK/out.warts"
echo "== daemon log"
cat "$WORK/remoted.log"
