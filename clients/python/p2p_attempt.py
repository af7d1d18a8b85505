"""
One attempt (`gen`) at a peer-to-peer DataChannel with one remote peer, on aiortc.

Roles (docs/protocol.md, "Signal data"): the impolite peer (the larger peer id) creates the DataChannel,
label `roomwire`, and the offer; the polite peer answers. Only the impolite peer ever offers, so on this
side a collision cannot arise: the impolite side ignores offers (its link starts its own attempt when a
newer `gen` shows up), and the polite side never has a local offer to roll back.
"""
import asyncio

from aiortc import RTCSessionDescription

from rtc_quirks import add_remote_candidate, as_dtls_server, create_peer_connection

CHANNEL_LABEL = "roomwire"


class P2PAttempt:
    def __init__(self, gen, polite, ice_servers, events):
        """events: signal(data), open(channel, pc), failed(reason): the link's callbacks."""
        self.gen, self.polite, self.events = gen, polite, events
        self.pc = create_peer_connection(ice_servers)
        self.channel = None
        self.has_remote = False
        self.held = []  # candidates that came before the description they belong to
        self.closed = False
        self.closing = None
        self.lock = asyncio.Lock()  # signals are handled one at a time, in arrival order
        self.pc.on("iceconnectionstatechange", self._ice_state)
        self.pc.on("datachannel", self._adopt)
        if not polite:
            self._adopt(self.pc.createDataChannel(CHANNEL_LABEL))
            asyncio.ensure_future(self._guard(self._offer()))

    def handle(self, data):
        """A `signal` of this attempt from the peer."""
        asyncio.ensure_future(self._guard(self._handle(data)))

    def close(self):
        """Stops the attempt at once; returns a future that is done when its sockets are released."""
        if self.closing is None:
            self.closed = True
            self.pc.remove_all_listeners()
            if self.channel is not None:
                self.channel.remove_all_listeners()
            self.closing = asyncio.ensure_future(self.pc.close())
        return self.closing

    async def _guard(self, coroutine):
        try:
            await coroutine
        except Exception as err:  # a stack error ends this attempt, never the peer
            self._fail(f"negotiation: {err!r}")

    async def _offer(self):
        async with self.lock:
            # aiortc gathers every candidate here (no trickle): the SDP we send already holds them.
            await self.pc.setLocalDescription(await self.pc.createOffer())
            self._send_description()

    async def _handle(self, data):
        async with self.lock:
            if self.closed:
                return
            description = data.get("description")
            if description is not None:
                await self._on_description(description)
            elif data.get("candidate") is not None:
                if not self.has_remote:
                    self.held.append(data["candidate"])
                else:
                    await self._add_candidate(data["candidate"])

    async def _on_description(self, description):
        if description["type"] == "offer" and not self.polite:
            return  # only the impolite side offers: an offer here is ignored (perfect negotiation)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=description["sdp"], type=description["type"]))
        self.has_remote = True
        for candidate in self.held:
            await self._add_candidate(candidate)
        self.held = []
        if description["type"] == "offer":
            await self.pc.setLocalDescription(as_dtls_server(await self.pc.createAnswer()))
            self._send_description()

    async def _add_candidate(self, candidate):
        try:
            await add_remote_candidate(self.pc, candidate)
        except Exception:
            pass  # one candidate this stack cannot use (e.g. TCP or mDNS) does not end the attempt

    def _send_description(self):
        if not self.closed:
            local = self.pc.localDescription
            self.events.signal({"description": {"type": local.type, "sdp": local.sdp}})

    def _adopt(self, channel):
        if self.channel is not None:
            channel.close()  # one channel per attempt
            return
        self.channel = channel
        channel.on("open", lambda: self._opened())
        channel.on("close", lambda: self._fail("channel closed"))
        if channel.readyState == "open":
            asyncio.get_running_loop().call_soon(self._opened)

    def _opened(self):
        if not self.closed:
            self.events.open(self.channel, self.pc)

    def _ice_state(self):
        if self.pc.iceConnectionState in ("failed", "closed"):
            self._fail(f"ice {self.pc.iceConnectionState}")

    def _fail(self, reason):
        if self.closed:
            return
        self.close()
        self.events.failed(reason)
