"""
The signaling WebSocket to a roomwire hub: JSON text frames, the hub's `welcome` first, requests answered
by `ref`, and everything we send paced under welcome.limits (docs/protocol.md, "Hub -> client").
No reconnect or resume here: if the socket drops, the peer ends (see README.md).
"""
import asyncio
import json
import time
from collections import deque

import websockets

# Pace 10% under the announced rates, as the TypeScript client does, so that clock differences never
# trip the hub's own buckets (which drop the message and answer `rate-limited`).
RATE_HEADROOM = 0.9


class TokenBucket:
    """`capacity` tokens, refilled at `rate` per second; the hub limits each connection with the same."""

    def __init__(self, rate, capacity):
        self.rate, self.capacity = rate, capacity
        self.tokens, self.last = capacity, time.monotonic()

    def wait_seconds(self, cost=1):
        """Seconds until `cost` tokens are there (0: now)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        return 0 if self.tokens >= cost else (cost - self.tokens) / self.rate

    def take(self, cost=1):
        self.tokens -= cost


class HubSocket:
    def __init__(self, url, on_message):
        self.url = url
        self.on_message = on_message  # called with every hub message but `welcome` (answers too); must not raise
        self.welcome = None
        self.ws = None
        self.outbox = deque()
        self.wakeup = asyncio.Event()
        self.waiters = {}  # request id -> future of the answer (or error)
        self.next_request = 1
        self.tasks = []

    @property
    def peer_id(self):
        return self.welcome["peerId"]

    @property
    def idle(self):
        """Everything handed over so far has left for the hub."""
        return not self.outbox

    @property
    def max_frame_bytes(self):
        return self.welcome["limits"]["maxFrameBytes"]

    async def connect(self):
        """Opens the socket and waits for `welcome`. Raises OSError/websockets errors if unreachable."""
        # The hub pings us (heartbeatIntervalMs); websockets answers by itself. The hub sends no compressed
        # frames, and a frame over its hardMaxFrameBytes (1 MiB) would never come from it.
        self.ws = await websockets.connect(self.url, compression=None, ping_interval=None, max_size=1 << 20)
        welcome = json.loads(await self.ws.recv())
        if welcome.get("type") != "welcome":
            raise ConnectionError(f"the hub's first frame is not a welcome: {welcome.get('type')}")
        self.welcome = welcome
        limits = welcome["limits"]
        self.messages = TokenBucket(limits["messagesPerSecond"] * RATE_HEADROOM, limits["messageBurst"] * RATE_HEADROOM)
        self.bytes = TokenBucket(limits["bytesPerSecond"] * RATE_HEADROOM, limits["byteBurst"] * RATE_HEADROOM)
        self.tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._pump())]

    def send(self, message):
        """Queues a message; it leaves in order, paced."""
        self.outbox.append(json.dumps(message, separators=(",", ":")))  # ASCII only: len() is its byte size
        self.wakeup.set()

    async def request(self, message, answer, timeout_s=15):
        """Sends `message` with an id and returns the hub's answer of type `answer`; raises on `error`."""
        request_id = f"q{self.next_request}"
        self.next_request += 1
        future = asyncio.get_running_loop().create_future()
        self.waiters[request_id] = future
        self.send({**message, "id": request_id})
        try:
            reply = await asyncio.wait_for(future, timeout_s)
        finally:
            self.waiters.pop(request_id, None)
        if reply["type"] == "error":
            raise HubError(reply["code"], reply.get("message", ""))
        if reply["type"] != answer:
            raise HubError("bad-message", f"expected {answer}, got {reply['type']}")
        return reply

    async def closed(self):
        """Returns when the socket has closed (either side)."""
        await self.ws.wait_closed()

    async def close(self):
        for task in self.tasks:
            task.cancel()
        if self.ws is not None:
            await self.ws.close(1000, "bye")

    async def _read(self):
        try:
            async for raw in self.ws:
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue  # the hub sends JSON; anything else is not ours to act on
                if not isinstance(message, dict):
                    continue
                # The answer's state is applied here, before the next frame is read: a `peer-joined` right
                # behind our `joined` must find the room already there.
                self.on_message(message)
                waiter = self.waiters.get(message.get("ref"))
                if waiter is not None and not waiter.done():
                    waiter.set_result(message)
        except websockets.ConnectionClosed:
            pass

    async def _pump(self):
        while True:
            if not self.outbox:
                self.wakeup.clear()
                await self.wakeup.wait()
                continue
            frame = self.outbox[0]
            # A frame is charged one message and its size in bytes; never more than the bucket can hold.
            cost = min(len(frame), self.bytes.capacity)
            wait = max(self.messages.wait_seconds(), self.bytes.wait_seconds(cost))
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            self.messages.take()
            self.bytes.take(cost)
            self.outbox.popleft()
            try:
                await self.ws.send(frame)
            except websockets.ConnectionClosed:
                return


class HubError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
