"""
The link records two roomwire peers exchange (docs/protocol.md, "Link records"), and reliable delivery on
top of them. Pure: no sockets, no asyncio, so that it can be read and tested on its own.

A batch is records back to back, integers big-endian:
  DATA  0x01 seq:u32 flags:u8 length:u32 payload
  ACK   0x02 seq:u32
  PING  0x03 time:f64
  PONG  0x04 time:f64
  FWD   0x05 peerLength:u8 peer:utf8 length:u32 batch   (star topology: recognised, not used here)
"""
import struct

DATA, ACK, PING, PONG, FWD = 1, 2, 3, 4, 5
FIRST, LAST, BINARY, WHISPER, HISTORY = 1, 2, 4, 8, 16
DATA_HEADER_BYTES = 10

# Bounds on what a peer can make us keep (a hostile peer must not grow our memory without bound).
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # one reassembled message (the TypeScript sender's maxQueuedBytes)
MAX_EARLY_CHUNKS = 4096  # chunks kept that arrived ahead of a gap (the sender resends the rest)
MAX_EARLY_BYTES = 8 * 1024 * 1024  # and their payload bytes


class WireError(ValueError):
    """A truncated or unknown record: the whole batch is refused (the sender resends what mattered)."""


def encode_data(seq, flags, payload):
    return struct.pack(">BIBI", DATA, seq, flags, len(payload)) + payload


def encode_ack(seq):
    return struct.pack(">BI", ACK, seq)


def encode_time(kind, time_ms):
    return struct.pack(">Bd", kind, time_ms)


def decode_batch(batch):
    """The records of a batch as tuples: (DATA, seq, flags, payload), (ACK, seq), (PING|PONG, time),
    (FWD, peer, batch). Raises WireError if any record is truncated or of an unknown kind."""
    records = []
    i, n = 0, len(batch)
    while i < n:
        kind = batch[i]
        if kind == DATA:
            if i + DATA_HEADER_BYTES > n:
                raise WireError("truncated DATA header")
            seq, flags, length = struct.unpack_from(">IBI", batch, i + 1)
            end = i + DATA_HEADER_BYTES + length
            if end > n:
                raise WireError("truncated DATA payload")
            records.append((DATA, seq, flags, bytes(batch[i + DATA_HEADER_BYTES:end])))
        elif kind == ACK:
            end = i + 5
            if end > n:
                raise WireError("truncated ACK")
            records.append((ACK, struct.unpack_from(">I", batch, i + 1)[0]))
        elif kind in (PING, PONG):
            end = i + 9
            if end > n:
                raise WireError("truncated PING/PONG")
            records.append((kind, struct.unpack_from(">d", batch, i + 1)[0]))
        elif kind == FWD:
            if i + 2 > n:
                raise WireError("truncated FWD")
            id_end = i + 2 + batch[i + 1]
            if id_end + 4 > n:
                raise WireError("truncated FWD header")
            end = id_end + 4 + struct.unpack_from(">I", batch, id_end)[0]
            if end > n:
                raise WireError("truncated FWD batch")
            records.append((FWD, batch[i + 2:id_end].decode("utf-8", "replace"), bytes(batch[id_end + 4:end])))
        else:
            raise WireError(f"unknown record kind {kind}")
        i = end
    return records


class ReliableSender:
    """Numbers chunks per link from 1 and keeps each DATA record until an ACK covers it."""

    def __init__(self):
        self.next_seq = 1
        self.unacked = []  # [(seq, record)], oldest first
        self.unacked_bytes = 0

    def encode(self, room, data, whisper, chunk_bytes):
        """The DATA records of one message. The first chunk's payload starts with roomLength:u8 room:utf8."""
        room_bytes = room.encode("utf-8")
        body = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        whole = bytes([len(room_bytes)]) + room_bytes + body
        kind = (0 if isinstance(data, str) else BINARY) | (WHISPER if whisper else 0)
        records = []
        offset = 0
        while True:
            end = min(len(whole), offset + chunk_bytes)
            flags = kind | (FIRST if offset == 0 else 0) | (LAST if end == len(whole) else 0)
            record = encode_data(self.next_seq, flags, whole[offset:end])
            self.unacked.append((self.next_seq, record))
            self.unacked_bytes += len(record)
            self.next_seq += 1
            records.append(record)
            if end == len(whole):
                return records
            offset = end

    def acknowledge(self, seq):
        drop = 0
        while drop < len(self.unacked) and self.unacked[drop][0] <= seq:
            self.unacked_bytes -= len(self.unacked[drop][1])
            drop += 1
        if drop:
            del self.unacked[:drop]
        return drop > 0

    def pending(self):
        """Every unacknowledged record, oldest first: what to send again on a new path."""
        return [record for _, record in self.unacked]


