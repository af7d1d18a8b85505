#!/usr/bin/python3
"""
A roomwire peer in Python (aiortc + websockets), written from docs/protocol.md: it joins one room, makes a
DataChannel to every other member (or relays through the hub), prints one JSON event per line with the
keys of `roomwire bot --json`, sends the lines of stdin to the room, and with --echo answers every room
message with the same data, whispered to its sender.

    /usr/bin/python3 clients/python/roomwire_peer.py --url ws://127.0.0.1:8080/ws --room lobby --name py
"""
import argparse
import asyncio
import base64
import json
import random
import re
import signal
import sys
import threading
from datetime import datetime, timezone
from types import SimpleNamespace

from hub_socket import HubError, HubSocket
from peer_link import P2P_TIMEOUT_S, PeerLink, SendQueueFull

EXIT_OK, EXIT_UNREACHABLE, EXIT_REFUSED = 0, 1, 3  # as `roomwire bot`
RELAY_ENVELOPE_BYTES = 256  # room for {"type":"relay","to":"<uuid>","data":{"l":"..."}} around the base64


def print_event(event):
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    sys.stdout.write(json.dumps({**event, "at": now}, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def js_length(data):
    """What `roomwire bot` reports as `bytes`: a string's length in UTF-16 units, or a byte count."""
    return len(data.encode("utf-16-le")) // 2 if isinstance(data, str) else len(data)


class Peer:
    def __init__(self, args):
        self.args = args
        self.hub = HubSocket(args.url, self.on_hub_message)
        self.room = args.room
        self.members = {}  # peerId -> {peerId, name, role}
        self.links = {}  # peerId -> PeerLink
        self.announced = False  # the joined event is out

    # ---- hub messages ----

    def on_hub_message(self, m):
        try:
            handler = getattr(self, "on_" + str(m.get("type")).replace("-", "_"), None)
            if handler is not None:
                handler(m)
        except Exception as err:  # a listener never throws: one bad frame must not end the peer
            print_event({"event": "error", "code": "internal-error", "message": f"{m.get('type')}: {err!r}"})

    def on_joined(self, m):
        if m["room"] != self.room:
            return
        self.ice_servers = m["iceServers"]
        self.members = {p["peerId"]: p for p in m["peers"]}
        for peer_id in self.members:
            self.ensure_link(peer_id)
        print_event({
            "event": "joined", "room": self.room, "peerId": self.hub.peer_id, "name": self.name, "topology": m["topology"],
            "peers": [{**p, "path": self.links[p["peerId"]].path, "iceState": self.links[p["peerId"]].ice_state} for p in m["peers"]],
        })
        self.announced = True
        if m["topology"] == "star":
            self.no_star()

    def on_peer_joined(self, m):
        if m["room"] != self.room:
            return
        self.members[m["peerId"]] = {"peerId": m["peerId"], "name": m["name"], "role": m["role"]}
        self.ensure_link(m["peerId"])
        print_event({"event": "peer-joined", "room": self.room, "peerId": m["peerId"], "name": m["name"], "role": m["role"]})

    def on_peer_left(self, m):
        info = self.members.pop(m["peerId"], None) if m["room"] == self.room else None
        if info is None:
            return
        link = self.links.pop(m["peerId"], None)
        if link is not None:
            link.close()
        print_event({"event": "peer-left", "room": self.room, "peerId": m["peerId"], "name": info["name"], "reason": m["reason"]})

    def on_signal(self, m):
        data = m.get("data")
        if isinstance(data, dict) and type(data.get("gen")) is int:
            link = self.ensure_link(m["from"])
            if link is not None:
                link.on_signal(data)

    def on_relay(self, m):
        data, link = m.get("data"), self.links.get(m.get("from"))
        if isinstance(data, dict) and isinstance(data.get("l"), str) and link is not None:
            link.on_relay(data["l"])

    def on_topology(self, m):
        print_event({"event": "topology", "room": m["room"], "topology": m["topology"]})
        if m["topology"] == "star":
            self.no_star()

    def no_star(self):
        print_event({"event": "error", "code": "star-unsupported", "message": "this peer does not speak FWD records (star topology)"})

    def on_ice_servers(self, m):
        self.ice_servers = m["iceServers"]

    def on_error(self, m):
        if "ref" not in m:  # an answer to a request of ours is the request's business
            print_event({"event": "error", "code": m["code"], "message": m.get("message", "")})

    # ---- links ----

    def ensure_link(self, peer_id):
        if peer_id not in self.links and peer_id in self.members:
            self.links[peer_id] = PeerLink(peer_id, self.link_host)
        return self.links.get(peer_id)

    def make_link_host(self):
        hub = self.hub

        def deliver(peer_id, message, path):
            if message.room != self.room or peer_id not in self.members:
                return
            binary = not isinstance(message.data, str)
            sender = message.history[0] if message.history else peer_id
            print_event({
                "event": "message", "room": message.room, "from": sender, "name": self.name_of(sender), "whisper": message.whisper,
                "path": path, "binary": binary, **({"history": True} if message.history else {}),
                "data": base64.b64encode(message.data).decode("ascii") if binary else message.data,
            })
            if self.args.echo and not message.whisper:
                self.send(message.data, peer_id)

        def path_changed(peer_id, path, previous):
            if self.announced:  # as `roomwire bot`: the paths at join time are in the joined event
                print_event({"event": "path-change", "room": self.room, "peerId": peer_id, "name": self.name_of(peer_id), "path": path, "previous": previous})

        def problem(peer_id, text):
            print_event({"event": "error", "code": "bad-link-record", "message": f"from {peer_id}: {text}"})

        return SimpleNamespace(
            local_id=hub.peer_id,
            p2p=not self.args.no_p2p,
            p2p_timeout_s=self.args.p2p_timeout_ms / 1000,
            ice_servers=lambda: self.ice_servers,
            send_signal=lambda to, data: hub.send({"type": "signal", "to": to, "data": data}),
            send_relay=lambda to, text: hub.send({"type": "relay", "to": to, "data": {"l": text}}),
            relay_idle=lambda: hub.idle,
            # base64 grows 4/3: the largest batch whose relay frame stays under the hub's maxFrameBytes
            relay_batch_bytes=lambda: max(1024, (hub.max_frame_bytes - RELAY_ENVELOPE_BYTES) * 3 // 4),
            deliver=deliver,
            path_changed=path_changed,
            problem=problem,
        )

    def name_of(self, peer_id):
        return self.members.get(peer_id, {}).get("name", "")

    # ---- sending ----

    def send(self, data, to=None):
        """To the room, or with `to` (a peer id) whispered to one member."""
        targets = [to] if to is not None else list(self.members)
        try:
            for peer_id in targets:
                self.ensure_link(peer_id).send(self.room, data, to is not None)
        except SendQueueFull as err:
            return print_event({"event": "error", "code": err.code, "message": str(err)})
        print_event({"event": "sent", "room": self.room, **({"to": to} if to is not None else {}), "bytes": js_length(data)})

    def on_line(self, line):
        if line.strip() == "":
            return
        whisper = re.match(r"^/w\s+(\S+)\s+(.*)$", line)
        if whisper is None:
            return self.send(line)
        who = whisper.group(1)
        peer = next((p for p in self.members.values() if p["name"] == who), None) or self.members.get(who)
        if peer is None:
            return print_event({"event": "error", "code": "peer-not-found", "message": f"no peer named {who} in {self.room}"})
        self.send(whisper.group(2), peer["peerId"])

    # ---- life ----

    async def run(self):
        name = self.args.name or f"bot-{random.randrange(0x10000):04x}"
        try:
            await self.hub.connect()
        except Exception as err:
            print(f"roomwire peer: cannot reach the hub at {self.args.url}: {err}", file=sys.stderr)
            return EXIT_UNREACHABLE
        self.link_host = self.make_link_host()
        self.name = name
        try:
            await self.hub.request({"type": "join", "room": self.room, "name": name}, "joined")
        except (HubError, asyncio.TimeoutError) as err:
            print(f"roomwire peer: the hub refused to let us join {self.room}: {err}", file=sys.stderr)
            await self.hub.close()
            return EXIT_REFUSED

        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # A thread reads stdin: asyncio cannot watch a regular file or /dev/null, which a script may pass.
        threading.Thread(target=read_lines, args=(loop, self.on_line), daemon=True).start()

        hub_closed = asyncio.ensure_future(self.hub.closed())
        await asyncio.wait([hub_closed, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
        if hub_closed.done():
            print_event({"event": "signaling", "state": "closed"})
            await self.close_links()
            return EXIT_UNREACHABLE  # no reconnect/resume in this peer (README.md)
        try:
            await self.hub.request({"type": "leave", "room": self.room}, "left", timeout_s=5)
            print_event({"event": "left", "room": self.room})
        except (HubError, asyncio.TimeoutError):
            pass  # the hub is gone: closing is all that is left
        await self.close_links()
        await self.hub.close()
        return EXIT_OK

    async def close_links(self):
        closing = [link.close() for link in self.links.values()]
        self.links.clear()
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 5)


def read_lines(loop, on_line):
    for raw in sys.stdin.buffer:  # bytes: a line that is not UTF-8 is sent with replacement characters
        loop.call_soon_threadsafe(on_line, raw.decode("utf-8", "replace").rstrip("\r\n"))


def main():
    parser = argparse.ArgumentParser(description="A roomwire peer on aiortc: joins a room, prints JSON events, sends stdin lines.")
    parser.add_argument("--url", default="ws://localhost:8080/ws", help="the hub's signaling URL")
    parser.add_argument("--room", default="lobby", help="the room to join")
    parser.add_argument("--name", default="", help="display name (empty: bot-<4 hex digits>)")
    parser.add_argument("--echo", action="store_true", help="answer every room message with the same data, whispered to its sender")
    parser.add_argument("--no-p2p", action="store_true", help="no peer-to-peer DataChannels: everything through the hub relay")
    parser.add_argument("--p2p-timeout-ms", type=int, default=int(P2P_TIMEOUT_S * 1000),
                        help="how long a link waits for its DataChannel to open before it relays through the hub (p2pTimeoutMs)")
    parser.add_argument("--json", action="store_true", help="accepted for `roomwire bot` compatibility: events are always JSON lines")
    sys.exit(asyncio.run(Peer(parser.parse_args()).run()))


if __name__ == "__main__":
    main()
