"""
Everything between this peer and one remote peer: the transport ladder and reliable delivery
(docs/protocol.md, "Between room clients").

  connecting --DataChannel open--> direct | turn
  connecting --P2P_TIMEOUT_S, ICE failure, or P2P off (either side)--> relay (through the hub)
  direct | turn --channel closed, ICE failed--> relay; the impolite side retries P2P with backoff

Whatever the path, DATA records are numbered per link and kept until acknowledged; on every path change
whatever is unacknowledged is sent again on the new path, and the receiver drops the duplicates.
"""
import asyncio
import base64
import binascii
import random
import time
from types import SimpleNamespace

from link_records import ACK, DATA, DATA_HEADER_BYTES, PING, PONG, ReliableReceiver, ReliableSender, WireError, decode_batch, encode_ack, encode_time
from p2p_attempt import P2PAttempt
from rtc_quirks import selected_path

# The TypeScript client's defaults (src/client/options.ts), but for the water marks.
P2P_TIMEOUT_S = 10.0  # how long a link waits for its DataChannel before it relays through the hub (default)
RETRY_MIN_S, RETRY_MAX_S = 1.0, 30.0  # backoff of the impolite side's new attempts (doubling, +-20% jitter)
BATCH_BYTES = 16 * 1024  # largest DataChannel message we build, and so the chunk size of large messages
# DataChannel bufferedAmount: stop writing above HIGH, again at LOW. Small: aiortc hands SCTP one message
# at a time (rtc_quirks.py), so records had better wait here, where they coalesce into full batches.
HIGH_WATER_BYTES, LOW_WATER_BYTES = 2 * BATCH_BYTES, BATCH_BYTES
ACK_DELAY_S = 0.02  # a receiver acknowledges within this (5x on the relay path: each ACK costs a hub frame)
RETRANSMIT_S = 1.5  # on the relay path, unacknowledged data goes again after this long without progress
PING_INTERVAL_S = 2.0
MAX_QUEUED_BYTES = 16 * 1024 * 1024  # unacknowledged bytes per link; beyond, send() refuses
RELAY_RETRY_S = 0.01  # while earlier relay frames wait for the hub's pacing, records coalesce here


class SendQueueFull(Exception):
    code = "send-queue-full"


