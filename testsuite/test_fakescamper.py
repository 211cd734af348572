"""fakescamper against Debian's real sc_remoted and sc_attach, against our
sc_remoted with 100 VPs in one process, and each fault-injection switch
against a hand-played controller."""
import json
import os
import re
import struct
import time

import pytest

from conftest import (REFERENCE_REMOTED, proc_log, run, unix_connect,
                      wait_for)
from ctl import (Ctl, WARTS_CYCLE_START, WARTS_CYCLE_STOP, WARTS_LIST,
                 WARTS_PING, WARTS_TRACE, record_type, strip_timing)
from ctlpeer import Controller, parse_new, parse_res
from rpeer import (ACK, CHANNEL_NEW, KEEPALIVE, MASTER_OK, MASTER_REJ,
                   MASTER_RES, Closed)

FAST = ("--time-scale", "0.02", "--retry", "1,1")


def check_warts(path, pings=0, traces=0):
    """Debian's readers exit 0 on errors: check stderr and the counts."""
    d = run(["sc_wartsdump", path])
    assert d.returncode == 0 and d.stderr == "", d.stderr
    assert d.stdout.count("ping from") == pings, d.stdout
    assert d.stdout.count("traceroute from") == traces, d.stdout
    assert d.stdout.rstrip().splitlines()[-1].startswith("cycle stop")
    j = run(["sc_warts2json", path])
    assert j.returncode == 0 and j.stderr == "", j.stderr
    objs = [json.loads(line) for line in j.stdout.splitlines()]
    assert sum(o["type"] == "ping" for o in objs) == pings
    assert sum(o["type"] == "trace" for o in objs) == traces
    assert objs[-1]["type"] == "cycle-stop"
    return d.stdout, objs


def session(sock_path, commands, timeout=60):
    """Send commands (then done) on a channel; read it to EOF."""
    s = unix_connect(sock_path, timeout)
    c = Ctl(s)
    c.send("".join(x + "\n" for x in commands) + "done\n")
    evs = c.all(timeout)
    s.close()
    return c, evs


def check_session(c, evs, ntasks, data_id):
    raw = c.raw.decode()
    assert re.findall(r"^OK id-(\d+)$", raw, re.M) == \
        [str(i) for i in range(1, ntasks + 1)], raw
    assert re.findall(r"^OK$", raw, re.M) == ["OK"]
    headers = [e[1] for e in evs if e[0] == "data"]
    results = [h for h in headers if " id-" in h]
    assert len(results) == (ntasks if data_id else 0), headers
    recs = [e[2] for e in evs if e[0] == "data"]
    types = [record_type(r) for r in recs]
    assert types[:2] == [WARTS_LIST, WARTS_CYCLE_START]
    assert types[-1] == WARTS_CYCLE_STOP
    assert len(types) == ntasks + 3, types
    return recs


# against Debian's real sc_remoted ---------------------------------------------

def test_against_reference_remoted_with_sc_attach(remoted, fake, tmp_path):
    d = remoted(exe=REFERENCE_REMOTED)
    fake(d.port, "-M", "fake.ref", "--profile", "2021", *FAST)
    sock = d.wait_socket(r"fake\.ref-127\.0\.0\.1:\d+")
    targets = tmp_path / "t"
    targets.write_text("127.0.0.1\n192.0.2.9\n::1\n")
    out = tmp_path / "out.warts"
    r = run(["sc_attach", "-R", sock, "-c", "ping -c 2", "-i", str(targets),
             "-o", str(out)])
    assert r.returncode == 0 and r.stderr == "", r.stderr
    dump, objs = check_warts(str(out), pings=3)
    assert "monitor: fake.ref" in dump
    pings = [o for o in objs if o["type"] == "ping"]
    assert sorted(p["dst"] for p in pings) == ["127.0.0.1", "192.0.2.9",
                                                "::1"]
    assert all(len(p["responses"]) == 2 for p in pings)
    # traces too
    targets.write_text("198.51.100.6\n2001:db8:1::7\n")
    r = run(["sc_attach", "-R", sock, "-c", "trace", "-i", str(targets),
             "-o", str(out)])
    assert r.returncode == 0, r.stderr
    check_warts(str(out), traces=2)


