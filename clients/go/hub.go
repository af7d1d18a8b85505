// The signaling socket: JSON text frames over one WebSocket (docs/protocol.md, "Client -> hub" and
// "Hub -> client"), paced under the limits the hub announces in `welcome`.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/gorilla/websocket"
)

// hubMessage holds the fields of every hub message this peer reads; `type` says which are set.
type hubMessage struct {
	Type       string          `json:"type"`
	Ref        json.RawMessage `json:"ref"`
	PeerID     string          `json:"peerId"`
	Room       string          `json:"room"`
	Name       string          `json:"name"`
	Role       string          `json:"role"`
	Reason     string          `json:"reason"`
	From       string          `json:"from"`
	Data       json.RawMessage `json:"data"`
	Peers      []peerInfo      `json:"peers"`
	IceServers []iceServer     `json:"iceServers"`
	Topology   string          `json:"topology"`
	Limits     *limits         `json:"limits"`
	Code       string          `json:"code"`
	Message    string          `json:"message"`
}

type peerInfo struct {
	PeerID string `json:"peerId"`
	Name   string `json:"name"`
	Role   string `json:"role"`
}

// iceServer: `urls` is a string or a list of strings, as in RTCIceServer.
type iceServer struct {
	URLs       json.RawMessage `json:"urls"`
	Username   string          `json:"username"`
	Credential string          `json:"credential"`
}

type limits struct {
	MaxFrameBytes     float64 `json:"maxFrameBytes"`
	MessagesPerSecond float64 `json:"messagesPerSecond"`
	MessageBurst      float64 `json:"messageBurst"`
	BytesPerSecond    float64 `json:"bytesPerSecond"`
	ByteBurst         float64 `json:"byteBurst"`
}

const (
	// rateHeadroom: pace 10% under the hub's limits, so that clock differences never trip them.
	rateHeadroom = 0.9
	// hubReadLimitBytes: the largest frame we read from the hub (its own frames are at most about
	// maxFrameBytes plus an envelope; this only bounds a hub gone wrong).
	hubReadLimitBytes = 4 << 20
	hubWriteTimeout   = 10 * time.Second
	welcomeTimeout    = 10 * time.Second
)

type hub struct {
	conn     *websocket.Conn
	lp       *loop
	peerID   string
	limits   limits
	messages *bucket
	bytes    *bucket // nil when the hub announces no byte budget
	outbox   [][]byte
	waiting  func() // cancels the timer of a paced pump
	closed   bool
}

// dialHub connects and reads `welcome`; then every frame is handed to onMessage on the loop, and a
// lost connection to onClose.
func dialHub(url string, lp *loop, onMessage func(hubMessage), onClose func(error)) (*hub, error) {
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the hub at %s: %w", url, err)
	}
	conn.SetReadLimit(hubReadLimitBytes)
	_ = conn.SetReadDeadline(time.Now().Add(welcomeTimeout))
	var welcome hubMessage
	if err := conn.ReadJSON(&welcome); err != nil || welcome.Type != "welcome" || welcome.Limits == nil {
		conn.Close()
		return nil, fmt.Errorf("no welcome from the hub at %s (%v)", url, err)
	}
	_ = conn.SetReadDeadline(time.Time{}) // the hub pings us; gorilla answers pings while we read
	h := &hub{conn: conn, lp: lp, peerID: welcome.PeerID, limits: *welcome.Limits}
	l := welcome.Limits
	h.messages = newBucket(l.MessagesPerSecond*rateHeadroom, l.MessageBurst*rateHeadroom)
	if l.BytesPerSecond > 0 {
		h.bytes = newBucket(l.BytesPerSecond*rateHeadroom, l.ByteBurst*rateHeadroom)
	}
	go func() {
		for {
			_, frame, err := conn.ReadMessage()
			if err != nil {
				lp.post(func() { h.lost(err, onClose) })
				return
			}
			var m hubMessage
			if json.Unmarshal(frame, &m) != nil {
				continue // not ours to fix: the hub only sends JSON objects
			}
			lp.post(func() { onMessage(m) })
		}
	}()
	return h, nil
}

// send queues a message; frames leave in order, under the hub's message and byte budgets.
func (h *hub) send(message any) {
	frame, err := json.Marshal(message)
	if err != nil || h.closed {
		return
	}
	h.outbox = append(h.outbox, frame)
	h.pump()
}

// relay sends a link batch to a peer through the hub: {l: base64} (docs/protocol.md, "Link records").
func (h *hub) relay(to string, batch []byte) {
	h.send(map[string]any{"type": "relay", "to": to, "data": map[string]string{"l": base64.StdEncoding.EncodeToString(batch)}})
}

// idle: every frame handed over so far has left for the hub.
func (h *hub) idle() bool { return len(h.outbox) == 0 }

// relayBatchBytes: the largest link batch (before base64, which grows it by 4/3) that fits one relay
// frame of maxFrameBytes, with room for the JSON envelope and a peer id.
func (h *hub) relayBatchBytes() int {
	return int(math.Max(1024, math.Floor((h.limits.MaxFrameBytes-256)*3/4)))
}

func (h *hub) pump() {
	if h.waiting != nil || h.closed {
		return
	}
	for len(h.outbox) > 0 {
		frame := h.outbox[0]
		cost := float64(len(frame)) // the hub counts the frame's bytes
		wait := h.messages.wait(1)
		if h.bytes != nil {
			wait = maxDuration(wait, h.bytes.wait(math.Min(cost, h.bytes.capacity)))
		}
		if wait > 0 {
			h.waiting = h.lp.after(wait, func() {
				h.waiting = nil
				h.pump()
			})
			return
		}
		h.messages.take(1)
		if h.bytes != nil {
			h.bytes.take(math.Min(cost, h.bytes.capacity))
		}
		_ = h.conn.SetWriteDeadline(time.Now().Add(hubWriteTimeout))
		if err := h.conn.WriteMessage(websocket.TextMessage, frame); err != nil {
			h.conn.Close() // the reader then sees the connection end, and reports it
			return
		}
		h.outbox[0] = nil
		h.outbox = h.outbox[1:]
	}
}

func (h *hub) lost(err error, onClose func(error)) {
	if h.closed {
		return
	}
	h.closed = true
	onClose(err)
}

// close ends the connection deliberately (1000: the hub tells the rooms we left).
func (h *hub) close() {
	h.closed = true
	_ = h.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
	h.conn.Close()
}

func maxDuration(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}
