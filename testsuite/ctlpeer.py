"""A controller-side raw peer: a listening socket that plays sc_remoted
by hand, to check what fakescamper sends (remote-protocol.md)."""
import socket
import struct

from rpeer import (ACK, CHANNEL_NEW, HDR, MASTER_ID, MASTER_NEW,
                   MASTER_RES, Closed, recv_frame)


class Conn:
    """One accepted connection from fakescamper."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.snd_nxt = 0

    def send(self, seq, ch, payload):
        self.sock.sendall(HDR.pack(seq, ch, len(payload)) + payload)

    def recv(self, timeout=10.0):
        msg, self.buf = recv_frame(self.sock, self.buf, timeout,
                                   "fakescamper")
        return msg

    def recv_nothing(self, seconds):
        """True if nothing arrives for `seconds` (EOF counts as nothing)."""
        try:
            self.recv(seconds)
        except (TimeoutError, Closed):
            return True
        return False

    def master_id(self, alias="192.0.2.1:1234"):
        a = alias.encode() + b"\0"
        self.send(0, 0, bytes([MASTER_ID, len(a)]) + a)

    def reliable(self, ch, payload):
        self.send(self.snd_nxt, ch, payload)
        self.snd_nxt += 1

    def channel_new(self, cid):
        self.reliable(0, struct.pack(">BI", CHANNEL_NEW, cid))

    def ack(self, seq):
        self.send(self.snd_nxt, 0, struct.pack(">BI", ACK, seq))

    def close(self):
        self.sock.close()


class Controller:
    def __init__(self):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]

    def accept(self, timeout=10.0):
        self.lsock.settimeout(timeout)
        s, _ = self.lsock.accept()
        return Conn(s)

    def close(self):
        self.lsock.close()


def parse_new(p):
    assert p[0] == MASTER_NEW
    n = p[1]
    magic = p[2:2 + n]
    rest = p[2 + n:]
    mon = rest[1:rest[0]].rstrip(b"\0").decode() if rest and rest[0] else None
    return magic, mon


def parse_res(p):
    assert p[0] == MASTER_RES
    n = p[1]
    magic = p[2:2 + n]
    return (magic,) + struct.unpack(">III", p[2 + n:2 + n + 12])