def test_reference_remoted_resume_exactly_once(remoted, fake, tmp_path):
    """The fake drops its connection every 4 s and comes back 2 s later.
    One result is produced while it is disconnected (held, then sent after
    the resume), one after; each arrives exactly once.

    The drops land on a quiet connection: Debian's sc_remoted 20211212
    segfaults when a VP drops while messages it sent are unacknowledged
    (what --drop-after does), so that case is only run against ours."""
    d = remoted(exe=REFERENCE_REMOTED)
    f = fake(d.port, "-M", "fake.drop", "--profile", "2021",
             "--drop-every", "4", "--retry", "2,2")
    sock = d.wait_socket(r"fake\.drop-.*")
    s = unix_connect(sock, 60)
    c = Ctl(s)
    evs = c.until(lambda e: e[0] == "data" and
                  record_type(e[2]) == WARTS_CYCLE_START)
    # connected 0-4 s, disconnected 4-6 s, connected 6-8 s: one result
    # falls due at ~5 s (held, sent after the resume), one at ~6.5 s
    c.send("ping -c 10 -i 0.5 127.0.0.1\nping -c 13 -i 0.5 127.0.0.2\n")

    def pings(e):
        evs.append(e)
        return sum(1 for x in evs if x[0] == "data" and
                   record_type(x[2]) == WARTS_PING) == 2
    c.until(pings, timeout=30)
    c.send("done\n")
    evs += c.all(30)
    raw = c.raw.decode()
    assert re.findall(r"^OK id-(\d+)$", raw, re.M) == ["1", "2"], raw
    assert re.findall(r"^OK$", raw, re.M) == ["OK"]
    recs = [e[2] for e in evs if e[0] == "data"]
    assert record_type(recs[-1]) == WARTS_CYCLE_STOP
    out = tmp_path / "drop.warts"
    out.write_bytes(b"".join(recs))
    _, objs = check_warts(str(out), pings=2)
    assert [o["dst"] for o in objs if o["type"] == "ping"] == \
        ["127.0.0.1", "127.0.0.2"]
    log = proc_log(f)
    assert log.count("fault: --drop-every") >= 1
    assert log.count("resumed; retransmitting") >= 1
    assert d.proc.poll() is None, "the reference sc_remoted died"


# against our sc_remoted, 100 VPs in one process ---------------------------------

@pytest.mark.parametrize("profile", ["2021", "2026"])
def test_hundred_vps_both_dialects(remoted, fake, profile, tmp_path):
    d = remoted()
    f = fake(d.port, "-M", "swarm", "--vps", "100", "--profile", profile,
             "--drop-after", "12", "--time-scale", "0.01", "--retry", "1,2")
    wait_for(lambda: len(d.sockets()) == 100, timeout=30,
             what="100 VP sockets")
    names = d.sockets()
    assert names[0].startswith("swarm-0001-127.0.0.1:")
    assert names[-1].startswith("swarm-0100-127.0.0.1:")
    clients = []
    for n in names:
        s = unix_connect(os.path.join(d.dir, n), 120)
        s.sendall(b"ping -c 2 127.0.0.1\ntrace 198.51.100.6\ndone\n")
        clients.append(s)
    for i, s in enumerate(clients):
        c = Ctl(s)
        evs = c.all(120)
        recs = check_session(c, evs, 2, data_id=profile == "2026")
        kinds = sorted(record_type(r) for r in recs[2:-1])
        assert kinds == [WARTS_TRACE, WARTS_PING]
        if i == 0:
            out = tmp_path / "vp1.warts"
            out.write_bytes(b"".join(recs))
            check_warts(str(out), pings=1, traces=1)
    # every VP dropped once, mid-session, and resumed
    assert proc_log(f).count("fault: --drop-after") == 100
    assert d.log().count(": resumed (") == 100


# the text protocol --------------------------------------------------------------

