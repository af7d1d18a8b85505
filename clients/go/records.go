// Link records (docs/protocol.md, "Link records"): what two peers put in their DataChannel messages and
// in the hub relay's {l: base64}. A batch is records back to back; integers are big-endian.
//
//	DATA 0x01 seq:u32 flags:u8 length:u32 payload
//	ACK  0x02 seq:u32
//	PING 0x03 time:f64
//	PONG 0x04 time:f64
//	FWD  0x05 peerLength:u8 peer:utf8 length:u32 batch   (star topology: parsed, then ignored here)
package main

import (
	"encoding/binary"
	"fmt"
	"math"
)

const (
	recData = 1
	recAck  = 2
	recPing = 3
	recPong = 4
	recFwd  = 5
)

// DATA flags.
const (
	flagFirst   = 1  // first chunk: its payload starts with the message header (room, and origin for history)
	flagLast    = 2  // last chunk of the message
	flagBinary  = 4  // the message is bytes, else UTF-8 text
	flagWhisper = 8  // sent to this peer only
	flagHistory = 16 // a server peer's replay of an earlier room message
)

const dataHeaderBytes = 10 // kind, seq:u32, flags:u8, length:u32

type record struct {
	kind    byte
	seq     uint32  // DATA, ACK
	flags   byte    // DATA
	payload []byte  // DATA (a view into the batch)
	time    float64 // PING, PONG
}

func encodeData(seq uint32, flags byte, payload []byte) []byte {
	out := make([]byte, dataHeaderBytes+len(payload))
	out[0] = recData
	binary.BigEndian.PutUint32(out[1:], seq)
	out[5] = flags
	binary.BigEndian.PutUint32(out[6:], uint32(len(payload)))
	copy(out[dataHeaderBytes:], payload)
	return out
}

func encodeAck(seq uint32) []byte {
	out := []byte{recAck, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], seq)
	return out
}

func encodeTime(kind byte, ms float64) []byte {
	out := make([]byte, 9)
	out[0] = kind
	binary.BigEndian.PutUint64(out[1:], math.Float64bits(ms))
	return out
}

// decodeBatch splits a batch into records. A truncated or unknown record makes the whole batch invalid:
// nothing of it is applied (the sender keeps its DATA until acknowledged, so a good sender loses nothing).
func decodeBatch(b []byte) ([]record, error) {
	var out []record
	for i := 0; i < len(b); {
		kind := b[i]
		need := func(n int) error {
			if len(b)-i < n {
				return fmt.Errorf("truncated record of kind %d at byte %d", kind, i)
			}
			return nil
		}
		switch kind {
		case recData:
			if err := need(dataHeaderBytes); err != nil {
				return nil, err
			}
			length := int(binary.BigEndian.Uint32(b[i+6:]))
			if err := need(dataHeaderBytes + length); err != nil {
				return nil, err
			}
			out = append(out, record{kind: kind, seq: binary.BigEndian.Uint32(b[i+1:]), flags: b[i+5],
				payload: b[i+dataHeaderBytes : i+dataHeaderBytes+length]})
			i += dataHeaderBytes + length
		case recAck:
			if err := need(5); err != nil {
				return nil, err
			}
			out = append(out, record{kind: kind, seq: binary.BigEndian.Uint32(b[i+1:])})
			i += 5
		case recPing, recPong:
			if err := need(9); err != nil {
				return nil, err
			}
			out = append(out, record{kind: kind, time: math.Float64frombits(binary.BigEndian.Uint64(b[i+1:]))})
			i += 9
		case recFwd:
			if err := need(2); err != nil {
				return nil, err
			}
			idLength := int(b[i+1])
			if err := need(6 + idLength); err != nil {
				return nil, err
			}
			length := int(binary.BigEndian.Uint32(b[i+2+idLength:]))
			if err := need(6 + idLength + length); err != nil {
				return nil, err
			}
			out = append(out, record{kind: kind}) // star topology is not implemented: skipped
			i += 6 + idLength + length
		default:
			return nil, fmt.Errorf("unknown record kind %d at byte %d", kind, i)
		}
	}
	return out, nil
}
