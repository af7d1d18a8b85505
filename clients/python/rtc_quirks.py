"""
Where aiortc (Debian's 1.4, with aioice 0.8) differs from the browser API the protocol was written
against: each difference handled once, here. Pinned by clients/python/test_rtc_quirks.py.

- No trickle ICE: setLocalDescription() gathers every candidate before it returns, and they are inside
  the SDP; the peer connection never fires an icecandidate event. So we send no `candidate` signals (the
  other side gets them in the description), but we do take the other side's trickled ones.
- addIceCandidate() wants an RTCIceCandidate object parsed from the SDP line, and silently drops one
  whose sdpMid does not name its m-section: a candidate with only sdpMLineIndex is ignored.
- aioice never gathers loopback host candidates (127.0.0.1 is skipped), so two peers on one machine
  without another interface could not connect; werift has the mirror image (iceAdditionalHostAddresses).
- aioice uses only the first STUN and the first TURN server it is given.
- Its SCTP hands the next DataChannel message over only when every chunk of the previous one has been
  sent, and moves ~400 small messages/s and well under 1 MB/s (aiortc to aiortc, loopback): a link keeps
  little in the channel's buffer and coalesces records into 16 KiB messages (peer_link.py).
- As answerer it takes the DTLS client role (a=setup:active) and sends its ClientHello the moment its
  own ICE check succeeds; a werift offerer is often not ready for it yet, drops it, and the handshake
  waits for OpenSSL's 1 s retransmission (DataChannels opened ~1.1 s after join instead of ~0.2 s). So
  our answers say a=setup:passive: the offerer, which is ready when its ICE is, starts DTLS.
- No getStats() candidate-pair stats to tell direct from TURN: the nominated pair is read from aioice.
"""
import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

_host_addresses = aioice.ice.get_host_addresses


def _with_loopback(use_ipv4, use_ipv6):
    addresses = _host_addresses(use_ipv4, use_ipv6)
    return addresses + ["127.0.0.1"] if use_ipv4 else addresses


aioice.ice.get_host_addresses = _with_loopback


def create_peer_connection(ice_servers):
    """A peer connection for the hub's `iceServers` ([{urls, username?, credential?}])."""
    servers = [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential")) for s in ice_servers]
    return RTCPeerConnection(RTCConfiguration(iceServers=servers))


def as_dtls_server(answer):
    """The answer with a=setup:passive (see above); RFC 8842 §5.3 lets the answerer choose."""
    return RTCSessionDescription(sdp=answer.sdp.replace("a=setup:active", "a=setup:passive"), type=answer.type)


def add_remote_candidate(pc, init):
    """Adds a trickled RTCIceCandidateInit ({candidate, sdpMid, sdpMLineIndex}); returns the coroutine."""
    text = init.get("candidate") or ""
    text = text[2:] if text.startswith("a=") else text
    text = text[len("candidate:"):] if text.startswith("candidate:") else text
    candidate = candidate_from_sdp(text)
    # Our connections have one m-section, the DataChannel's: whatever the sender named, it is that one.
    candidate.sdpMid = pc.sctp.mid if pc.sctp is not None else init.get("sdpMid")
    candidate.sdpMLineIndex = 0
    return pc.addIceCandidate(candidate)


def selected_path(pc):
    """'turn' if the nominated candidate pair is relayed by a TURN server, else 'direct'."""
    try:
        connection = pc.sctp.transport.transport._connection
        pairs = list(connection._nominated.values())
    except AttributeError:
        return "direct"
    relayed = any(p.local_candidate.type == "relay" or p.remote_candidate.type == "relay" for p in pairs)
    return "turn" if relayed else "direct"
