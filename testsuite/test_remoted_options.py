"""sc_remoted's command line: every option's good and bad values, signals,
daemon mode and the pid file (remote-protocol.md §10, sc_remoted(1))."""
import os
import pathlib
import re
import signal
import socket
import subprocess

import pytest

from conftest import binary, free_port, run, unix_connect, wait_for
from rpeer import Peer, new_body


def remoted_cmd(*args):
    return [binary("sc_remoted"), *args]


@pytest.fixture
def udir(tmp_path):
    d = tmp_path / "vps"
    d.mkdir()
    return str(d)


def bad_cases(port, udir, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    P = ["-P", f"127.0.0.1:{port}"]
    U = ["-U", udir]
    return {
        "no-P": (U, "-P"),
        "port-zero": (["-P", "0"] + U, "-P"),
        "port-too-big": (["-P", "65536"] + U, "-P"),
        "port-not-number": (["-P", "abc"] + U, "-P"),
        "host-not-literal": (["-P", f"localhost:{port}"] + U, "-P"),
        "v6-no-colon": (["-P", f"[::1]{port}"] + U, "-P"),
        "addr-bad-port": (["-P", "127.0.0.1:x"] + U, "-P"),
        "no-U": (P, "-U"),
        "U-missing": (P + ["-U", str(tmp_path / "nope")], "-U"),
        "U-not-dir": (P + ["-U", str(afile)], "-U"),
        "Z-too-big": (P + U + ["-Z", "10801"], "-Z"),
        "Z-negative": (P + U + ["-Z", "-1"], "-Z"),
        "Z-not-number": (P + U + ["-Z", "abc"], "-Z"),
        "O-unknown": (P + U + ["-O", "bogus"], "-O"),
        "O-skipname": (P + U + ["-O", "skipnameverification"], "-O"),
        "both-4-6": (P + U + ["-4", "-6"], "-6"),
        "4-with-v6": (["-4", "-P", f"[::1]:{port}"] + U, "-P"),
        "6-with-v4": (["-6"] + P + U, "-P"),
        "M-later": (P + U + ["-M", "x"], "-M"),
        "m-later": (P + U + ["-m", "x"], "-m"),
        "c-later": (P + U + ["-c", "x"], "-c"),
        "p-later": (P + U + ["-p", "x"], "-p"),
        "C-later": (P + U + ["-C", "x"], "-C"),
        "R-later": (P + U + ["-R", "x"], "-R"),
        "unknown-flag": (P + U + ["-x"], "-x"),
        "missing-arg": (U + ["-P"], "-P"),
        "positional": (P + U + ["extra"], "positional"),
    }


CASES = sorted(bad_cases(1, "d", pathlib.Path("/tmp")))


@pytest.mark.parametrize("name", CASES)
def test_bad_option_values(tmp_path, udir, name):
    port = free_port()
    args, needle = bad_cases(port, udir, tmp_path)[name]
    pid = tmp_path / "pid"
    r = run(remoted_cmd("-e", str(pid), *args), timeout=10)
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0], lines[0]
    assert not pid.exists()
    assert os.listdir(udir) == []
    # nothing is left listening
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_version_and_help():
    r = run(remoted_cmd("-v"))
    assert r.returncode == 0
    assert re.fullmatch(r"sc_remoted version \S+\n", r.stdout)
    r = run(remoted_cmd("-?"))
    assert r.returncode == 255
    assert r.stderr.startswith("usage: sc_remoted")
    for opt in ("-4", "-6", "-D", "-e", "-O", "-P", "-U", "-v", "-Z"):
        assert f"  {opt}  " in r.stderr


