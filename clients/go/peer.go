// The peer in its room: members, one link per member, hub messages in, room messages out.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pion/webrtc/v3"
)

type options struct {
	url, room, name, token string
	echo, noP2P            bool
	maxMessageBytes        int
}

// exit codes, as `roomwire bot`: 0 clean, 1 the hub cannot be reached (or was lost), 2 bad usage, 3 the
// hub refused the join.
const (
	exitOK          = 0
	exitUnreachable = 1
	exitUsage       = 2
	exitRefused     = 3
)

type peer struct {
	opt        options
	lp         *loop
	hub        *hub
	api        *webrtc.API
	out        *printer
	selfID     string
	iceServers []webrtc.ICEServer
	members    map[string]peerInfo
	links      map[string]*link
	joined     bool
	leaving    bool
}

func newPeer(opt options, lp *loop, out *printer) *peer {
	var settings webrtc.SettingEngine
	// Loopback candidates too, as the TypeScript client's werift does: peers on one machine (and tests,
	// which stay on 127.0.0.1) connect through them.
	settings.SetIncludeLoopbackCandidate(true)
	// When pion answers it is the DTLS server (setup:passive): the offerer's ClientHello starts the
	// handshake. As the DTLS client (pion's default), its channel to an offering werift opened ~1,040 ms
	// after the join instead of ~170 ms: its first ClientHello goes unanswered, and it retransmits a
	// second later (bench/interop-pairs.ts).
	_ = settings.SetAnsweringDTLSRole(webrtc.DTLSRoleServer)
	return &peer{opt: opt, lp: lp, out: out, api: webrtc.NewAPI(webrtc.WithSettingEngine(settings)),
		members: map[string]peerInfo{}, links: map[string]*link{}}
}

func (p *peer) rtcConfig() webrtc.Configuration {
	return webrtc.Configuration{ICEServers: p.iceServers}
}

func (p *peer) setIceServers(servers []iceServer) {
	p.iceServers = nil
	for _, s := range servers {
		var urls []string
		var one string
		if json.Unmarshal(s.URLs, &one) == nil {
			urls = []string{one}
		} else if json.Unmarshal(s.URLs, &urls) != nil {
			continue
		}
		p.iceServers = append(p.iceServers, webrtc.ICEServer{URLs: urls, Username: s.Username, Credential: s.Credential})
	}
}

func (p *peer) join() {
	request := map[string]any{"type": "join", "room": p.opt.room, "name": p.opt.name, "id": "join"}
	if p.opt.token != "" {
		request["token"] = p.opt.token
	}
	p.hub.send(request)
}

func (p *peer) onHub(m hubMessage) {
	switch m.Type {
	case "joined":
		if m.Room != p.opt.room || p.joined {
			return
		}
		p.joined = true
		p.setIceServers(m.IceServers)
		type peerState struct {
			PeerID string `json:"peerId"`
			Name   string `json:"name"`
			Role   string `json:"role"`
			Path   string `json:"path"`
		}
		peers := []peerState{}
		for _, info := range m.Peers {
			if info.PeerID == p.selfID {
				continue
			}
			p.members[info.PeerID] = info
			l := p.ensureLink(info.PeerID)
			peers = append(peers, peerState{info.PeerID, info.Name, info.Role, l.path})
		}
		p.out.event("joined", field{"room", m.Room}, field{"peerId", p.selfID}, field{"name", p.opt.name},
			field{"topology", m.Topology}, field{"peers", peers})
	case "peer-joined":
		if m.Room != p.opt.room || m.PeerID == p.selfID {
			return
		}
		p.members[m.PeerID] = peerInfo{PeerID: m.PeerID, Name: m.Name, Role: m.Role}
		p.out.event("peer-joined", field{"room", m.Room}, field{"peerId", m.PeerID}, field{"name", m.Name}, field{"role", m.Role})
		p.ensureLink(m.PeerID)
	case "peer-left":
		info, ok := p.members[m.PeerID]
		if m.Room != p.opt.room || !ok {
			return
		}
		delete(p.members, m.PeerID)
		if l := p.links[m.PeerID]; l != nil {
			l.close()
			delete(p.links, m.PeerID)
		}
		p.out.event("peer-left", field{"room", m.Room}, field{"peerId", m.PeerID}, field{"name", info.Name}, field{"reason", m.Reason})
	case "signal":
		if s, ok := parseSignal(m.Data); ok {
			if l := p.ensureLink(m.From); l != nil {
				l.onSignal(s)
			}
		}
	case "relay":
		p.onRelay(m)
	case "topology":
		// Star topology (FWD records through the server peer) is left out: we stay on P2P or the relay.
		p.out.event("topology", field{"room", m.Room}, field{"topology", m.Topology})
	case "ice-servers":
		p.setIceServers(m.IceServers)
	case "left":
		if p.leaving {
			p.out.event("left", field{"room", p.opt.room})
			p.exit(exitOK)
		}
	case "error":
		if string(m.Ref) == `"join"` {
			fmt.Fprintf(os.Stderr, "roomwire-go-peer: the hub refused to let us join %s: join: %s: %s\n", p.opt.room, m.Code, m.Message)
			p.exit(exitRefused)
		}
		p.out.event("error", field{"code", m.Code}, field{"message", m.Message})
	}
}

