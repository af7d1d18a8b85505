// Everything between this peer and one remote peer: the transport ladder and reliable delivery.
//
//	connecting --DataChannel open--> direct | turn
//	connecting --p2pTimeout, ICE failure, or P2P off (ours or theirs)--> relay (through the hub)
//	direct | turn --ICE disconnected--> relay, and back when ICE reconnects
//	direct | turn --channel closed, ICE failed--> relay; the impolite side retries P2P with backoff
//
// On every path change what is not yet acknowledged is sent again on the new path; the receiver drops
// the duplicates. So every message arrives once and in order, whatever carries it.
package main

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand"
	"time"

	"github.com/pion/webrtc/v3"
)

// The timings and bounds of a link: the TypeScript client's defaults (src/client/options.ts).
const (
	p2pTimeout      = 10 * time.Second // how long a link waits for its DataChannel before relaying
	p2pRetryMin     = 1 * time.Second  // first delay before the impolite side tries P2P again (doubles)
	p2pRetryMax     = 30 * time.Second
	ackDelay        = 20 * time.Millisecond // a receiver acknowledges at most this late (x5 on the relay)
	relayAckFactor  = 5
	retransmitEvery = 1500 * time.Millisecond // on the relay, unacknowledged data goes again after this without progress
	relayRetry      = 10 * time.Millisecond   // while earlier relay frames wait for the hub's rate limit
	batchBytes      = 16 * 1024               // largest DataChannel message we build
	highWaterBytes  = 256 * 1024              // DataChannel bufferedAmount above which we stop writing...
	lowWaterBytes   = 64 * 1024               // ...until it falls to this
	maxUnackedBytes = 16 << 20                // unacknowledged bytes per link; more sends are refused
	maxControl      = 64                      // PONGs waiting to be sent; beyond, PINGs go unanswered
)

var errSendQueueFull = errors.New("send-queue-full")

// linkSignal: the `data` of a hub `signal` between two links.
type linkSignal struct {
	Gen int64 `json:"gen"`
	attemptSignal
	NoP2P bool `json:"noP2P,omitempty"` // the sender makes no P2P connections: relay, and do not retry
	Lost  bool `json:"lost,omitempty"`  // from the polite side: its attempt failed, start a new one
}

// parseSignal accepts a signal with an integer gen >= 0; anything else is ignored.
func parseSignal(raw json.RawMessage) (linkSignal, bool) {
	var probe struct {
		Gen json.RawMessage `json:"gen"`
	}
	var s linkSignal
	if json.Unmarshal(raw, &probe) != nil || probe.Gen == nil || json.Unmarshal(raw, &s) != nil {
		return s, false
	}
	return s, s.Gen >= 0
}

type link struct {
	p       *peer
	peerID  string
	polite  bool
	path    string // connecting, direct, turn, relay
	p2pPath string // direct or turn: where the DataChannel goes, once known
	closed  bool

	gen         int64
	attempt     *attempt
	channel     *webrtc.DataChannel // the open DataChannel of the current attempt
	retries     int
	remoteNoP2P bool

	snd         *sender
	rcv         *receiver
	data        [][]byte // DATA records to write on the current path, oldest first
	control     [][]byte // PONGs, sent ahead of data
	ackDue      bool     // an ACK goes in the next batch
	ackTimed    bool     // an ACK is due soon (ackDelay)
	ackProgress bool     // an ACK acknowledged something since the last retransmit check
	flushing    bool     // a flush is queued on the loop

	cancelAck, cancelP2P, cancelRetry, cancelRelayRetry, cancelRetransmit func()
}

func none() {}

func newLink(p *peer, peerID string) *link {
	l := &link{p: p, peerID: peerID, polite: p.selfID < peerID, path: "connecting", p2pPath: "direct",
		snd: newSender(), rcv: newReceiver(p.opt.maxMessageBytes),
		cancelAck: none, cancelP2P: none, cancelRetry: none, cancelRelayRetry: none}
	l.scheduleRetransmit()
	if p.opt.noP2P {
		p.hub.send(signalTo(peerID, linkSignal{NoP2P: true}))
		l.path = "relay" // from the start: no path-change event
	} else {
		l.armP2PTimeout()
		if !l.polite {
			l.startAttempt()
		}
	}
	return l
}

func signalTo(peerID string, s linkSignal) map[string]any {
	return map[string]any{"type": "signal", "to": peerID, "data": s}
}