def test_port_in_use_is_fatal(tmp_path, udir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run(remoted_cmd("-P", f"127.0.0.1:{port}", "-U", udir,
                            "-e", str(tmp_path / "pid")))
    assert r.returncode == 1
    assert "cannot listen" in r.stderr
    assert not (tmp_path / "pid").exists()


def test_pidfile_open_failure_is_fatal(tmp_path, udir):
    port = free_port()
    r = run(remoted_cmd("-P", f"127.0.0.1:{port}", "-U", udir, "-e",
                        str(tmp_path / "no" / "such" / "pid")))
    assert r.returncode == 1
    assert "-e" in r.stderr


def test_hex_port_and_zombie_suffix(remoted):
    port = free_port()
    d = remoted("-Z", "900s", listen=hex(port), port=port)
    assert "ignoring 's' after 900" in d.log()
    p = Peer(port, monitor="hex")
    p.register()
    d.wait_socket(r"hex-127\.0\.0\.1:\d+")


def test_bare_port_listens_on_both_families(remoted):
    port = free_port()
    d = remoted(listen=str(port), port=port)
    v4 = Peer(port, monitor="four")
    assert v4.register().startswith("127.0.0.1:")
    v6 = Peer(port, host="::1", monitor="six")
    assert v6.register().startswith("::1.")
    d.wait_socket(r"six-::1\.\d+")


@pytest.mark.parametrize("flag,ok,refused", [("-4", "127.0.0.1", "::1"),
                                             ("-6", "::1", "127.0.0.1")])
def test_family_restrictions(remoted, flag, ok, refused):
    port = free_port()
    remoted(flag, listen=str(port), port=port)
    Peer(port, host=ok, monitor="fam").register()
    with pytest.raises(OSError):
        socket.create_connection((refused, port), timeout=2)


def test_select_backend(remoted):
    d = remoted("-O", "SELECT")
    assert "event backend: select" in d.log()
    p = Peer(d.port, monitor="sel")
    p.register()
    c = unix_connect(d.wait_socket(r"sel-.*"))
    ch = p.wait_channel()
    c.sendall(b"hi\n")
    p.wait_data(ch, b"hi\n")


def test_debug_timestamps_and_notimes(remoted):
    d = remoted()
    assert re.search(r"^\[\d\d:\d\d:\d\d:\d{3}\] sc_remoted: ", d.log(), re.M)
    e = remoted("-O", "notimes")
    assert re.search(r"^sc_remoted: listening on", e.log(), re.M)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_exit_cleans_up(tmp_path, udir, sig):
    port = free_port()
    pid = tmp_path / "remoted.pid"
    proc = subprocess.Popen(remoted_cmd("-P", f"127.0.0.1:{port}", "-U", udir,
                                        "-e", str(pid)),
                            stderr=subprocess.PIPE, text=True)
    wait_for(lambda: pid.exists() and pid.read_text().strip(),
             what="pid file")
    assert pid.read_text() == f"{proc.pid}\n"
    assert oct(os.stat(pid).st_mode & 0o777) == oct(0o644)
    p = Peer(port, monitor="sig")
    p.register()
    wait_for(lambda: os.listdir(udir), what="VP socket")
    proc.send_signal(sig)
    assert proc.wait(10) == 0
    assert os.listdir(udir) == []
    assert not pid.exists()
    assert p.wait_closed()
    assert "AddressSanitizer" not in proc.stderr.read()


def test_daemon_mode(tmp_path, udir):
    port = free_port()
    pid = tmp_path / "d.pid"
    r = run(remoted_cmd("-D", "-P", f"127.0.0.1:{port}", "-U", udir, "-e",
                        str(pid)), timeout=10)
    assert r.returncode == 0 and r.stderr == ""
    wait_for(lambda: pid.exists() and pid.read_text().endswith("\n"),
             what="pid file")
    dpid = int(pid.read_text())
    try:
        p = Peer(port, monitor="daemon")
        p.register()
        wait_for(lambda: os.listdir(udir), what="VP socket")
        os.kill(dpid, signal.SIGTERM)
        wait_for(lambda: not pid.exists(), what="pid file removal")
        assert os.listdir(udir) == []
        assert p.wait_closed()
    finally:
        try:
            os.kill(dpid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_sighup_keeps_connections(remoted):
    d = remoted()
    p = Peer(d.port, monitor="hup")
    p.register()
    c = unix_connect(d.wait_socket(r"hup-.*"))
    ch = p.wait_channel()
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log(r"SIGHUP")
    c.sendall(b"after hup\n")
    p.wait_data(ch, b"after hup\n")
    assert d.proc.poll() is None


def test_stale_socket_is_replaced_live_one_is_not(remoted, tmp_path):
    """A socket file nobody listens on (left by a crash) is replaced; a
    live socket or a regular file at the path is never touched."""
    d = remoted()
    p = Peer(d.port, monitor="stale")
    p.sock.close()
    p.connect()
    name = "stale-" + p.local_name()
    path = os.path.join(d.dir, name)
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.close()                           # now a stale socket file
    p.register()
    d.wait_log(r"removing stale socket")
    c = unix_connect(path)
    assert p.wait_channel() == 1
    c.close()

    q = Peer(d.port, monitor="busy")
    live = socket.socket(socket.AF_UNIX)
    live.bind(os.path.join(d.dir, "busy-" + q.local_name()))
    live.listen()
    q.send_msg(0, 0, new_body(q.magic, "busy"))
    assert q.wait_closed()              # no -M: registration fails
    d.wait_log(r"busy-.*dropped: cannot create its unix socket")
    assert os.path.exists(os.path.join(d.dir, "busy-" + q.local_name()))
