"""sc_remoted against a raw-protocol peer, for the cases real scamper
cannot produce on demand: exact resume behaviour, REJ, malformed input,
FIN rules, limits and timers (remote-protocol.md)."""
import os
import re
import socket
import struct
import time

import pytest

from conftest import (free_port, read_to_eof, recv_until, unix_connect,
                      wait_for)
from rpeer import (ACK, CHANNEL_FIN, CHANNEL_NEW, KEEPALIVE, MASTER_NEW,
                   MASTER_OK, MASTER_REJ, MASTER_RES, Closed, Peer, frame,
                   new_body)


def sock_name(d, peer):
    prefix = f"{peer.monitor}-" if peer.monitor else ""
    return os.path.join(d.dir, prefix + peer.local_name())


def open_channel(d, peer):
    """Connect a local client to peer's socket; returns (client, channel)."""
    client = unix_connect(d.wait_socket(re.escape(
        os.path.basename(sock_name(d, peer)))))
    return client, peer.wait_channel()


def roundtrip(d, peer, tag=b"ping"):
    """A channel both ways through the daemon: proves the VP is served."""
    client, ch = open_channel(d, peer)
    client.sendall(b"cmd " + tag + b"\n")
    peer.wait_data(ch, b"cmd " + tag + b"\n")
    peer.send_data(ch, b"reply " + tag + b"\n")
    data, _ = recv_until(client, lambda b: b.endswith(b"reply " + tag +
                                                      b"\n"))
    assert data == b"reply " + tag + b"\n"
    peer.settle()
    return client, ch


# registration and naming -------------------------------------------------

def test_register_names_and_master_id(remoted):
    d = remoted()
    p = Peer(d.port, monitor="mon.v6-")
    alias = p.register()
    assert alias == p.local_name()          # "127.0.0.1:port"
    path = sock_name(d, p)
    wait_for(lambda: os.path.exists(path), what=path)
    anon = Peer(d.port)
    assert anon.register() == anon.local_name()
    wait_for(lambda: os.path.exists(sock_name(d, anon)), what="anon socket")
    d.wait_log(r"instance 2")


def test_ipv6_names(remoted):
    port = free_port(socket.AF_INET6)
    d = remoted("-6", listen=f"[::1]:{port}", port=port)
    p = Peer(port, host="::1", monitor="six")
    alias = p.register()
    assert re.fullmatch(r"::1\.\d+", alias), alias
    wait_for(lambda: os.path.exists(os.path.join(d.dir, "six-" + alias)),
             what="IPv6 socket name")


@pytest.mark.parametrize("opts,mode", [((), 0o700),
                                       (("-O", "allowgroup"), 0o770),
                                       (("-O", "AllowOther"), 0o707),
                                       (("-O", "allowgroup", "-O",
                                         "allowother"), 0o777)])
def test_socket_modes(remoted, opts, mode):
    d = remoted(*opts)
    p = Peer(d.port, monitor="m")
    p.register()
    path = sock_name(d, p)
    wait_for(lambda: os.path.exists(path), what=path)
    assert os.stat(path).st_mode & 0o777 == mode


def test_register_tolerated_forms(remoted):
    d = remoted()
    # no monitor-length byte at all: accepted, no name
    p = Peer(d.port)
    p.send_msg(0, 0, bytes([MASTER_NEW, 8]) + p.magic)
    seq, ch, body = p.recv_msg()
    assert body[0] == 1
    # trailing junk after the monitor name: accepted
    q = Peer(d.port, monitor="junk")
    q.send_msg(0, 0, new_body(q.magic, "junk") + b"trailing junk")
    assert q.recv_msg()[2][0] == 1
    wait_for(lambda: os.path.exists(os.path.join(d.dir, "junk-" +
                                                 q.local_name())))
    roundtrip(d, q)


def test_many_clients_one_vp_channel_ids(remoted):
    d = remoted()
    p = Peer(d.port, monitor="ids")
    p.register()
    path = sock_name(d, p)
    wait_for(lambda: os.path.exists(path))
    clients = [unix_connect(path) for _ in range(3)]
    ids = [p.wait_channel() for _ in clients]
    assert ids == [1, 2, 3]
    for i, (c, ch) in enumerate(zip(clients, ids)):
        c.sendall(b"to %d\n" % ch)
    for ch in ids:
        p.wait_data(ch, b"to %d\n" % ch)
    for ch in reversed(ids):
        p.send_data(ch, b"from %d\n" % ch)
    for c, ch in zip(clients, ids):
        data, _ = recv_until(c, lambda b, ch=ch: b.endswith(b"from %d\n" % ch))
        assert data == b"from %d\n" % ch


