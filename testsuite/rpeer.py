"""A small scamper-side peer speaking the raw remote-control protocol.

It does what real scamper does on the wire (remote-protocol.md §3-§6) and
lets a test break any rule on purpose.  Reliable messages it receives are
ACKed automatically, in order, as scamper does.
"""
import os
import socket
import struct
import time

MASTER_NEW, MASTER_ID, CHANNEL_NEW, CHANNEL_FIN, KEEPALIVE, ACK, \
    MASTER_RES, MASTER_REJ, MASTER_OK = range(9)

HDR = struct.Struct(">IIH")


def frame(seq, channel, payload):
    return HDR.pack(seq, channel, len(payload)) + payload


def take_frame(buf):
    """((seq, channel, payload), rest) if buf starts with a whole message,
    else None."""
    if len(buf) >= HDR.size:
        seq, ch, ln = HDR.unpack_from(buf)
        if len(buf) >= HDR.size + ln:
            return (seq, ch, buf[HDR.size:HDR.size + ln]), buf[HDR.size + ln:]
    return None


def recv_frame(sock, buf, timeout, what):
    """Read sock until buf holds a whole message: ((seq, channel, payload),
    rest).  Closed on EOF or reset, TimeoutError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = take_frame(buf)
        if got is not None:
            return got
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no message from {what}")
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            raise Closed()
        buf += data


def new_body(magic, monitor=None):
    body = bytes([MASTER_NEW, len(magic)]) + magic
    if monitor is None:
        return body + b"\0"
    name = monitor.encode() if isinstance(monitor, str) else monitor
    return body + bytes([len(name) + 1]) + name + b"\0"


class Closed(Exception):
    """The controller closed the connection."""


class Peer:
    def __init__(self, port, host="127.0.0.1", magic=None, monitor=None):
        self.port = port
        self.host = host
        self.magic = magic if magic is not None else os.urandom(8)
        self.monitor = monitor
        self.snd_nxt = 0
        self.rcv_nxt = 0
        self.queue = []             # unacknowledged (seq, channel, payload)
        self.alias = None
        self.sock = None
        self.buf = b""
        self.channels = {}          # id -> bytearray of received data
        self.fins = set()           # channels the controller sent FIN on
        self.keepalives = 0
        self.connect()

    # transport -----------------------------------------------------------

    def connect(self):
        self.sock = socket.create_connection((self.host, self.port),
                                             timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def local_name(self):
        host, port = self.sock.getsockname()[:2]
        return f"{host}.{port}" if ":" in host else f"{host}:{port}"

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_msg(self, seq, channel, payload):
        self.send_raw(frame(seq, channel, payload))

    def recv_msg(self, timeout=10.0):
        """One whole message as (seq, channel, payload); Closed on EOF."""
        msg, self.buf = recv_frame(self.sock, self.buf, timeout,
                                   "the controller")
        return msg

    def wait_closed(self, timeout=10.0):
        """True once the controller closes; discards what it sends."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.recv_msg(deadline - time.monotonic())
            except Closed:
                return True
            except (TimeoutError, socket.timeout):
                return False
        return False

    # sessions ------------------------------------------------------------

    def register(self):
        self.send_msg(0, 0, new_body(self.magic, self.monitor))
        seq, ch, p = self.recv_msg()
        assert (seq, ch, p[0]) == (0, 0, MASTER_ID), p
        n = p[1]
        assert p[1 + n] == 0
        self.alias = p[2:1 + n].decode()
        return self.alias

    def resume(self):
        """Reconnect and send MASTER_RES; returns the reply type."""
        self.close()
        self.connect()
        una = self.queue[0][0] if self.queue else self.snd_nxt
        body = bytes([MASTER_RES, len(self.magic)]) + self.magic + \
            struct.pack(">III", self.rcv_nxt, una, self.snd_nxt)
        self.send_msg(0, 0, body)
        seq, ch, p = self.recv_msg()
        assert seq == 0 and ch == 0
        if p[0] == MASTER_OK:
            (value,) = struct.unpack(">I", p[1:5])
            self.queue = [m for m in self.queue
                          if ((m[0] - value) & 0xffffffff) < 0x80000000]
            for m in self.queue:
                self.send_msg(*m)
        return p[0]

    # reliable sends ------------------------------------------------------

    def send_reliable(self, channel, payload):
        m = (self.snd_nxt, channel, payload)
        self.snd_nxt = (self.snd_nxt + 1) & 0xffffffff
        self.queue.append(m)
        self.send_msg(*m)

    def send_data(self, channel, data):
        self.send_reliable(channel, data)

    def send_fin(self, channel):
        self.send_reliable(0, struct.pack(">BI", CHANNEL_FIN, channel))

    def send_keepalive(self):
        self.send_msg(self.snd_nxt, 0, bytes([KEEPALIVE]))

    # receiving -----------------------------------------------------------

    def _ack(self, seq):
        assert seq == self.rcv_nxt, (seq, self.rcv_nxt)
        self.send_msg(self.snd_nxt, 0, struct.pack(">BI", ACK, seq))
        self.rcv_nxt = (self.rcv_nxt + 1) & 0xffffffff

    def handle(self, msg):
        """Process one message as scamper would; returns an event tuple."""
        seq, ch, p = msg
        if ch != 0:
            self._ack(seq)
            self.channels.setdefault(ch, bytearray()).extend(p)
            return ("data", ch, p)
        t = p[0]
        if t == ACK:
            (v,) = struct.unpack(">I", p[1:])
            assert self.queue and self.queue[0][0] == v, (v, self.queue)
            self.queue.pop(0)
            return ("ack", v)
        if t == KEEPALIVE:
            self.keepalives += 1
            return ("keepalive", seq)
        if t in (CHANNEL_NEW, CHANNEL_FIN):
            self._ack(seq)
            (cid,) = struct.unpack(">I", p[1:5])
            if t == CHANNEL_NEW:
                self.channels[cid] = bytearray()
                return ("new", cid)
            self.fins.add(cid)
            return ("fin", cid)
        return ("other", t, p)

    def pump_until(self, pred, timeout=10.0):
        """Handle messages until pred(event) is true; returns that event."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("condition not met")
            ev = self.handle(self.recv_msg(left))
            if pred(ev):
                return ev

    def wait_channel(self, timeout=10.0):
        return self.pump_until(lambda e: e[0] == "new", timeout)[1]

    def wait_data(self, channel, data, timeout=10.0):
        """Until the channel's received bytes end with data."""
        return self.pump_until(
            lambda e: bytes(self.channels.get(channel, b"")).endswith(data),
            timeout)

    def settle(self, timeout=10.0):
        """Until every message we sent has been ACKed."""
        if self.queue:
            self.pump_until(lambda e: not self.queue, timeout)