@pytest.mark.parametrize("profile", ["2021", "2026"])
def test_errors_halt_and_more(remoted, fake, profile):
    d = remoted()
    fake(d.port, "-M", "txt", "--profile", profile, "--time-scale", "0.5")
    sock = d.wait_socket(r"txt-.*")
    s = unix_connect(sock, 30)
    c = Ctl(s)
    c.until(lambda e: e[0] == "data" and
            record_type(e[2]) == WARTS_CYCLE_START)
    first = c.raw.split(b"\n")[0]
    assert first == b"MORE"
    c.send("bogus 1\n")
    ev = c.until(lambda e: e[0] == "line")[-1]
    if profile == "2021":
        assert ev[1] == "ERR command not accepted"
    else:
        assert ev[1] == ("ERR command not accepted: could not determine "
                         "command type")
    c.send("ping -c 0 127.0.0.1\n")
    ev = c.until(lambda e: e[0] == "line")[-1]
    if profile == "2021":
        assert ev[1] == "ERR command not accepted"
    else:   # scamper 20260420's own wording (control-protocol.md §3)
        assert ev[1] == ("ERR command not accepted: -c failed: attempts "
                         "must be within 1 - 65535")
    c.send("ping -c 100 -i 1 192.0.2.1\n")
    assert c.until(lambda e: e[0] == "line")[-1] == ("line", "OK id-1")
    assert c.until(lambda e: e[0] == "line")[-1] == ("line", "MORE")
    c.send("halt x\nhalt 0\nhalt 9\nhalt 1\n")
    lines = [c.until(lambda e: e[0] == "line")[-1][1] for _ in range(4)]
    assert lines == ["ERR usage: halt [id]", "ERR halt number invalid",
                     "ERR no task id-9", "OK halted 1"]
    ev = c.until(lambda e: e[0] == "data")[-1]
    rec = ev[2]
    assert record_type(rec) == WARTS_PING
    assert rec[8:11] == b"\xf3\xfc\x65"       # the 2021 ping parameters
    assert rec[29] == 3                          # stop reason: halted
    (sent,) = struct.unpack(">H", rec[39:41])    # param 15, probes sent
    assert 1 <= sent < 100
    c.send("ping 127.0.0.1\tx\n")
    assert c.until(lambda e: e[0] == "line")[-1] == \
        ("line", "ERR invalid character in line")
    rest = c.all(10)
    assert [record_type(e[2]) for e in rest if e[0] == "data"] == \
        [WARTS_CYCLE_STOP]
    assert c.eof


@pytest.mark.parametrize("profile,delivered", [("2021", True),
                                               ("2026", False)])
def test_fin_semantics(remoted, fake, profile, delivered):
    """A client that closes mid-task: 2021 still finishes the task and
    delivers it, 2026 abandons it; both then end the channel."""
    d = remoted()
    f = fake(d.port, "-M", "fin", "--profile", profile, "--time-scale",
             "0.2")
    sock = d.wait_socket(r"fin-.*")
    s = unix_connect(sock, 30)
    c = Ctl(s)
    c.until(lambda e: e[0] == "data" and
            record_type(e[2]) == WARTS_CYCLE_START)
    c.send("ping -c 5 127.0.0.1\n")
    c.until(lambda e: e == ("line", "MORE"))
    import socket as so
    s.shutdown(so.SHUT_WR)
    rest = c.all(30)
    types = [record_type(e[2]) for e in rest if e[0] == "data"]
    assert types == ([WARTS_PING] if delivered else []) + [WARTS_CYCLE_STOP]
    d.wait_log(r"channel 1: FIN from scamper")
    assert "could not find channel" not in proc_log(f)


def test_reproducible_results(remoted, fake, tmp_path):
    """The same seed and commands give the same results, timestamps (and
    the list name, which carries the source port) aside."""
    def one_run(name):
        d = remoted()
        fake(d.port, "-M", "rep", "--seed", "42", "--time-scale", "0.01")
        sock = d.wait_socket(r"rep-.*")
        c, evs = session(sock, ["ping -c 3 192.0.2.77",
                                "trace 2001:db8:1::7",
                                "ping -c 2 -i 0.5 ::1"])
        out = tmp_path / f"{name}.warts"
        out.write_bytes(b"".join(e[2] for e in evs if e[0] == "data"))
        _, objs = check_warts(str(out), pings=2, traces=1)
        return objs

    a, b = one_run("a"), one_run("b")
    assert strip_timing(a) == strip_timing(b)
    assert len(a) == 5
    # the seed also sets the trace source port: 0x8000 + 42
    assert [o.get("sport") for o in a if o["type"] == "trace"] == [32810]


def test_unresponsive_and_trace_seed(remoted, fake, tmp_path):
    d = remoted()
    fake(d.port, "-M", "dark", "--unresponsive", "192.0.2.0/24",
         "--trace-seed", "7", "--time-scale", "0.001")
    sock = d.wait_socket(r"dark-.*")
    c, evs = session(sock, ["ping -c 2 192.0.2.5", "ping -c 2 192.0.3.5",
                            "trace 192.0.2.99", "trace 198.51.100.6"])
    recs = check_session(c, evs, 4, data_id=True)
    out = tmp_path / "dark.warts"
    out.write_bytes(b"".join(recs))
    _, objs = check_warts(str(out), pings=2, traces=2)
    pings = {o["dst"]: o for o in objs if o["type"] == "ping"}
    assert pings["192.0.2.5"]["responses"] == []
    assert len(pings["192.0.3.5"]["responses"]) == 2
    traces = {o["dst"]: o for o in objs if o["type"] == "trace"}
    assert traces["192.0.2.99"]["stop_reason"] == "GAPLIMIT"
    assert traces["198.51.100.6"]["stop_reason"] == "COMPLETED"
    # trace-seed 7 moves the synthetic path away from the §13.6 one
    hops = [h["addr"] for h in traces["198.51.100.6"]["hops"]]
    assert hops[-1] == "198.51.100.6"
    assert hops[:-1] != ["198.18.153.1", "198.18.153.2"]


