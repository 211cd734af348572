"""sc_remoted with Debian's real scamper 20211212, sc_attach and the warts
readers as the oracle.  Probes go to 127.0.0.1 only."""
import os
import re
import signal
import stat
import threading
import time

import pytest

from conftest import free_port, run, unix_connect, wait_for
from ctl import (Ctl, WARTS_CYCLE_START, WARTS_CYCLE_STOP, WARTS_PING,
                 record_type)


def wartsdump(path):
    """sc_wartsdump output; it exits 0 on parse errors, so stderr counts."""
    r = run(["sc_wartsdump", path])
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return r.stdout


def sc_attach(sock, targets, tmp_path, name, command="ping -c 1"):
    tfile = tmp_path / f"{name}.targets"
    tfile.write_text("".join(t + "\n" for t in targets))
    out = tmp_path / f"{name}.warts"
    r = run(["sc_attach", "-R", sock, "-c", command, "-i", str(tfile),
             "-o", str(out)], timeout=120)
    return r, str(out)


@pytest.mark.parametrize("monitor", ["foo.bar", None])
def test_real_scamper_registers(remoted, scamper, monitor):
    d = remoted()
    scamper(d.port, monitor)
    prefix = re.escape(monitor) + "-" if monitor else ""
    path = d.wait_socket(prefix + r"127\.0\.0\.1:\d+")
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o700
    # the name carries the port scamper connected from: it is the same
    # string the daemon logged as registered
    d.wait_log(re.escape(os.path.basename(path)) + r": registered")


def test_real_sc_attach_ping(remoted, scamper, tmp_path):
    d = remoted()
    scamper(d.port, "vp.one")
    sock = d.wait_socket(r"vp\.one-.*")
    r, out = sc_attach(sock, ["127.0.0.1"] * 3, tmp_path, "a")
    assert r.returncode == 0, r.stderr
    dump = wartsdump(out)
    assert dump.count("ping from 127.0.0.1 to 127.0.0.1") == 3
    assert "monitor: vp.one" in dump
    assert dump.count("cycle stop") == 1
    j = run(["sc_warts2json", out])
    assert j.returncode == 0 and j.stderr == "", j.stderr
    assert j.stdout.count('"type":"ping"') == 3


def test_two_clients_and_one_that_leaves(remoted, scamper, tmp_path):
    d = remoted()
    scamper(d.port, "vp.two")
    sock = d.wait_socket(r"vp\.two-.*")

    # a client that starts a long task and vanishes mid-task
    quitter = unix_connect(sock)
    qc = Ctl(quitter)
    qc.until(lambda e: e == ("line", "MORE"))
    qc.send("ping -c 5 -i 1 127.0.0.1\n")
    qc.until(lambda e: e[0] == "line" and e[1].startswith("OK id-"))

    results = {}

    def attach(name):
        results[name] = sc_attach(sock, ["127.0.0.1"] * 2, tmp_path, name,
                                  "ping -c 2 -i 0.2")
    threads = [threading.Thread(target=attach, args=(n,))
               for n in ("x", "y")]
    for t in threads:
        t.start()
    # both channels are open at once before the quitter leaves
    d.wait_log(r"channel 3: local client connected")
    quitter.close()
    for t in threads:
        t.join(120)
    for name in ("x", "y"):
        r, out = results[name]
        assert r.returncode == 0, r.stderr
        assert wartsdump(out).count("ping from 127.0.0.1") == 2
    # the VP was never disturbed: still the same registration, and it
    # still serves a new client
    assert "disconnected" not in d.log()
    assert "dropped" not in d.log()
    r, out = sc_attach(sock, ["127.0.0.1"], tmp_path, "z")
    assert wartsdump(out).count("ping from 127.0.0.1") == 1


def start_proxy(procs, listen_port, target_port):
    return procs.start(["socat", f"TCP-LISTEN:{listen_port},bind=127.0.0.1,"
                        "reuseaddr", f"TCP:127.0.0.1:{target_port}"],
                       f"socat-{listen_port}")


