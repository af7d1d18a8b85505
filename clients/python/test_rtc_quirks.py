"""Pins the aiortc behaviours rtc_quirks.py works around (Debian's aiortc 1.4 / aioice 0.8): in one process, on loopback."""
import asyncio
import unittest

import rtc_quirks
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

CANDIDATE = "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"


async def offer_and_answerer():
    """An offerer with a DataChannel, and an answerer that has applied its offer (so it has an m-section)."""
    offerer, answerer = rtc_quirks.create_peer_connection([]), RTCPeerConnection()
    offerer.createDataChannel("roomwire")
    await offerer.setLocalDescription(await offerer.createOffer())
    # as from a trickling peer (werift, browsers): more candidates may follow the description
    trickling = offerer.localDescription.sdp.replace("a=end-of-candidates\r\n", "")
    await answerer.setRemoteDescription(RTCSessionDescription(sdp=trickling, type="offer"))
    return offerer, answerer


def ports(pc):
    """The ports of the remote candidates the answerer's ICE agent knows (the offer's, and any added)."""
    return [c.port for c in pc.sctp.transport.transport._connection.remote_candidates]


class AiortcQuirksTest(unittest.IsolatedAsyncioTestCase):
    async def test_no_trickle_the_offer_already_holds_every_candidate(self):
        offerer, answerer = await offer_and_answerer()
        sdp = offerer.localDescription.sdp
        self.assertIn("a=candidate:", sdp)
        self.assertIn("a=end-of-candidates", sdp)
        self.assertEqual(offerer.iceGatheringState, "complete")
        await offerer.close()
        await answerer.close()

    async def test_aioice_skips_loopback_unless_added(self):
        self.assertNotIn("127.0.0.1", rtc_quirks._host_addresses(True, False))
        offerer, answerer = await offer_and_answerer()
        self.assertIn(" 127.0.0.1 ", offerer.localDescription.sdp)  # our patch adds it
        await offerer.close()
        await answerer.close()

    async def test_a_candidate_with_only_sdpMLineIndex_is_silently_dropped_by_aiortc(self):
        offerer, answerer = await offer_and_answerer()
        raw = candidate_from_sdp(CANDIDATE.split(":", 1)[1])
        raw.sdpMid, raw.sdpMLineIndex = None, 0
        await answerer.addIceCandidate(raw)  # no error, and no effect
        self.assertNotIn(50000, ports(answerer))
        await rtc_quirks.add_remote_candidate(answerer, {"candidate": CANDIDATE, "sdpMid": None, "sdpMLineIndex": 0})
        self.assertIn(50000, ports(answerer))
        await offerer.close()
        await answerer.close()

    async def test_an_answer_takes_the_dtls_client_role_unless_told_and_connects_either_way(self):
        offerer, answerer = await offer_and_answerer()
        answer = await answerer.createAnswer()
        self.assertIn("a=setup:active", answer.sdp)  # aiortc's choice: it would send the first ClientHello
        await answerer.setLocalDescription(rtc_quirks.as_dtls_server(answer))
        self.assertIn("a=setup:passive", answerer.localDescription.sdp)
        self.assertEqual(answerer.sctp.transport._role, "server")
        opened = asyncio.Event()  # the answerer hears of the channel once ICE, DTLS and SCTP are up
        answerer.on("datachannel", lambda channel: opened.set())
        await offerer.setRemoteDescription(answerer.localDescription)
        await asyncio.wait_for(opened.wait(), 10)
        await offerer.close()
        await answerer.close()


if __name__ == "__main__":
    unittest.main()
