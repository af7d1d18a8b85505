// One attempt at a peer-to-peer DataChannel with one remote peer (docs/protocol.md, "Signal data"):
// a pion PeerConnection, trickle ICE, and perfect negotiation. The impolite peer creates the channel
// (label "roomwire") and the offer; attempts are numbered by their link (`gen`).
package main

import (
	"regexp"

	"github.com/pion/webrtc/v3"
)

// sessionDescription: {type, sdp} as in RTCSessionDescriptionInit.
type sessionDescription struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// attemptSignal: the part of a link signal that an attempt sends and reads.
type attemptSignal struct {
	Description *sessionDescription      `json:"description,omitempty"`
	Candidate   *webrtc.ICECandidateInit `json:"candidate,omitempty"`
}

// attemptEvents run on the loop, and only while the attempt is not closed.
type attemptEvents struct {
	signal  func(attemptSignal)
	open    func(dc *webrtc.DataChannel)
	message func(batch []byte)
	ice     func(state webrtc.ICEConnectionState)
	failed  func(reason string)
}

// maxHeldCandidates: remote candidates kept while no remote description is set (a peer sends its
// description first, so these are a peer gone wrong).
const maxHeldCandidates = 64

type attempt struct {
	gen    int64
	polite bool
	lp     *loop
	pc     *webrtc.PeerConnection
	dc     *webrtc.DataChannel
	ev     attemptEvents
	mid    string // our DataChannel m-section's mid, which our candidates name
	held   []webrtc.ICECandidateInit
	closed bool
}

var midLine = regexp.MustCompile(`(?m)^a=mid:(\S+)`)

func newAttempt(lp *loop, api *webrtc.API, config webrtc.Configuration, gen int64, polite bool, ev attemptEvents) (*attempt, error) {
	pc, err := api.NewPeerConnection(config)
	if err != nil {
		return nil, err
	}
	a := &attempt{gen: gen, polite: polite, lp: lp, pc: pc, ev: ev}
	// pion calls these from its own goroutines, some while holding its locks: hand them over without
	// blocking (go), and ignore them once the attempt is over.
	on := func(fn func()) {
		go lp.post(func() {
			if !a.closed {
				fn()
			}
		})
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			on(func() { a.sendCandidate(c.ToJSON()) })
		}
	})
	pc.OnICEConnectionStateChange(func(webrtc.ICEConnectionState) {
		on(func() {
			// pion reports states from goroutines that may run out of order: read the state now
			state := pc.ICEConnectionState()
			if state == webrtc.ICEConnectionStateFailed || state == webrtc.ICEConnectionStateClosed {
				a.fail("ice " + state.String())
			} else {
				a.ev.ice(state)
			}
		})
	})
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		a.listen(dc) // now: pion starts reading the channel when this callback returns
		on(func() { a.adopt(dc) })
	})
	if !polite {
		dc, err := pc.CreateDataChannel("roomwire", nil)
		if err != nil {
			a.close()
			return nil, err
		}
		a.listen(dc)
		a.adopt(dc)
		offer, err := pc.CreateOffer(nil)
		if err == nil {
			err = pc.SetLocalDescription(offer)
		}
		if err != nil {
			a.close()
			return nil, err
		}
		a.sendDescription()
	}
	return a, nil
}

// handle applies a signal of this attempt from the peer. pion's calls are synchronous, so nothing of
// ours is half done when the next signal is handled: the only collision left is an offer that meets
// our own (never with a peer that follows the roles; handled as perfect negotiation says anyway).
func (a *attempt) handle(s attemptSignal) {
	if a.closed {
		return
	}
	if d := s.Description; d != nil {
		if d.Type != "offer" && d.Type != "answer" {
			return
		}
		offer := d.Type == "offer"
		collision := offer && a.pc.SignalingState() != webrtc.SignalingStateStable
		if collision && !a.polite {
			return // the impolite peer ignores the colliding offer; the polite one will answer ours
		}
		if collision {
			if err := a.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err != nil {
				a.fail("rollback: " + err.Error())
				return
			}
		}
		if err := a.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.NewSDPType(d.Type), SDP: d.SDP}); err != nil {
			a.fail("remote description: " + err.Error())
			return
		}
		if offer {
			answer, err := a.pc.CreateAnswer(nil)
			if err == nil {
				err = a.pc.SetLocalDescription(answer)
			}
			if err != nil {
				a.fail("answer: " + err.Error())
				return
			}
			a.sendDescription()
		}
		for _, c := range a.held {
			_ = a.pc.AddICECandidate(c)
		}
		a.held = nil
		return
	}
	if c := s.Candidate; c != nil {
		if a.pc.RemoteDescription() == nil {
			if len(a.held) < maxHeldCandidates {
				a.held = append(a.held, *c)
			}
			return
		}
		// One candidate we cannot use does not end the attempt: ICE fails by itself if none works.
		_ = a.pc.AddICECandidate(*c)
	}
}

func (a *attempt) sendDescription() {
	local := a.pc.LocalDescription()
	if m := midLine.FindStringSubmatch(local.SDP); m != nil {
		a.mid = m[1]
	}
	a.ev.signal(attemptSignal{Description: &sessionDescription{Type: local.Type.String(), SDP: local.SDP}})
}

// sendCandidate: pion's ToJSON leaves sdpMid empty, which names no m-section (werift rejects it):
// name ours. Candidates gathered before our description went out cannot exist: pion gathers during
// SetLocalDescription and reports through the loop, after sendDescription.
func (a *attempt) sendCandidate(c webrtc.ICECandidateInit) {
	c.SDPMid = nil
	if a.mid != "" {
		mid := a.mid
		c.SDPMid = &mid
	}
	a.ev.signal(attemptSignal{Candidate: &c})
}

// adopt: the attempt's channel (ours, or the one the peer opened); a second one is closed.
func (a *attempt) adopt(dc *webrtc.DataChannel) {
	if a.dc != nil {
		_ = dc.Close()
		return
	}
	a.dc = dc
}

// listen sets a channel's handlers. pion may report a message before the open event, and before adopt
// ran: messages of the adopted channel (or of none yet) count.
func (a *attempt) listen(dc *webrtc.DataChannel) {
	current := func() bool { return !a.closed && (a.dc == nil || a.dc == dc) }
	dc.OnOpen(func() {
		go a.lp.post(func() {
			if current() {
				a.ev.open(dc)
			}
		})
	})
	dc.OnClose(func() {
		go a.lp.post(func() {
			if current() {
				a.fail("channel closed")
			}
		})
	})
	// Messages block their reader while the loop is busy: backpressure.
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		a.lp.post(func() {
			if current() && !msg.IsString { // link batches are binary; a string is no record
				a.ev.message(msg.Data)
			}
		})
	})
}

func (a *attempt) fail(reason string) {
	if a.closed {
		return
	}
	a.close()
	a.ev.failed(reason)
}

// close releases the connection. pion's Close waits for its goroutines, which may be waiting to post to
// the loop: close off the loop.
func (a *attempt) close() {
	if a.closed {
		return
	}
	a.closed = true
	pc := a.pc
	go func() { _ = pc.Close() }()
}