def scamper_behind_proxy(remoted_daemon, procs, scamper, name):
    """Real scamper reaching the daemon through a socat we can kill;
    returns (proxy process, proxy port, the VP's socket path)."""
    pport = free_port()
    proxy = start_proxy(procs, pport, remoted_daemon.port)
    wait_proxy(pport)
    scamper(pport, name)
    sock = remoted_daemon.wait_socket(re.escape(name) + "-.*")
    return proxy, pport, sock


def wait_proxy(port):
    def listening():
        out = run(["ss", "-Htln", f"sport = :{port}"]).stdout
        return str(port) in out
    wait_for(listening, what="socat to listen")


def test_real_scamper_resumes_without_loss(remoted, scamper, procs,
                                           tmp_path):
    """Cut the TCP path between scamper and the daemon (kill the socat in
    between), queue commands while the VP is a zombie, and check that the
    local client gets every reply and result exactly once."""
    d = remoted()
    proxy, pport, sock = scamper_behind_proxy(d, procs, scamper, "vp.res")

    client = unix_connect(sock)
    c = Ctl(client)
    evs = []

    def seen(kind, ev):
        evs.append(ev)
        oks = sum(1 for e in evs if e[0] == "line" and e[1].startswith("OK id-"))
        pings = sum(1 for e in evs
                    if e[0] == "data" and record_type(e[2]) == WARTS_PING)
        return {"more": ev == ("line", "MORE"), "oks": oks,
                "pings": pings}[kind]

    c.until(lambda e: seen("more", e))
    c.send("ping -c 1 127.0.0.1\n")
    c.until(lambda e: seen("pings", e) == 1)

    proxy.send_signal(signal.SIGKILL)
    proxy.wait()
    d.wait_log(r"vp\.res-.*zombie for 900 s")
    wait_for(lambda: not os.path.exists(sock), what="socket unlinked")

    # written while the VP is a zombie: queued, numbered, not lost
    c.send("ping -c 1 127.0.0.1\nping -c 2 -i 0.2 127.0.0.1\n")
    start_proxy(procs, pport, d.port)
    # scamper retries 30..61 s after the break
    d.wait_log(r"vp\.res-.*: resumed", timeout=90)
    d.wait_socket(r"vp\.res-.*", exclude=(os.path.basename(sock),))

    c.until(lambda e: seen("pings", e) == 3, timeout=60)
    c.send("done\n")
    evs += c.all(timeout=60)

    raw = c.raw.decode()
    assert re.findall(r"^OK id-(\d+)$", raw, re.M) == ["1", "2", "3"], raw
    assert re.findall(r"^OK$", raw, re.M) == ["OK"]
    records = [e[2] for e in evs if e[0] == "data"]
    assert record_type(records[-1]) == WARTS_CYCLE_STOP
    out = tmp_path / "resumed.warts"
    out.write_bytes(b"".join(records))
    dump = wartsdump(str(out))
    assert dump.count("ping from 127.0.0.1 to 127.0.0.1") == 3
    assert dump.count("cycle stop") == 1
    assert "vp.res" in d.log() and "dropped" not in d.log()


def test_real_scamper_zombie_expiry(remoted, scamper, procs):
    d = remoted("-Z", "3")
    proxy, pport, sock = scamper_behind_proxy(d, procs, scamper, "vp.exp")
    client = unix_connect(sock)
    c = Ctl(client)
    c.until(lambda e: e[0] == "data" and
            record_type(e[2]) == WARTS_CYCLE_START)
    proxy.send_signal(signal.SIGKILL)
    proxy.wait()
    d.wait_log(r"vp\.exp-.*zombie for 3 s")
    wait_for(lambda: not os.path.exists(sock), what="socket unlinked")
    t0 = time.monotonic()
    assert c.all(timeout=15) == []      # EOF, nothing more delivered
    assert time.monotonic() - t0 > 2.0
    d.wait_log(r"vp\.exp-.*zombie expired after 3 s")