# resume ------------------------------------------------------------------

def test_resume_retransmits_exactly_once(remoted):
    d = remoted()
    p = Peer(d.port, monitor="res")
    p.register()
    client, ch = open_channel(d, p)
    old_path = sock_name(d, p)
    p.send_data(ch, b"resp1\n")
    assert recv_until(client, lambda b: b == b"resp1\n")[0] == b"resp1\n"
    p.settle()

    # scamper sends one more message whose ACK it never sees
    p.send_data(ch, b"resp2\n")
    assert recv_until(client, lambda b: b == b"resp2\n")[0] == b"resp2\n"
    p.close()
    d.wait_log(r"res-.*zombie for 900 s")
    wait_for(lambda: not os.path.exists(old_path), what="old socket gone")

    client.sendall(b"queued while zombie\n")
    d.wait_log(r"res-.*zombie")
    # queued, not lost: the resume retransmits it first
    assert p.resume() == MASTER_OK
    assert p.queue == []        # OK acknowledged resp2: not sent again
    p.wait_data(ch, b"queued while zombie\n")
    assert bytes(p.channels[ch]) == b"queued while zombie\n"
    new_path = sock_name(d, p)
    assert new_path != old_path
    wait_for(lambda: os.path.exists(new_path), what="new socket")
    p.send_data(ch, b"resp3\n")
    data, _ = recv_until(client, lambda b: b.endswith(b"resp3\n"))
    assert data == b"resp3\n"           # resp2 was not duplicated
    p.settle()
    d.wait_log(r"res-.*: resumed \(instance 1")


def test_resume_replays_unacked_from_both_sides(remoted):
    d = remoted()
    p = Peer(d.port, monitor="both")
    p.register()
    client, ch = open_channel(d, p)
    p.settle()
    p.close()
    d.wait_log(r"both-.*zombie")
    client.sendall(b"one\n")
    client.sendall(b"two\n")
    # an unacknowledged message of ours is replayed after OK
    p.queue.append((p.snd_nxt, ch, b"late\n"))
    p.snd_nxt += 1
    assert p.resume() == MASTER_OK
    data, _ = recv_until(client, lambda b: b.endswith(b"late\n"))
    assert data == b"late\n"
    p.wait_data(ch, b"one\ntwo\n")
    p.settle()


@pytest.mark.parametrize("case", ["unknown-magic", "rcv-nxt-ahead",
                                  "window-behind"])
def test_resume_rejected(remoted, case):
    d = remoted()
    p = Peer(d.port, monitor="rej")
    p.register()
    client, ch = open_channel(d, p)
    p.send_data(ch, b"x\n")
    p.send_data(ch, b"y\n")
    p.settle()
    p.close()
    d.wait_log(r"rej-.*zombie")
    saved = (p.magic, p.rcv_nxt, p.snd_nxt)
    if case == "unknown-magic":
        p.magic = b"QQQQQQQQ"
    elif case == "rcv-nxt-ahead":
        p.rcv_nxt += 5
    else:
        p.snd_nxt = 1               # our rcv_nxt (2) is outside 1..1
    assert p.resume() == MASTER_REJ
    assert p.wait_closed()
    d.wait_log(r"resume refused \(REJ\)")
    # the zombie is untouched and still resumable
    p.magic, p.rcv_nxt, p.snd_nxt = saved
    assert p.resume() == MASTER_OK
    p.send_data(ch, b"after\n")
    assert recv_until(client, lambda b: b.endswith(b"after\n"))[0] == \
        b"x\ny\nafter\n"


def test_resume_while_old_connection_alive(remoted):
    d = remoted()
    p = Peer(d.port, monitor="twice")
    p.register()
    old = p.sock
    p.connect()                         # a second connection, old still up
    body = bytes([MASTER_RES, 8]) + p.magic + struct.pack(">III", 0, 0, 0)
    p.send_msg(0, 0, body)
    assert p.recv_msg()[2][0] == MASTER_OK
    old.settimeout(5)
    assert old.recv(100) == b""         # the old connection was closed
    d.wait_log(r"resumed while still connected")
    roundtrip(d, p)