# fault injection, one switch at a time, against a hand-played controller ----

@pytest.fixture
def ctl():
    c = Controller()
    yield c
    c.close()


def register(conn):
    seq, ch, p = conn.recv()
    magic, mon = parse_new(p)
    conn.master_id()
    return magic, mon


def test_drop_after(ctl, fake):
    fake(ctl.port, "--drop-after", "3", "--retry", "0,0")
    a = ctl.accept()
    register(a)                       # NEW is message 1
    a.channel_new(1)                  # ACK (2), MORE (3): then the drop
    msgs = []
    try:
        while True:
            msgs.append(a.recv(5))
    except Closed:
        pass
    assert len(msgs) == 2             # the ACK and MORE, nothing after
    b = ctl.accept()
    assert b.recv()[2][0] == MASTER_RES


def test_drop_every(ctl, fake):
    fake(ctl.port, "--drop-every", "1", "--retry", "0,0")
    a = ctl.accept()
    register(a)
    t0 = time.monotonic()
    assert a.recv_nothing(5)          # closed by the fake, not by us
    assert 0.5 <= time.monotonic() - t0 <= 3
    b = ctl.accept()
    assert b.recv()[2][0] == MASTER_RES


def test_stall(ctl, fake):
    fake(ctl.port, "--stall-after", "2", "--stall-for", "2")
    a = ctl.accept()
    register(a)                       # MASTER_ID: received message 1
    a.channel_new(1)                  # message 2: then it stops reading
    first = [a.recv() for _ in range(6)]
    assert first[0][2] == struct.pack(">BI", ACK, 0)
    assert first[1][2] == b"MORE\n"
    for i in range(5):
        a.ack(i)
    a.reliable(1, b"ping -c 1 127.0.0.1\n")
    t0 = time.monotonic()
    seq, ch, p = a.recv(10)
    assert p == struct.pack(">BI", ACK, 1)
    assert time.monotonic() - t0 >= 1.5


def test_no_register_and_connect_timeout(ctl, fake):
    fake(ctl.port, "--no-register", "--connect-timeout", "1",
         "--retry", "0,0")
    a = ctl.accept()
    t0 = time.monotonic()
    assert a.recv_nothing(4)          # never a MASTER_NEW
    assert 0.8 <= time.monotonic() - t0 <= 2.5   # closed at the deadline
    b = ctl.accept()
    assert b.recv_nothing(0.5)


def test_connect_timeout_then_retry_range(ctl, fake):
    fake(ctl.port, "--connect-timeout", "1", "--retry", "2,3")
    a = ctl.accept()
    a.recv()                          # MASTER_NEW, left unanswered
    t0 = time.monotonic()
    assert a.recv_nothing(3)
    closed = time.monotonic()
    assert closed - t0 <= 1.6
    b = ctl.accept(10)
    assert 1.8 <= time.monotonic() - closed <= 3.8
    assert parse_new(b.recv()[2])


@pytest.mark.parametrize("reuse", ["on", "off"])
def test_reuse_magic_after_rej(ctl, fake, reuse):
    fake(ctl.port, "--reuse-magic", reuse, "--retry", "0,0")
    a = ctl.accept()
    magic1, _ = register(a)
    a.close()
    b = ctl.accept()
    res = parse_res(b.recv()[2])
    assert res[0] == magic1
    b.send(0, 0, bytes([MASTER_REJ]))
    c = ctl.accept()
    magic2, _ = parse_new(c.recv()[2])
    assert (magic2 == magic1) == (reuse == "on")


