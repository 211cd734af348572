"""sc_rattach against Debian's real scamper (through our sc_remoted, and on
its own control socket), against fakescamper in both dialects, compared
with Debian's sc_attach, and against a scripted server for every reply
form and failure."""
import json
import os
import pty
import re
import socket
import subprocess
import threading
import time

import pytest

from conftest import binary, free_port, run, wait_for
from ctl import strip_timing, uudecode_block

def rattach(*args, timeout=120, **kw):
    return run([binary("sc_rattach"), *args], timeout=timeout, **kw)


def dump(path):
    d = run(["sc_wartsdump", path])
    assert d.returncode == 0 and d.stderr == "", d.stderr
    return d.stdout


def json_objs(path):
    j = run(["sc_warts2json", path])
    assert j.returncode == 0 and j.stderr == "", j.stderr
    return [json.loads(line) for line in j.stdout.splitlines()]


# real scamper ----------------------------------------------------------------

def test_real_scamper_through_our_remoted(remoted, scamper, tmp_path):
    d = remoted()
    scamper(d.port, "vp.ra")
    sock = d.wait_socket(r"vp\.ra-.*")
    targets = tmp_path / "targets"
    targets.write_text("# loopback only\n127.0.0.1\n\n127.0.0.1\r\n"
                       "127.0.0.1\n")
    out = tmp_path / "out.warts"
    r = rattach("-R", sock, "-c", "ping -c 1", "-i", str(targets),
                "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""            # no progress line off a terminal
    text = dump(str(out))
    assert text.count("ping from 127.0.0.1 to 127.0.0.1") == 3
    assert text.rstrip().splitlines()[-1].startswith("cycle stop")


@pytest.mark.parametrize("how", ["unix", "port"])
def test_real_scamper_control_socket(procs, tmp_path, how):
    """Debian's scamper on its own control socket: sc_rattach attaches
    first (with a priority), then runs the list."""
    if how == "unix":
        path = str(tmp_path / "scamper.sock")
        procs.start(["scamper", "-U", path], "scamper-local")
        wait_for(lambda: os.path.exists(path), what="scamper -U socket")
        target = ["-U", path]
    else:
        port = free_port()
        procs.start(["scamper", "-P", str(port)], "scamper-local")

        def up():
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return True
            except OSError:
                return False
        wait_for(up, what="scamper -P port")
        target = ["-p", str(port)]
    out = tmp_path / "local.warts"
    r = rattach(*target, "-P", "2", "-c", "ping -c 1", "-o", str(out),
                "127.0.0.1", "127.0.0.1")
    assert r.returncode == 0, r.stderr
    assert dump(str(out)).count("ping from 127.0.0.1 to 127.0.0.1") == 2


# fakescamper -------------------------------------------------------------------

@pytest.mark.parametrize("profile", ["2021", "2026"])
def test_fakescamper_dialects_and_rejected_command(remoted, fake, tmp_path,
                                                   profile):
    d = remoted()
    fake(d.port, "-M", "ra", "--profile", profile, "--time-scale", "0.01")
    sock = d.wait_socket(r"ra-.*")
    cmds = tmp_path / "cmds"
    cmds.write_text("ping -c 2 192.0.2.1\ntrace 198.51.100.6\n"
                    "ping -c 2 ::1\n")
    out = tmp_path / "ok.warts"
    r = rattach("-R", sock, "-i", str(cmds), "-o", str(out))
    assert r.returncode == 0, r.stderr
    objs = json_objs(str(out))
    # results come in completion order, between cycle start and stop
    assert objs[0]["type"] == "cycle-start"
    assert objs[-1]["type"] == "cycle-stop"
    assert sorted(o["type"] for o in objs[1:-1]) == ["ping", "ping",
                                                      "trace"]

    cmds.write_text("ping -c 1 192.0.2.1\nping -c 0 192.0.2.2\n"
                    "tracelb 192.0.2.3\nping -c 1 192.0.2.4\n")
    out = tmp_path / "err.warts"
    r = rattach("-R", sock, "-i", str(cmds), "-o", str(out))
    assert r.returncode == 1, r.stderr
    assert "(command: ping -c 0 192.0.2.2)" in r.stderr
    assert "(command: tracelb 192.0.2.3)" in r.stderr
    assert r.stderr.strip().splitlines()[-1] == \
        "sc_rattach: 2 of 4 commands were refused (ERR)"
    pings = [o for o in json_objs(str(out)) if o["type"] == "ping"]
    assert sorted(p["dst"] for p in pings) == ["192.0.2.1", "192.0.2.4"]


@pytest.mark.parametrize("mode", [[], ["-O", "impatient"], ["-O", "random"]])
def test_flow_control_modes(remoted, fake, tmp_path, mode):
    d = remoted()
    fake(d.port, "-M", "flow", "--time-scale", "0.01")
    sock = d.wait_socket(r"flow-.*")
    targets = [f"192.0.2.{i}" for i in range(1, 21)]
    out = tmp_path / "flow.warts"
    r = rattach("-R", sock, "-c", "ping -c 1", *mode, "-d", "-o", str(out),
                *targets)
    assert r.returncode == 0, r.stderr
    sent = re.findall(r"> ping -c 1 (\S+)", r.stderr)
    assert sorted(sent) == sorted(targets)
    if mode == ["-O", "random"]:
        assert sent != targets           # 1 chance in 20! of a false alarm
    lines = [l.split(": ", 1)[-1] for l in r.stderr.splitlines()]
    first_cmd = next(i for i, l in enumerate(lines) if l.startswith("> ping"))
    if mode == ["-O", "impatient"]:
        # all twenty go before the first OK comes back
        assert all(l.startswith("> ping")
                   for l in lines[first_cmd:first_cmd + 20])
    elif mode == []:
        # one command per MORE
        assert lines[first_cmd + 1] == "< OK id-1"
    dsts = [o["dst"] for o in json_objs(str(out)) if o["type"] == "ping"]
    assert sorted(dsts) == sorted(targets)


def test_stdin_incremental(remoted, fake, tmp_path):
    d = remoted()
    fake(d.port, "-M", "in", "--time-scale", "0.01")
    sock = d.wait_socket(r"in-.*")
    out = tmp_path / "stdin.warts"
    p = subprocess.Popen([binary("sc_rattach"), "-R", sock, "-i", "-",
                          "-o", str(out), "-c", "ping -c 1"],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    p.stdin.write("192.0.2.1\n")
    p.stdin.flush()
    # the first result is written before standard input ends
    wait_for(lambda: out.exists() and b"\x12\x05\x00\x07" in
             out.read_bytes(), what="first result")
    p.stdin.write("192.0.2.2")        # no final newline
    p.stdin.close()
    assert p.wait(30) == 0, p.stderr.read()
    assert len([o for o in json_objs(str(out)) if o["type"] == "ping"]) == 2


def test_matches_debian_sc_attach(remoted, fake, tmp_path):
    """Same job, same fake seed: Debian's sc_attach and ours write the same
    records, timestamps and the per-channel list name aside."""
    d = remoted()
    fake(d.port, "-M", "same", "--profile", "2021", "--seed", "7",
         "--time-scale", "0.01")
    sock = d.wait_socket(r"same-.*")
    targets = tmp_path / "t"
    targets.write_text("192.0.2.1\n198.51.100.6\n2001:db8::5\n")
    theirs, ours = tmp_path / "theirs.warts", tmp_path / "ours.warts"
    r = run(["sc_attach", "-R", sock, "-c", "ping -c 3", "-i",
             str(targets), "-o", str(theirs)])
    assert r.returncode == 0, r.stderr
    r = rattach("-R", sock, "-c", "ping -c 3", "-i", str(targets),
                "-o", str(ours))
    assert r.returncode == 0, r.stderr
    a, b = json_objs(str(theirs)), json_objs(str(ours))
    assert len(a) == len(b) == 5
    assert strip_timing(a) == strip_timing(b)
    # byte for byte, record for record, but for the same fields
    assert len(theirs.read_bytes()) == len(ours.read_bytes())


# exit statuses -----------------------------------------------------------------

def test_premature_close_and_timeout(remoted, fake, tmp_path, procs):
    d = remoted("-Z", "0")
    f = fake(d.port, "-M", "gone", "--time-scale", "1")
    sock = d.wait_socket(r"gone-.*")
    out = tmp_path / "gone.warts"
    p = subprocess.Popen([binary("sc_rattach"), "-R", sock, "-o", str(out),
                          "-c", "ping -c 30", "192.0.2.1"],
                         stderr=subprocess.PIPE, text=True)
    d.wait_log(r"gone-.*channel 1: local client connected")
    f.kill()                          # the VP vanishes; -Z 0 frees it
    assert p.wait(30) == 2
    err = p.stderr.read()
    assert err.strip().splitlines()[-1].startswith(
        "sc_rattach: connection closed"), err

    fake(d.port, "-M", "slow", "--time-scale", "1")
    sock = d.wait_socket(r"slow-.*")
    t0 = time.monotonic()
    r = rattach("-R", sock, "-o", str(out), "-t", "1", "-c", "ping -c 30",
                "192.0.2.1")
    assert r.returncode == 3
    assert r.stderr.strip() == "sc_rattach: timed out after 1 s"
    assert time.monotonic() - t0 < 5


def test_setup_and_usage_errors(tmp_path):
    out = str(tmp_path / "o.warts")
    r = rattach("-R", str(tmp_path / "nope"), "-o", out, "192.0.2.1")
    assert r.returncode == 4 and "cannot connect" in r.stderr
    r = rattach("-R", "x", "-o", str(tmp_path / "no" / "dir"), "192.0.2.1")
    assert r.returncode == 4 and "-o" in r.stderr
    r = rattach("-R", "x", "-i", str(tmp_path / "missing"), "-o", out)
    assert r.returncode == 4 and "-i" in r.stderr
    for args in (["-o", out, "192.0.2.1"], ["-R", "x", "192.0.2.1"],
                 ["-R", "x", "-U", "y", "-o", out, "192.0.2.1"],
                 ["-R", "x", "-o", out], ["-R", "x", "-o", out, "-O", "bad",
                                          "1.2.3.4"],
                 ["-R", "x", "-o", out, "-P", "2", "1.2.3.4"],
                 ["-p", "localhost:9", "-o", out, "1.2.3.4"],
                 ["-R", "x", "-o", out, "-t", "0", "1.2.3.4"]):
        r = rattach(*args)
        assert r.returncode == 64, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = rattach("-v")
    assert r.returncode == 0 and r.stdout.startswith("sc_rattach version")


# a scripted scamper for the parser -------------------------------------------

def uuencode(rec):
    out = b""
    for i in range(0, len(rec), 45):
        chunk = rec[i:i + 45]
        line = bytes([0x20 + len(chunk)])
        padded = chunk + b"\0" * (-len(chunk) % 3)
        for j in range(0, len(padded), 3):
            a, b, c = padded[j:j + 3]
            for v in (a >> 2, (a & 3) << 4 | b >> 4, (b & 15) << 2 | c >> 6,
                      c & 63):
                line += bytes([0x60 if v == 0 else 0x20 + v])
        out += line + b"\n"
    return out + b"`\n"


# warts-subset.md §10: the CYCLE_STOP and the LIST of vp1_0
STOP = bytes.fromhex("12 05 00 04 00 00 00 09 00 00 00 01 65 53 f1 05 00")
LIST = bytes.fromhex("12 05 00 01 00 00 00 0f 00 00 00 01 00 00 00 00"
                     "76 70 31 5f 30 00 00")


def data(rec, extra=""):
    block = uuencode(rec)
    assert uudecode_block(block) == rec
    return f"DATA {len(block)}{extra}\n".encode() + block


class Script:
    """A unix socket that answers each line sc_rattach sends from a table
    and records what it received."""

    def __init__(self, tmp_path, opening, replies, close_after=None):
        self.path = str(tmp_path / "script.sock")
        self.srv = socket.socket(socket.AF_UNIX)
        self.srv.bind(self.path)
        self.srv.listen(1)
        self.got = []
        self.t = threading.Thread(target=self.serve,
                                  args=(opening, replies, close_after))
        self.t.start()

    def serve(self, opening, replies, close_after):
        c, _ = self.srv.accept()
        c.sendall(opening)
        buf = b""
        c.settimeout(10)
        while True:
            try:
                d = c.recv(4096)
            except (socket.timeout, ConnectionResetError):
                break
            if not d:
                break
            buf += d
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.got.append(line.decode())
                reply = replies(line.decode())
                if reply is not None:
                    c.sendall(reply)
                if close_after and line.decode() == close_after:
                    c.close()
                    return
        c.close()

    def join(self):
        self.t.join(15)
        self.srv.close()


OPEN = b"MORE\n" + data(LIST)


def scripted(tmp_path, replies, opening=OPEN, close_after="done", args=()):
    s = Script(tmp_path, opening, replies, close_after)
    out = tmp_path / "s.warts"
    r = rattach("-R", s.path, "-o", str(out), *args, timeout=30)
    s.join()
    return r, s, out


def test_every_reply_form(tmp_path):
    # warts-subset.md §11.2: an unanswered IPv4 ping, 57 bytes
    ping = bytes.fromhex(
        "12 05 00 07 00 00 00 31 f3 fc 65 00 2a 00 00 00 01 00 00 00 01"
        "65 53 f1 01 00 03 d0 90 01 00 00 01 00 54 01 40 00 00 00 01 12 34"
        "04 01 c0 00 02 0a 04 01 c6 33 64 07 00 00")
    assert len(ping) == 57

    def replies(line):
        if line == "ping 192.0.2.1":
            return b"OK id-1\nMORE\n" + data(ping, " id-1 inprog") + \
                data(ping, " id-1")
        if line == "ping 192.0.2.2":
            return b"OK id-2\r\n" + b"MORE\n" + data(ping)
        if line == "halt 2":
            return b"OK halted 2\nMORE\n"
        if line == "done":
            return b"OK\n" + data(STOP)
    r, s, out = scripted(tmp_path, replies,
                         args=["-c", "ping", "192.0.2.1", "192.0.2.2"])
    assert r.returncode == 0, r.stderr
    assert s.got == ["ping 192.0.2.1", "ping 192.0.2.2", "done"]
    assert out.read_bytes() == LIST + ping + ping + ping + STOP


@pytest.mark.parametrize("case,status,message", [
    ("unknown-line", 2, "unknown lines"),
    ("bad-char", 2, "malformed DATA block"),
    ("short-count", 2, "DATA block"),
    ("not-warts", 2, "not warts"),
    ("bad-data-line", 2, "unparsable DATA line"),
    ("eof-in-block", 2, "inside a DATA block"),
    ("no-cycle-stop", 2, "before the cycle stop"),
    ("unsolicited-ok", 2, "answers no command"),
])
def test_malformed_replies(tmp_path, case, status, message):
    def replies(line):
        if line.startswith("ping"):
            if case == "unknown-line":
                return b"OK id-1\nHELLO there\nMORE\n"
            if case == "bad-char":
                return b"OK id-1\nMORE\nDATA 6\n1 @4\n`\n"
            if case == "short-count":
                return b"OK id-1\nMORE\n" + data(STOP).replace(b"DATA 28",
                                                               b"DATA 20")
            if case == "not-warts":
                return b"OK id-1\nMORE\n" + data(b"\x00" * 17)
            if case == "bad-data-line":
                return b"OK id-1\nMORE\nDATA x\n"
            if case == "eof-in-block":
                first = uuencode(STOP).split(b"\n")[0]
                return b"OK id-1\nMORE\nDATA 28\n" + first + b"\n"
            if case == "unsolicited-ok":
                return b"OK id-1\nOK\nMORE\n"
            return b"OK id-1\nMORE\n"
        if line == "done":
            if case == "no-cycle-stop":
                return b"OK\n"
            return b"OK\n" + data(STOP)
    close = "ping 1" if case == "eof-in-block" else "done"
    s = Script(tmp_path, OPEN, replies, close)
    out = tmp_path / "m.warts"
    p = subprocess.Popen([binary("sc_rattach"), "-R", s.path, "-o",
                          str(out), "ping 1"], stderr=subprocess.PIPE,
                         text=True)
    rc = p.wait(20)
    err = p.stderr.read()
    s.join()
    assert rc == status, err
    assert message in err.strip().splitlines()[-1], err
    # what arrived intact before the error is kept
    assert out.read_bytes().startswith(LIST)


def test_attach_refused(tmp_path):
    def replies(line):
        if line.startswith("attach"):
            return b"ERR invalid priority\n"
    s = Script(tmp_path, b"", replies, None)
    out = tmp_path / "a.warts"
    r = rattach("-U", s.path, "-P", "9", "-o", str(out), "192.0.2.1",
                timeout=30)
    s.join()
    assert r.returncode == 4
    assert s.got == ["attach priority 9"]
    assert "'attach priority 9' refused: ERR invalid priority" in r.stderr


def test_progress_line_on_a_terminal(remoted, fake, tmp_path):
    d = remoted()
    fake(d.port, "-M", "tty", "--time-scale", "0.3")
    sock = d.wait_socket(r"tty-.*")
    master, slave = pty.openpty()
    out = tmp_path / "tty.warts"
    p = subprocess.Popen([binary("sc_rattach"), "-R", sock, "-o", str(out),
                          "-c", "ping -c 2", "192.0.2.1", "192.0.2.2"],
                         stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert p.wait(30) == 0
    os.close(master)
    assert re.search(rb"sent \d+/2, results \d+, errors 0", seen), seen
    assert seen.endswith(b"\r\x1b[K")   # cleared at the end