def test_debian_magic_reuse_after_rej(remoted):
    """Debian scamper re-registers with its old magic after a REJ: ours
    replaces the zombie instead of locking the VP out for -Z seconds."""
    d = remoted()
    p = Peer(d.port, monitor="deb")
    p.register()
    client, ch = open_channel(d, p)
    p.settle()
    p.close()
    d.wait_log(r"deb-.*zombie")
    p.rcv_nxt += 3                      # a RES the daemon must refuse
    assert p.resume() == MASTER_REJ
    p.close()
    q = Peer(d.port, magic=p.magic, monitor="deb")
    q.register()
    d.wait_log(r"re-registered with the same magic")
    assert read_to_eof(client) == b""   # old zombie freed, client closed
    roundtrip(d, q)
    # a different monitor name may not take the magic over
    r = Peer(d.port, magic=p.magic, monitor="other")
    r.send_msg(0, 0, new_body(r.magic, "other"))
    assert r.wait_closed()
    d.wait_log(r"reuses the magic of another monitor")
    roundtrip(d, q, b"still")


def test_zero_zombie_time_frees_at_once(remoted):
    d = remoted("-Z", "0")
    p = Peer(d.port, monitor="z0")
    p.register()
    client, ch = open_channel(d, p)
    p.close()
    assert read_to_eof(client) == b""
    d.wait_log(r"z0-.*freed \(-Z 0\)")
    assert p.resume() == MASTER_REJ


# channels and FIN rules ----------------------------------------------------

def test_client_eof_sends_one_fin(remoted):
    d = remoted()
    p = Peer(d.port, monitor="fin")
    p.register()
    client, ch = open_channel(d, p)
    client.sendall(b"ping -c 1 192.0.2.1\n")
    client.shutdown(socket.SHUT_WR)
    p.pump_until(lambda e: e == ("fin", ch))
    # results scamper sends after our FIN still reach the half-closed client
    p.send_data(ch, b"DATA after fin\n")
    p.send_fin(ch)
    data = read_to_eof(client)
    assert data == b"DATA after fin\n"
    p.settle()
    assert "FIN from scamper" in d.log()
    # exactly one FIN went to scamper
    assert p.fins == {ch}


def test_no_fin_after_done(remoted):
    d = remoted()
    p = Peer(d.port, monitor="done")
    p.register()
    client, ch = open_channel(d, p)
    client.sendall(b"ping 192.0.2.1\nDONE\r\n")
    client.close()
    p.wait_data(ch, b"DONE\r\n")
    # scamper finishes by itself; the daemon sent no crossing FIN
    p.send_data(ch, b"OK\n")
    p.send_fin(ch)
    p.settle()
    roundtrip(d, p)
    assert ch not in p.fins


def test_scamper_fin_first_closes_client_after_output(remoted):
    d = remoted()
    p = Peer(d.port, monitor="sfin")
    p.register()
    client, ch = open_channel(d, p)
    big = b"x" * 200000 + b"\n"
    for i in range(0, len(big), 50000):
        p.send_data(ch, big[i:i + 50000])
    p.send_fin(ch)
    p.settle()
    assert read_to_eof(client) == big
    assert ch not in p.fins             # no FIN back to scamper's FIN
    with pytest.raises(OSError):
        for _ in range(50):
            client.sendall(b"late\n")


def test_unknown_channel_and_odd_messages_are_tolerated(remoted):
    d = remoted()
    p = Peer(d.port, monitor="odd")
    p.register()
    p.send_data(99, b"for nobody\n")
    p.send_fin(77)
    p.send_data(5, b"")                 # zero-length data message
    p.send_keepalive()
    p.settle()
    d.wait_log(r"bytes for unknown channel 99 discarded")
    d.wait_log(r"FIN for unknown channel 77 ignored")
    client, ch = roundtrip(d, p)
    p.send_fin(ch)
    p.send_fin(ch)                      # a second FIN: ignored
    p.send_data(ch, b"after fin\n")     # data after FIN: discarded
    p.settle()
    assert read_to_eof(client) == b""
    roundtrip(d, p, b"again")


# malformed input --------------------------------------------------------------