// onRelay: `relay.data` between links is {l: base64 batch}; other relay data is not ours.
func (p *peer) onRelay(m hubMessage) {
	var payload struct {
		L *string `json:"l"`
	}
	l := p.links[m.From]
	if l == nil || json.Unmarshal(m.Data, &payload) != nil || payload.L == nil {
		return
	}
	batch, err := base64.StdEncoding.DecodeString(*payload.L)
	if err != nil {
		p.problem("bad-link-record", fmt.Sprintf("a relay from %s is not base64: %v", m.From, err))
		return
	}
	l.onRelay(batch)
}

// ensureLink: the link to a member, made on first need.
func (p *peer) ensureLink(peerID string) *link {
	if l := p.links[peerID]; l != nil {
		return l
	}
	if _, member := p.members[peerID]; !member {
		return nil
	}
	l := newLink(p, peerID)
	p.links[peerID] = l
	return l
}

func (p *peer) deliver(from string, m message, path string) {
	info, member := p.members[from]
	if m.room != p.opt.room || !member {
		return
	}
	sender := from
	if m.historyFrom != "" {
		sender = m.historyFrom
		info = p.members[sender]
	}
	data := string(m.data)
	if m.binary {
		data = base64.StdEncoding.EncodeToString(m.data)
	}
	fields := []field{{"room", m.room}, {"from", sender}, {"name", info.Name}, {"whisper", m.whisper}, {"path", path}, {"binary", m.binary}}
	if m.historyFrom != "" {
		fields = append(fields, field{"history", true})
	}
	p.out.event("message", append(fields, field{"data", data})...)
	if p.opt.echo && !m.whisper {
		p.send(m.data, m.binary, from) // whispered back: whispers are not echoed, so echo peers cannot loop
	}
}

func (p *peer) pathChanged(peerID, path, previous string) {
	if p.leaving {
		return // the others close their channels as they hear we left: not news
	}
	p.out.event("path-change", field{"room", p.opt.room}, field{"peerId", peerID}, field{"name", p.members[peerID].Name},
		field{"path", path}, field{"previous", previous})
}

// problem: bad input from a peer, refused. Reported, and nothing else changes.
func (p *peer) problem(code, text string) {
	p.out.event("error", field{"code", code}, field{"message", text})
}

// send: to every member, or with `to` (a peer id) whispered to one.
func (p *peer) send(data []byte, binary bool, to string) {
	if len(p.opt.room) > 255 {
		p.problem("room-too-long", "a message header holds at most 255 bytes of room name")
		return
	}
	targets := []string{to}
	if to == "" {
		targets = targets[:0]
		for id := range p.members {
			targets = append(targets, id)
		}
	}
	for _, id := range targets {
		if l := p.ensureLink(id); l != nil {
			if err := l.send(p.opt.room, data, binary, to != ""); err != nil {
				p.problem("send-queue-full", fmt.Sprintf("more than %d bytes unacknowledged to %s", maxUnackedBytes, id))
			}
		}
	}
	size := len(data)
	if !binary {
		size = utf16Length(string(data))
	}
	fields := []field{{"room", p.opt.room}}
	if to != "" {
		fields = append(fields, field{"to", to})
	}
	p.out.event("sent", append(fields, field{"bytes", size})...)
}

// leave: on SIGINT/SIGTERM, say so to the hub, and exit when it answers (or soon anyway).
func (p *peer) leave() {
	if !p.joined || p.leaving {
		p.exit(exitOK)
		return
	}
	p.leaving = true
	p.hub.send(map[string]any{"type": "leave", "room": p.opt.room, "id": "leave"})
	p.lp.after(leaveTimeout, func() { p.exit(exitOK) })
}

func (p *peer) lost(err error) {
	p.out.event("signaling", field{"state", "closed"})
	fmt.Fprintf(os.Stderr, "roomwire-go-peer: the hub connection ended: %v (resume is not implemented)\n", err)
	p.exit(exitUnreachable)
}

func (p *peer) exit(code int) {
	for _, l := range p.links {
		l.close()
	}
	if p.hub != nil {
		p.hub.close()
	}
	os.Exit(code)
}
