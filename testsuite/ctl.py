"""Reading scamper's text control protocol (control-protocol.md) in tests:
text lines, and DATA blocks decoded to warts records."""
import time


def uudecode_block(text):
    """Decode the lines of one DATA block (terminator included)."""
    out = bytearray()
    lines = text.split(b"\n")
    assert lines[-1] == b"", "block must end with a newline"
    assert lines[-2] == b"`", "block must end with the ` terminator line"
    for line in lines[:-2]:
        n = (line[0] - 0x20) & 0x3f
        dec = bytearray()
        for i in range(1, len(line), 4):
            c = [(ch - 0x20) & 0x3f for ch in line[i:i + 4]]
            dec += bytes([(c[0] << 2 | c[1] >> 4) & 0xff,
                          (c[1] << 4 | c[2] >> 2) & 0xff,
                          (c[2] << 6 | c[3]) & 0xff])
        out += dec[:n]
    return bytes(out)


class Ctl:
    """A reader over a connected socket to one channel."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.raw = b""          # every byte received, in order
        self.eof = False

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out; buffered {self.buf[-200:]!r}")
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            return False
        self.buf += data
        self.raw += data
        return True

    def _take_line(self, deadline):
        while b"\n" not in self.buf:
            if not self._fill(deadline):
                return None
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def event(self, timeout=30.0):
        """('line', text), ('data', header, record) or None at EOF."""
        deadline = time.monotonic() + timeout
        line = self._take_line(deadline)
        if line is None:
            return None
        text = line.decode()
        if text.startswith("DATA "):
            n = int(text.split()[1])
            while len(self.buf) < n:
                if not self._fill(deadline):
                    raise AssertionError("EOF inside a DATA block")
            block, self.buf = self.buf[:n], self.buf[n:]
            return ("data", text, uudecode_block(block))
        return ("line", text)

    def until(self, pred, timeout=30.0):
        """Collect events until pred(event); returns the list."""
        deadline = time.monotonic() + timeout
        evs = []
        while True:
            ev = self.event(max(deadline - time.monotonic(), 0.001))
            if ev is None:
                raise AssertionError(f"EOF; events so far {evs}")
            evs.append(ev)
            if pred(ev):
                return evs

    def all(self, timeout=60.0):
        """Every event until EOF."""
        deadline = time.monotonic() + timeout
        evs = []
        while True:
            ev = self.event(max(deadline - time.monotonic(), 0.001))
            if ev is None:
                return evs
            evs.append(ev)

    def send(self, text):
        self.sock.sendall(text.encode())


def record_type(rec):
    assert rec[:2] == b"\x12\x05", rec[:4]
    return rec[2] << 8 | rec[3]


WARTS_LIST, WARTS_CYCLE_START, WARTS_CYCLE_STOP = 1, 2, 4
WARTS_TRACE, WARTS_PING = 6, 7


TIMING = {"start", "start_time", "stop_time", "list_name", "tx", "rx"}


def strip_timing(o):
    """A sc_warts2json object without what differs between identical runs:
    timestamps, and the list name (it carries the source port)."""
    if isinstance(o, dict):
        return {k: strip_timing(v) for k, v in o.items() if k not in TIMING}
    if isinstance(o, list):
        return [strip_timing(v) for v in o]
    return o