MAGIC = b"\x01\x02\x03\x04\x05\x06\x07\x08"
UNREGISTERED = {
    "nonzero-first-seq": frame(5, 0, new_body(MAGIC, "a")),
    "tls-clienthello": bytes.fromhex("16030100c4010000c00303") + bytes(200),
    "empty-new": frame(0, 0, bytes([MASTER_NEW])),
    "zero-magic": frame(0, 0, bytes([MASTER_NEW, 0])),
    "truncated-magic": frame(0, 0, bytes([MASTER_NEW, 8]) + b"abc"),
    "bad-monitor-char": frame(0, 0, new_body(MAGIC, b"../../evil")),
    "monitor-slash": frame(0, 0, new_body(MAGIC, b"a/b")),
    "monitor-no-nul": frame(0, 0, bytes([MASTER_NEW, 8]) + MAGIC +
                            b"\x04abcd"),
    "empty-monitor": frame(0, 0, bytes([MASTER_NEW, 8]) + MAGIC + b"\x01\0"),
    "keepalive-first": frame(0, 0, bytes([KEEPALIVE])),
    "ack-first": frame(0, 0, bytes([ACK, 0, 0, 0, 0])),
    "fin-first": frame(0, 0, bytes([CHANNEL_FIN, 0, 0, 0, 1])),
    "type-9-first": frame(0, 0, bytes([9])),
    "data-first": frame(0, 1, b"hello\n"),
    "zero-length-control": frame(0, 0, b""),
    "truncated-res": frame(0, 0, bytes([MASTER_RES, 8]) + MAGIC + b"\0\0"),
}


@pytest.mark.parametrize("name", sorted(UNREGISTERED))
def test_malformed_before_registration(remoted, tmp_path, name):
    d = remoted()
    good = Peer(d.port, monitor="good")
    good.register()
    bad = Peer(d.port)
    bad.send_raw(UNREGISTERED[name])
    assert bad.wait_closed(), "daemon kept a broken peer"
    d.wait_log(r"dropped: ")
    if name == "tls-clienthello":
        d.wait_log(r"TLS ClientHello on a plaintext listener")
    # nothing but the good VP's socket exists, anywhere near the directory
    assert d.sockets() == [os.path.basename(sock_name(d, good))]
    assert not os.path.exists(os.path.join(os.path.dirname(d.dir), "evil"))
    roundtrip(d, good)


REGISTERED = {
    "wrong-sequence": lambda p: p.send_msg(p.snd_nxt + 3, 0,
                                           bytes([KEEPALIVE])),
    "unknown-type": lambda p: p.send_msg(p.snd_nxt, 0, bytes([9])),
    "channel-new-from-scamper": lambda p: p.send_msg(
        p.snd_nxt, 0, bytes([CHANNEL_NEW, 0, 0, 0, 1])),
    "master-new-in-go": lambda p: p.send_msg(p.snd_nxt, 0,
                                             new_body(b"newmagic")),
    "keepalive-with-body": lambda p: p.send_msg(p.snd_nxt, 0,
                                                bytes([KEEPALIVE, 0])),
    "ack-nothing-outstanding": lambda p: p.send_msg(
        p.snd_nxt, 0, bytes([ACK, 0, 0, 0, 0])),
    "ack-short-body": lambda p: p.send_msg(p.snd_nxt, 0,
                                           bytes([ACK, 0, 0, 0])),
    "fin-short-body": lambda p: p.send_msg(p.snd_nxt, 0,
                                           bytes([CHANNEL_FIN, 0, 1])),
    "zero-length-control": lambda p: p.send_msg(p.snd_nxt, 0, b""),
    "master-ok-from-scamper": lambda p: p.send_msg(
        p.snd_nxt, 0, bytes([MASTER_OK, 0, 0, 0, 0])),
}


@pytest.mark.parametrize("name", sorted(REGISTERED))
def test_malformed_after_registration(remoted, name):
    d = remoted()
    good = Peer(d.port, monitor="good")
    good.register()
    bad = Peer(d.port, monitor="bad")
    bad.register()
    client, ch = open_channel(d, bad)
    bad.settle()
    REGISTERED[name](bad)
    assert bad.wait_closed()
    d.wait_log(r"bad-.*dropped: ")
    # dropped, not a zombie: its clients are closed and a resume is refused
    assert read_to_eof(client) == b""
    assert bad.resume() == MASTER_REJ
    roundtrip(d, good)


