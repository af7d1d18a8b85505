// Exactly-once, in-order messages over a link whose path may change: the sender numbers chunks (DATA
// records) and keeps them until acknowledged, to send them again on a new path; the receiver puts them
// back in order, drops duplicates and reassembles messages. Every buffer has a bound, so that a peer that
// sends garbage, leaves gaps or never finishes a message cannot grow our memory.
package main

import "fmt"

const (
	// chunkBytes: payload bytes per DATA record, so that one record fills a 16 KiB DataChannel message
	// (the size every WebRTC stack sends and receives whole). Smaller when a relay frame of the hub
	// could not hold such a record (maxFrameBytes under ~22 KiB).
	chunkBytes = 16*1024 - dataHeaderBytes
	// maxEarlyChunks, maxEarlyBytes: chunks kept that arrived ahead of a gap. More are dropped; the
	// sender still has them and sends them again.
	maxEarlyChunks = 1024
	maxEarlyBytes  = 1 << 20
)

// message is one whole message of a link, as the application sees it.
type message struct {
	room        string
	data        []byte
	binary      bool
	whisper     bool
	historyFrom string // set on a server peer's replay of an earlier message: who sent it first
}

type sender struct {
	nextSeq uint32   // seq of the next chunk
	unacked [][]byte // DATA records sent and not yet acknowledged, oldest first
	bytes   int      // their size
}

func newSender() *sender { return &sender{nextSeq: 1} }

// encode numbers the chunks of a message (at most chunk payload bytes each) and keeps them until
// acknowledged.
func (s *sender) encode(room string, data []byte, binaryData, whisper bool, chunk int) [][]byte {
	whole := make([]byte, 0, 1+len(room)+len(data))
	whole = append(whole, byte(len(room))) // the caller checks that the room fits a u8
	whole = append(whole, room...)
	whole = append(whole, data...)
	var kind byte
	if binaryData {
		kind |= flagBinary
	}
	if whisper {
		kind |= flagWhisper
	}
	var records [][]byte
	for offset := 0; ; offset += chunk {
		end := offset + chunk
		if end > len(whole) {
			end = len(whole)
		}
		flags := kind
		if offset == 0 {
			flags |= flagFirst
		}
		if end == len(whole) {
			flags |= flagLast
		}
		record := encodeData(s.nextSeq, flags, whole[offset:end])
		s.nextSeq++
		s.unacked = append(s.unacked, record)
		s.bytes += len(record)
		records = append(records, record)
		if end == len(whole) {
			return records
		}
	}
}

// acknowledge: the peer has every chunk up to seq. Reports whether anything was acknowledged.
func (s *sender) acknowledge(seq uint32) bool {
	first := s.nextSeq - uint32(len(s.unacked))
	progress := false
	for len(s.unacked) > 0 && first <= seq {
		s.bytes -= len(s.unacked[0])
		s.unacked[0] = nil
		s.unacked = s.unacked[1:]
		first++
		progress = true
	}
	return progress
}

// pending: every unacknowledged record, oldest first (what to send again after a path change).
func (s *sender) pending() [][]byte { return append([][]byte(nil), s.unacked...) }

type earlyChunk struct {
	flags   byte
	payload []byte
}

type receiver struct {
	expected     uint32 // the next seq to take
	early        map[uint32]earlyChunk
	earlyBytes   int
	partial      []byte // the message being reassembled
	partialFlags byte
	inMessage    bool
	skipping     bool // a message over maxMessageBytes: its chunks are dropped up to its last
	maxMessage   int
}

func newReceiver(maxMessageBytes int) *receiver {
	return &receiver{expected: 1, early: map[uint32]earlyChunk{}, maxMessage: maxMessageBytes}
}

// acknowledged: the cumulative ACK to send.
func (r *receiver) acknowledged() uint32 { return r.expected - 1 }

// receive takes one DATA record and returns the messages it completes, in order, and what was wrong with
// the chunks it took (each a refused message; the stream goes on).
func (r *receiver) receive(seq uint32, flags byte, payload []byte) (done []message, problems []error) {
	if seq < r.expected {
		return nil, nil // a duplicate: already taken
	}
	if seq > r.expected {
		if _, dup := r.early[seq]; !dup && len(r.early) < maxEarlyChunks && r.earlyBytes+len(payload) <= maxEarlyBytes {
			r.early[seq] = earlyChunk{flags, append([]byte(nil), payload...)}
			r.earlyBytes += len(payload)
		}
		return nil, nil
	}
	done, problems = r.take(flags, payload, done, problems)
	for next, ok := r.early[r.expected]; ok; next, ok = r.early[r.expected] {
		delete(r.early, r.expected)
		r.earlyBytes -= len(next.payload)
		done, problems = r.take(next.flags, next.payload, done, problems)
	}
	return done, problems
}

func (r *receiver) take(flags byte, payload []byte, done []message, problems []error) ([]message, []error) {
	r.expected++
	if flags&flagFirst != 0 {
		if r.inMessage {
			problems = append(problems, fmt.Errorf("a message was cut short by the next one's first chunk"))
		}
		r.partial, r.partialFlags, r.inMessage, r.skipping = nil, flags, true, false
	} else if !r.inMessage {
		if !r.skipping {
			problems = append(problems, fmt.Errorf("chunk %d continues no message", r.expected-1))
		}
		r.skipping = flags&flagLast == 0
		return done, problems
	}
	if len(r.partial)+len(payload) > r.maxMessage {
		problems = append(problems, fmt.Errorf("a message of more than %d bytes (--max-message-bytes) was dropped", r.maxMessage))
		r.partial, r.inMessage, r.skipping = nil, false, flags&flagLast == 0
		return done, problems
	}
	r.partial = append(r.partial, payload...)
	if flags&flagLast == 0 {
		return done, problems
	}
	whole := r.partial
	r.partial, r.inMessage = nil, false
	m, err := parseMessage(r.partialFlags, whole)
	if err != nil {
		return done, append(problems, err)
	}
	return append(done, m), problems
}

// parseMessage reads a whole message: roomLength:u8 room [originLength:u8 origin at:f64] bytes.
func parseMessage(flags byte, whole []byte) (message, error) {
	bad := fmt.Errorf("a message whose header is cut short (%d bytes)", len(whole))
	if len(whole) < 1 || len(whole) < 1+int(whole[0]) {
		return message{}, bad
	}
	m := message{room: string(whole[1 : 1+whole[0]]), binary: flags&flagBinary != 0, whisper: flags&flagWhisper != 0}
	rest := whole[1+whole[0]:]
	if flags&flagHistory != 0 {
		if len(rest) < 1 || len(rest) < 1+int(rest[0])+8 {
			return message{}, bad
		}
		m.historyFrom = string(rest[1 : 1+rest[0]])
		rest = rest[1+int(rest[0])+8:] // skips `at` (f64, ms since the epoch): the bot does not show it either
	}
	m.data = rest
	return m, nil
}