@pytest.mark.parametrize("stale", ["on", "off"])
def test_stale_queue_after_rej(ctl, fake, stale):
    """Debian scamper keeps its old retransmit queue after a REJ; a later
    MASTER_OK then replays the old session's messages."""
    fake(ctl.port, "--stale-queue", stale, "--retry", "0,0")
    a = ctl.accept()
    register(a)
    a.channel_new(7)
    for _ in range(6):                # ACK, MORE, DATA, block, DATA, block
        a.recv()
    a.close()                         # nothing of channel 7 acknowledged
    b = ctl.accept()
    assert b.recv()[2][0] == MASTER_RES
    b.send(0, 0, bytes([MASTER_REJ]))
    c = ctl.accept()
    register(c)                       # a new session
    c.close()
    e = ctl.accept()
    magic, rcv, una, nxt = parse_res(e.recv()[2])
    assert (rcv, nxt) == (0, 0)
    e.send(0, 0, struct.pack(">BI", MASTER_OK, 0))
    if stale == "on":
        seq, ch, p = e.recv()
        assert (seq, ch, p) == (0, 7, b"MORE\n")
    else:
        assert e.recv_nothing(1)


def test_keepalive_and_dead_peer_switches(ctl, fake):
    fake(ctl.port, "--keepalive", "0.5", "--dead-peer", "1.5",
         "--retry", "5,5")
    a = ctl.accept()
    register(a)
    t0 = time.monotonic()
    seq, ch, p = a.recv(3)
    assert p == bytes([KEEPALIVE])
    assert 0.3 <= time.monotonic() - t0 <= 1.0
    # silent controller: the fake gives up after 1.5 s and resumes at once,
    # not after the 5 s retry delay
    b = ctl.accept(4)
    assert 1.2 <= time.monotonic() - t0 <= 2.5
    assert b.recv()[2][0] == MASTER_RES


@pytest.mark.parametrize("lenient", [False, True])
def test_unknown_channel(ctl, fake, lenient):
    opts = ["--retry", "0,0"] + (["--lenient-unknown-channel"]
                                 if lenient else [])
    f = fake(ctl.port, *opts)
    a = ctl.accept()
    register(a)
    a.reliable(55, b"hello\n")
    seq, ch, p = a.recv()
    assert p == struct.pack(">BI", ACK, 0)      # ACKed before validated
    if lenient:
        assert a.recv_nothing(1)
        a.send(a.snd_nxt, 0, bytes([KEEPALIVE]))
        assert a.recv_nothing(0.5)
    else:
        with pytest.raises(Closed):
            a.recv(3)
        wait_for(lambda: "could not find channel 55" in proc_log(f))


def test_bad_options():
    from conftest import binary
    for args, needle in [(["-M", "a/b"], "-M"), (["--vps", "0"], "--vps"),
                         (["--profile", "2030"], "--profile"),
                         (["--retry", "5"], "--retry"),
                         (["-O", "cafile=x"], "TLS"),
                         (["--stall-for", "2"], "--stall-after"),
                         ([], "-R")]:
        r = run([binary("fakescamper")] +
                (["-R", "127.0.0.1:9"] if needle != "-R" else []) + args)
        assert r.returncode == 1, args
        assert needle in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1


# backpressure in our sc_remoted, driven by fakescamper's --flood ------------

def test_slow_reader_loses_nothing(remoted, fake):
    """40 MiB toward a client that does not read for 2 s: the daemon stops
    reading from scamper instead of buffering or dropping the client."""
    d = remoted()
    fake(d.port, "-M", "flood", "--flood", "8192,5000")
    sock = d.wait_socket(r"flood-.*")
    s = unix_connect(sock, 30)
    d.wait_log(r"a local client is behind; pausing reads")
    time.sleep(2)      # the condition under test: a client not reading
    # 'x' appears only in the payloads (never in uuencoding or text lines)
    xs = 0
    while xs < 8191 * 5000:
        chunk = s.recv(1 << 20)
        assert chunk, f"EOF after {xs} payload bytes"
        xs += chunk.count(b"x")
    assert xs == 8191 * 5000
    d.wait_log(r"resuming reads")
    assert "local client lost" not in d.log()
    assert "zombie" not in d.log()


def test_stuck_reader_is_dropped_after_60s(remoted, fake):
    d = remoted()
    fake(d.port, "-M", "stuck", "--flood", "8192,5000")
    sock = d.wait_socket(r"stuck-.*")
    s = unix_connect(sock, 90)
    d.wait_log(r"a local client is behind; pausing reads")
    t0 = time.monotonic()
    d.wait_log(r"channel 1: local client lost: client stopped reading "
               r"for 60 s", timeout=75)
    assert 59 <= time.monotonic() - t0 <= 70
    # the VP itself was never taken for dead, and serves a new client
    other = Ctl(unix_connect(sock, 10))
    assert other.until(lambda e: e[0] == "line") == [("line", "MORE")]
    assert "zombie" not in d.log()
    s.close()