def test_wrong_ack_value_drops(remoted):
    d = remoted()
    p = Peer(d.port, monitor="ack")
    p.register()
    client, ch = open_channel(d, p)
    client.sendall(b"x\n")
    seq, c, payload = p.recv_msg()
    assert c == ch
    p.rcv_nxt += 1
    # acknowledge a sequence that is not the oldest outstanding one
    p.send_msg(p.snd_nxt, 0, struct.pack(">BI", ACK, seq + 7))
    assert p.wait_closed()
    d.wait_log(r"ACK \d+, expected \d+")


def test_split_frames_reassemble(remoted):
    """Messages cut at every byte, and many in one write."""
    d = remoted()
    p = Peer(d.port, monitor="split")
    body = frame(0, 0, new_body(p.magic, "split"))
    for b in body:
        p.send_raw(bytes([b]))
    assert p.recv_msg()[2][0] == 1
    client, ch = open_channel(d, p)
    msgs = b""
    for i in range(50):
        msgs += frame(p.snd_nxt, ch, b"line %d\n" % i)
        p.queue.append((p.snd_nxt, ch, b""))
        p.snd_nxt += 1
    p.send_raw(msgs[:7])
    p.send_raw(msgs[7:1000])
    p.send_raw(msgs[1000:])
    want = b"".join(b"line %d\n" % i for i in range(50))
    assert recv_until(client, lambda b: len(b) >= len(want))[0] == want
    p.settle()


# limits and timers -----------------------------------------------------------

def test_zombie_queue_is_bounded(remoted):
    """A local client writing into a zombie cannot make the daemon hold
    more than its 16 MiB bound: the daemon stops reading that client."""
    d = remoted()
    p = Peer(d.port, monitor="flood")
    p.register()
    client, ch = open_channel(d, p)
    p.settle()
    p.close()
    d.wait_log(r"flood-.*zombie")
    client.setblocking(False)
    chunk = b"z" * 65536
    sent = 0
    stalled_since = None
    while True:
        try:
            sent += client.send(chunk)
            stalled_since = None
        except BlockingIOError:
            if stalled_since is None:
                stalled_since = time.monotonic()
            elif time.monotonic() - stalled_since > 1.0:
                break
            time.sleep(0.01)
        assert sent < 64 << 20, "daemon kept reading past its bound"
    assert sent >= 16 << 20
    d.wait_log(r"pausing local clients")


def test_unregistered_connections_are_freed_at_30s(remoted):
    d = remoted()
    silent = socket.create_connection(("127.0.0.1", d.port))
    trickle = socket.create_connection(("127.0.0.1", d.port))
    good = Peer(d.port, monitor="alive")
    good.register()
    t0 = time.monotonic()
    body = frame(0, 0, new_body(b"12345678", "slow"))
    i = 0
    trickle.settimeout(0.5)
    closed_at = None
    while closed_at is None and time.monotonic() - t0 < 45:
        if i < len(body) - 1:
            try:
                trickle.send(body[i:i + 1])
            except OSError:
                closed_at = time.monotonic()
                break
            i += 1
        try:
            if trickle.recv(10) == b"":
                closed_at = time.monotonic()
        except socket.timeout:
            pass
        except OSError:
            closed_at = time.monotonic()
        good.send_keepalive()
    assert closed_at is not None, "trickling peer was never dropped"
    assert 28 <= closed_at - t0 <= 33
    silent.settimeout(5)
    assert silent.recv(10) == b""
    d.wait_log(r"did not register within 30 s", count=2)
    roundtrip(d, good)


def test_keepalive_and_dead_peer(remoted):
    """The daemon sends KEEPALIVE after 30 s idle and turns a peer silent
    for 60 s into a zombie."""
    d = remoted()
    p = Peer(d.port, monitor="idle")
    p.register()
    t0 = time.monotonic()
    seq, ch, body = p.recv_msg(timeout=40)
    assert (ch, body) == (0, bytes([KEEPALIVE])) and seq == 0
    assert 29 <= time.monotonic() - t0 <= 32
    d.wait_log(r"idle-.*nothing received for 60 s", timeout=40)
    assert 59 <= time.monotonic() - t0 <= 63
    assert p.resume() == MASTER_OK