// onSignal: a `signal` from the peer through the hub.
func (l *link) onSignal(s linkSignal) {
	if l.closed {
		return
	}
	if s.NoP2P {
		l.remoteNoP2P = true
		l.cancelRetry()
		l.cancelP2P()
		l.stopAttempt()
		l.useRelay()
		return
	}
	offer := s.Description != nil && s.Description.Type == "offer"
	if l.p.opt.noP2P {
		if offer {
			l.p.hub.send(signalTo(l.peerID, linkSignal{Gen: s.Gen, NoP2P: true}))
		}
		return
	}
	if s.Lost {
		if !l.polite && s.Gen == l.gen {
			l.attemptFailed(l.attempt, "the peer lost its channel")
		}
		return
	}
	if s.Gen < l.gen {
		return // an older attempt
	}
	if s.Gen > l.gen || l.attempt == nil {
		// Only an offer from the impolite side starts an attempt here; stray candidates do not.
		if !offer || !l.polite {
			return
		}
		l.gen = s.Gen
		l.startAttempt()
	}
	if l.attempt != nil {
		l.attempt.handle(s.attemptSignal)
	}
}

// onRelay: a batch the peer sent through the hub.
func (l *link) onRelay(batch []byte) { l.receiveBatch(batch, "relay") }

func (l *link) close() {
	if l.closed {
		return
	}
	l.closed = true
	for _, cancel := range []func(){l.cancelAck, l.cancelP2P, l.cancelRetry, l.cancelRelayRetry, l.cancelRetransmit} {
		cancel()
	}
	l.stopAttempt()
}

// ---- the ladder ----

func (l *link) startAttempt() {
	l.stopAttempt()
	gen := l.gen
	var a *attempt
	a, err := newAttempt(l.p.lp, l.p.api, l.p.rtcConfig(), gen, l.polite, attemptEvents{
		signal: func(s attemptSignal) { l.p.hub.send(signalTo(l.peerID, linkSignal{Gen: gen, attemptSignal: s})) },
		open: func(dc *webrtc.DataChannel) {
			if l.attempt == a {
				l.channelOpened(a, dc)
			}
		},
		message: func(batch []byte) { l.receiveBatch(batch, l.p2pPath) },
		ice: func(state webrtc.ICEConnectionState) {
			if l.attempt != a || l.channel == nil {
				return
			}
			if state == webrtc.ICEConnectionStateDisconnected {
				l.useRelay()
			} else if (state == webrtc.ICEConnectionStateConnected || state == webrtc.ICEConnectionStateCompleted) && l.path == "relay" {
				l.useChannel()
			}
		},
		failed: func(reason string) { l.attemptFailed(a, reason) },
	})
	if err != nil {
		l.attemptFailed(nil, err.Error())
		return
	}
	l.attempt = a
}

func (l *link) stopAttempt() {
	if l.attempt != nil {
		l.attempt.close()
	}
	l.attempt, l.channel = nil, nil
}

func (l *link) armP2PTimeout() {
	l.cancelP2P()
	l.cancelP2P = l.p.lp.after(p2pTimeout, func() {
		if l.channel != nil || l.closed {
			return
		}
		// The polite side keeps its attempt (the peer may still get through); the impolite one starts over.
		if l.polite {
			l.useRelay()
		} else {
			l.attemptFailed(l.attempt, "timed out")
		}
	})
}

func (l *link) channelOpened(a *attempt, dc *webrtc.DataChannel) {
	l.cancelP2P()
	l.cancelRetry()
	l.retries = 0
	l.channel = dc
	dc.SetBufferedAmountLowThreshold(lowWaterBytes)
	// pion calls this holding its association's lock: never block it
	dc.OnBufferedAmountLow(func() { go l.p.lp.post(l.schedule) })
	l.p2pPath = "direct"
	if pair, err := a.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair(); err == nil && pair != nil &&
		(pair.Local.Typ == webrtc.ICECandidateTypeRelay || pair.Remote.Typ == webrtc.ICECandidateTypeRelay) {
		l.p2pPath = "turn"
	}
	l.useChannel()
}

// useChannel: send over the DataChannel from now on, starting with whatever is unacknowledged.
func (l *link) useChannel() {
	l.setPath(l.p2pPath)
	l.data = l.snd.pending()
	l.schedule()
}

// useRelay: send through the hub from now on, starting with whatever is unacknowledged.
func (l *link) useRelay() {
	l.setPath("relay")
	l.data = l.snd.pending()
	l.schedule()
}

func (l *link) attemptFailed(a *attempt, reason string) {
	if l.closed || a != l.attempt {
		return
	}
	l.stopAttempt()
	l.useRelay()
	if l.remoteNoP2P {
		return
	}
	if l.polite {
		l.p.hub.send(signalTo(l.peerID, linkSignal{Gen: l.gen, Lost: true}))
		return
	}
	l.cancelRetry()
	delay := math.Min(float64(p2pRetryMax), float64(p2pRetryMin)*math.Pow(2, float64(l.retries)))
	l.retries++
	l.cancelRetry = l.p.lp.after(time.Duration(delay*(0.8+rand.Float64()*0.4)), func() {
		if l.closed || l.channel != nil {
			return
		}
		l.gen++
		l.armP2PTimeout()
		l.startAttempt()
	})
}

func (l *link) setPath(path string) {
	if path == l.path || l.closed {
		return
	}
	previous := l.path
	l.path = path
	l.p.pathChanged(l.peerID, path, previous)
}