class PeerLink:
    def __init__(self, peer_id, host):
        """host: local_id, p2p, p2p_timeout_s, ice_servers(), send_signal(to, data), send_relay(to, text), relay_idle(),
        relay_batch_bytes(), deliver(from, message, path), path_changed(peer, path, previous), problem(peer, text)."""
        self.peer_id, self.host = peer_id, host
        self.polite = host.local_id < peer_id  # both sides compute the same roles without talking
        self.path, self.p2p_path = "connecting", "direct"
        self.rtt_ms = None
        self.ice_state = "new"  # diagnostics, as the TypeScript link's iceState: new, connected, failed, or off
        self.sender, self.receiver = ReliableSender(), ReliableReceiver()
        self.control, self.data = [], []  # records to send: control (ACK, PING, PONG) before data
        self.attempt, self.channel, self.gen, self.retries = None, None, 0, 0
        self.remote_no_p2p = self.closed = self.ack_progress = False
        self.flush_handle = self.ack_handle = self.p2p_timer = self.retry_timer = None
        self.closing = []
        loop = asyncio.get_running_loop()
        self.ticks = [loop.call_later(PING_INTERVAL_S, self._ping), loop.call_later(RETRANSMIT_S, self._retransmit_if_stalled)]
        if not host.p2p:
            host.send_signal(peer_id, {"gen": 0, "noP2P": True})
            self.ice_state = "off"
            self._switch_to("relay")
        else:
            self._arm_p2p_timeout()
            if not self.polite:
                self._start_attempt()
        self._queue_control(encode_time(PING, now_ms()))

    def send(self, room, data, whisper):
        if self.sender.unacked_bytes > MAX_QUEUED_BYTES:
            raise SendQueueFull(f"more than {MAX_QUEUED_BYTES} bytes unacknowledged to {self.peer_id}")
        self.data.extend(self.sender.encode(room, data, whisper, BATCH_BYTES - DATA_HEADER_BYTES))
        self._schedule()

    def on_signal(self, data):
        """A `signal` from the peer: {gen, description?, candidate?, noP2P?, lost?}."""
        if self.closed:
            return
        gen = data["gen"]
        if data.get("noP2P"):
            self.remote_no_p2p, self.ice_state = True, "off"
            self._stop_attempt()
            self._cancel("retry_timer")
            self._switch_to("relay")
            return
        if not self.host.p2p:
            if (data.get("description") or {}).get("type") == "offer":
                self.host.send_signal(self.peer_id, {"gen": gen, "noP2P": True})
            return
        if data.get("lost"):
            if not self.polite and gen == self.gen:
                self._attempt_failed(self.attempt, "peer lost its channel")
            return
        if gen < self.gen:
            return  # an older attempt
        if gen > self.gen or self.attempt is None:
            if (data.get("description") or {}).get("type") != "offer":
                return  # only an offer starts an attempt here; stray candidates do not
            self.gen = gen
            self._start_attempt()
        self.attempt.handle(data)

    def on_relay(self, text):
        """The `l` of a hub `relay` from the peer: a batch in base64."""
        try:
            batch = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return self.host.problem(self.peer_id, "relay data that is not base64")
        self._receive(batch, "relay")

    def close(self):
        """Stops the link; returns a future done when its peer connection has closed."""
        if not self.closed:
            self.closed = True
            for handle in self.ticks + [self.flush_handle, self.ack_handle, self.p2p_timer, self.retry_timer]:
                if handle is not None:
                    handle.cancel()
            self._stop_attempt()
        return asyncio.gather(*self.closing)

    # ---- the ladder ----

    def _start_attempt(self):
        self._stop_attempt()
        gen = self.gen
        attempt = None

        def opened(channel, pc):
            if attempt is self.attempt:
                self.p2p_path = selected_path(pc)
                self._channel_opened(channel)

        events = SimpleNamespace(
            signal=lambda data: self.host.send_signal(self.peer_id, {"gen": gen, **data}),
            open=opened,
            failed=lambda reason: self._attempt_failed(attempt, reason),
        )
        attempt = P2PAttempt(gen, self.polite, self.host.ice_servers(), events)
        self.attempt = attempt

    def _stop_attempt(self):
        if self.attempt is not None:
            self.closing = [f for f in self.closing if not f.done()] + [self.attempt.close()]
        self.attempt = self.channel = None

    def _arm_p2p_timeout(self):
        self._cancel("p2p_timer")
        self.p2p_timer = asyncio.get_running_loop().call_later(self.host.p2p_timeout_s, self._p2p_timed_out)

    def _p2p_timed_out(self):
        if self.channel is not None or self.closed:
            return
        # The polite side keeps its attempt (the peer may still get through); the impolite one starts over.
        if self.polite:
            self._switch_to("relay")
        else:
            self._attempt_failed(self.attempt, "timed out")

    def _channel_opened(self, channel):
        self._cancel("p2p_timer")
        self._cancel("retry_timer")
        self.retries, self.ice_state = 0, "connected"
        self.channel = channel
        channel.bufferedAmountLowThreshold = LOW_WATER_BYTES
        channel.on("bufferedamountlow", self._schedule)
        channel.on("message", lambda m: self._receive(m, self.p2p_path) if isinstance(m, bytes) and self.channel is channel else None)
        self._switch_to(self.p2p_path)

    def _switch_to(self, path):
        """Sends on `path` from now on, starting with whatever is unacknowledged."""
        if path != self.path and not self.closed:
            previous, self.path = self.path, path
            self.host.path_changed(self.peer_id, path, previous)
        self.data = self.sender.pending()
        self._schedule()

    def _attempt_failed(self, attempt, reason):
        if self.closed or attempt is not self.attempt:
            return
        self._cancel("p2p_timer")  # this failure is counted once: the retry arms a new timeout
        self._stop_attempt()
        self.ice_state = "failed"
        self._switch_to("relay")
        if self.remote_no_p2p:
            return
        if self.polite:
            self.host.send_signal(self.peer_id, {"gen": self.gen, "lost": True})
            return
        self._cancel("retry_timer")
        delay = min(RETRY_MAX_S, RETRY_MIN_S * 2 ** self.retries) * (0.8 + random.random() * 0.4)
        self.retries += 1
        self.retry_timer = asyncio.get_running_loop().call_later(delay, self._retry)

    def _retry(self):
        if self.closed or self.channel is not None:
            return
        self.gen += 1
        self._arm_p2p_timeout()
        self._start_attempt()

    def _cancel(self, name):
        handle = getattr(self, name)
        if handle is not None:
            handle.cancel()
        setattr(self, name, None)

    # ---- sending ----

    def _queue_control(self, record):
        if not self.closed:
            self.control.append(record)
            self._schedule()

    def _schedule(self):
        """Writes soon: everything sent in the current callback goes out in the same batches."""
        if self.flush_handle is None and not self.closed:
            self.flush_handle = asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self):
        self.flush_handle = None
        if self.path == "relay":
            if not self.host.relay_idle():
                self.flush_handle = asyncio.get_running_loop().call_later(RELAY_RETRY_S, self._flush)
                return
            limit = self.host.relay_batch_bytes()
            while self.control or self.data:
                self.host.send_relay(self.peer_id, base64.b64encode(self._take_batch(limit)).decode("ascii"))
            return
        channel = self.channel
        if channel is None or channel.readyState != "open":
            return  # no path yet: everything waits
        try:
            while (self.control or self.data) and channel.bufferedAmount < HIGH_WATER_BYTES:
                channel.send(self._take_batch(BATCH_BYTES))
        except Exception as err:  # the channel's transport is gone; what was taken is still unacknowledged
            self._attempt_failed(self.attempt, f"send failed: {err!r}")
        # the rest goes on bufferedamountlow

    def _take_batch(self, limit):
        """Control records first, then data, up to `limit` bytes (at least one record)."""
        parts, size = [], 0
        for queue in (self.control, self.data):
            n = 0
            while n < len(queue) and (not parts or size + len(queue[n]) <= limit):
                size += len(queue[n])
                parts.append(queue[n])
                n += 1
            del queue[:n]
        return b"".join(parts)

    # ---- receiving ----

    def _receive(self, batch, path):
        if self.closed:
            return
        try:
            records = decode_batch(batch)
        except WireError as err:
            return self.host.problem(self.peer_id, f"batch refused: {err}")  # nothing of it is used
        got_data = False
        for record in records:
            kind = record[0]
            if kind == DATA:
                got_data = True
                messages, problems = self.receiver.receive(*record[1:])
                for message in messages:
                    self.host.deliver(self.peer_id, message, path)
                for problem in problems:
                    self.host.problem(self.peer_id, problem)
            elif kind == ACK:
                self.ack_progress = self.sender.acknowledge(record[1]) or self.ack_progress
            elif kind == PING:
                self._queue_control(encode_time(PONG, record[1]))
            elif kind == PONG:
                self.rtt_ms = max(0.0, now_ms() - record[1])
            # FWD (star topology) is not implemented by this peer: ignored
        if got_data and self.ack_handle is None:
            delay = ACK_DELAY_S * (5 if self.path == "relay" else 1)
            self.ack_handle = asyncio.get_running_loop().call_later(delay, self._ack)

    def _ack(self):
        self.ack_handle = None
        self._queue_control(encode_ack(self.receiver.acknowledged))

    # ---- timers ----

    def _ping(self):
        self._queue_control(encode_time(PING, now_ms()))
        self.ticks[0] = asyncio.get_running_loop().call_later(PING_INTERVAL_S, self._ping)

    def _retransmit_if_stalled(self):
        """On the relay path nothing else notices a frame the hub dropped (rate-limited): resend."""
        stalled = self.path == "relay" and self.sender.unacked and not self.ack_progress and self.host.relay_idle()
        self.ack_progress = False
        if stalled:
            self._switch_to("relay")
        self.ticks[1] = asyncio.get_running_loop().call_later(RETRANSMIT_S, self._retransmit_if_stalled)


def now_ms():
    return time.monotonic() * 1000
