"""Fixtures: our binaries, the real Debian ones, free ports, process
lifetimes, and waiting on conditions (never on fixed sleeps)."""
import os
import re
import signal
import socket
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SC_BIN") or os.path.join(ROOT, "build", "bin")
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


def binary(name):
    path = os.path.join(BIN, name)
    assert os.access(path, os.X_OK), f"{path} not built"
    return path


def free_port(family=socket.AF_INET):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond, timeout=10.0, what="condition"):
    """Poll cond() until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting "
                                 f"for {what}")
        time.sleep(0.02)


class Daemon:
    """One sc_remoted process with its log and its -U directory."""

    def __init__(self, tmp_path, args=(), port=None, listen=None,
                 unix_dir=True, exe=None):
        self.tmp = tmp_path
        self.port = port or free_port()
        self.dir = str(tmp_path / f"vps-{self.port}")
        os.makedirs(self.dir, exist_ok=True)
        self.logpath = str(tmp_path / f"remoted-{self.port}.log")
        cmd = [exe or binary("sc_remoted"),
               "-P", listen or f"127.0.0.1:{self.port}", "-O", "debug"]
        if unix_dir:
            cmd += ["-U", self.dir]
        cmd += list(args)
        self.cmd = cmd
        self.foreign = exe is not None
        self.logf = open(self.logpath, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        self.wait_listening()

    def wait_listening(self):
        if self.foreign:
            # the reference daemon logs nothing when ready
            def bound():
                assert self.proc.poll() is None, self.log()
                out = subprocess.run(["ss", "-Htln", f"sport = :{self.port}"],
                                     capture_output=True, text=True).stdout
                return f":{self.port}" in out
            wait_for(bound, what="the reference sc_remoted to listen")
            return

        # sockets are bound before this line is logged
        def up():
            if self.proc.poll() is not None:
                raise AssertionError(f"sc_remoted exited "
                                     f"{self.proc.returncode}:\n{self.log()}")
            return "listening on" in self.log()
        wait_for(up, what="sc_remoted to listen")

    def log(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout=10.0, count=1):
        rx = re.compile(pattern)
        return wait_for(lambda: len(rx.findall(self.log())) >= count and
                        rx.findall(self.log()), timeout,
                        f"log line /{pattern}/")

    def sockets(self):
        return sorted(os.listdir(self.dir))

    def wait_socket(self, pattern=".*", timeout=10.0, exclude=()):
        rx = re.compile(pattern)

        def find():
            for n in self.sockets():
                if rx.fullmatch(n) and n not in exclude:
                    return os.path.join(self.dir, n)
            return None
        return wait_for(find, timeout, f"socket /{pattern}/ in {self.dir}")

    def stop(self, sig=signal.SIGINT, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("sc_remoted did not exit on signal")
        self.logf.close()
        return self.proc.returncode

    def check_clean(self):
        log = self.log()
        for mark in SANITIZER_MARKS:
            assert mark not in log, log


REFERENCE_REMOTED = "/usr/bin/sc_remoted"


@pytest.fixture
def remoted(tmp_path):
    """Factory: remoted(args...) starts a daemon; all are stopped, and must
    exit 0 with no sanitizer report, at teardown."""
    daemons = []

    def start(*args, **kw):
        d = Daemon(tmp_path, args, **kw)
        daemons.append(d)
        return d
    yield start
    for d in daemons:
        rc = d.stop()
        if d.foreign:
            continue
        d.check_clean()
        assert rc == 0, f"sc_remoted exited {rc}\n{d.log()}"


class Procs:
    """Background helper processes, killed at teardown."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.procs = []

    def start(self, cmd, name):
        log = open(self.tmp / f"{name}.log", "w")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        p.logpath = self.tmp / f"{name}.log"
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


@pytest.fixture
def procs(tmp_path):
    ps = Procs(tmp_path)
    yield ps
    ps.stop_all()


@pytest.fixture
def scamper(procs):
    """Factory: the real Debian scamper dialling a controller."""
    def start(port, monitor=None, host="127.0.0.1"):
        cmd = ["scamper", "-R", f"{host}:{port}", "-O", "notls-remote"]
        if monitor:
            cmd += ["-M", monitor]
        return procs.start(cmd, f"scamper-{port}-{len(procs.procs)}")
    return start


@pytest.fixture
def fake(procs):
    """Factory: fakescamper dialling port, with extra options."""
    def start(port, *opts, host="127.0.0.1"):
        cmd = [binary("fakescamper"), "-R", f"{host}:{port}", "-d", *opts]
        return procs.start(cmd, f"fake-{port}-{len(procs.procs)}")
    return start


def proc_log(p):
    with open(p.logpath, errors="replace") as f:
        return f.read()


def unix_connect(path, timeout=10.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def recv_until(sock, pred, timeout=10.0):
    """Read from sock until pred(data) holds or EOF; returns (data, eof)."""
    data = b""
    deadline = time.monotonic() + timeout
    while not pred(data):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out; received {data[-300:]!r}")
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            return data, True
        data += chunk
    return data, False


def read_to_eof(sock, timeout=10.0):
    data, eof = recv_until(sock, lambda d: False, timeout)
    return data


def run(cmd, timeout=60, **kw):
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, **kw)