class Message:
    def __init__(self, room, data, whisper, history=None):
        self.room, self.data, self.whisper, self.history = room, data, whisper, history


class ReliableReceiver:
    """Puts chunks back in order, drops duplicates, reassembles messages, all within the bounds above."""

    def __init__(self, max_message_bytes=MAX_MESSAGE_BYTES, max_early_chunks=MAX_EARLY_CHUNKS, max_early_bytes=MAX_EARLY_BYTES):
        self.expected = 1
        self.early = {}  # seq -> (flags, payload)
        self.early_bytes = 0
        self.partial = None  # list of payloads of the message being reassembled, or None
        self.partial_bytes = 0
        self.partial_flags = 0
        self.skipping = False  # dropping the rest of a refused message
        self.limits = (max_message_bytes, max_early_chunks, max_early_bytes)

    @property
    def acknowledged(self):
        return self.expected - 1

    def receive(self, seq, flags, payload):
        """Takes one DATA record. Returns (messages completed, in order; problems, as strings)."""
        done, problems = [], []
        if seq < self.expected or seq in self.early:
            return done, problems  # a duplicate: the path changed and the sender resent
        if seq > self.expected:
            _, max_chunks, max_bytes = self.limits
            if seq - self.expected <= max_chunks and len(self.early) < max_chunks and self.early_bytes + len(payload) <= max_bytes:
                self.early[seq] = (flags, payload)
                self.early_bytes += len(payload)
            return done, problems  # beyond the bounds: dropped; the sender resends it after the gap
        self._take(flags, payload, done, problems)
        while self.expected in self.early:
            flags, payload = self.early.pop(self.expected)
            self.early_bytes -= len(payload)
            self._take(flags, payload, done, problems)
        return done, problems

    def _take(self, flags, payload, done, problems):
        self.expected += 1
        if flags & FIRST:
            self.partial, self.partial_bytes, self.partial_flags, self.skipping = [], 0, flags, False
        elif self.partial is None:
            if not self.skipping:
                problems.append("a chunk without the first chunk of its message")
            return
        self.partial.append(payload)
        self.partial_bytes += len(payload)
        if self.partial_bytes > self.limits[0]:
            problems.append(f"a message larger than {self.limits[0]} bytes")
            self.partial, self.skipping = None, not flags & LAST
            return
        if not flags & LAST:
            return
        whole = b"".join(self.partial)
        self.partial = None
        try:
            done.append(parse_message(whole, self.partial_flags))
        except (IndexError, struct.error, UnicodeDecodeError):
            problems.append("a message with a malformed header")


def parse_message(whole, flags):
    """roomLength:u8 room:utf8 [originLength:u8 origin:utf8 at:f64 when HISTORY] body."""
    room_end = 1 + whole[0]
    if room_end > len(whole):
        raise IndexError("room name beyond the message")
    room = whole[1:room_end].decode("utf-8")
    offset, history = room_end, None
    if flags & HISTORY:
        origin_end = offset + 1 + whole[offset]
        (at,) = struct.unpack_from(">d", whole, origin_end)
        history = (whole[offset + 1:origin_end].decode("utf-8"), at)
        offset = origin_end + 8
    body = whole[offset:]
    data = body if flags & BINARY else body.decode("utf-8", "replace")  # like TextDecoder: never throws
    return Message(room, data, bool(flags & WHISPER), history)
