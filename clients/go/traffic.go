// The records of a link: what it sends (batches on its current path, under the DataChannel's
// bufferedAmount or the hub's pacing) and what it receives (records from any path, in any mix).
package main

import "fmt"

// send queues a message's chunks for the peer.
func (l *link) send(room string, data []byte, binary, whisper bool) error {
	if l.snd.bytes > maxUnackedBytes {
		return errSendQueueFull
	}
	chunk := chunkBytes
	if relayChunk := l.p.hub.relayBatchBytes() - dataHeaderBytes; relayChunk < chunk {
		chunk = relayChunk // the chunk may have to go through the hub some day
	}
	l.data = append(l.data, l.snd.encode(room, data, binary, whisper, chunk)...)
	l.schedule()
	return nil
}

// schedule: flush once the current event is handled, so that its sends share batches.
func (l *link) schedule() {
	if !l.flushing && !l.closed {
		l.flushing = true
		l.p.lp.soon = append(l.p.lp.soon, l.flush)
	}
}

func (l *link) empty() bool { return !l.ackDue && len(l.control) == 0 && len(l.data) == 0 }

func (l *link) flush() {
	l.flushing = false
	if l.closed {
		return
	}
	switch {
	case l.path == "relay":
		// While earlier frames wait for the hub's rate limit, keep records here: they coalesce into
		// fewer, fuller frames.
		if !l.p.hub.idle() {
			l.cancelRelayRetry()
			l.cancelRelayRetry = l.p.lp.after(relayRetry, l.schedule)
			return
		}
		for !l.empty() {
			l.p.hub.relay(l.peerID, l.takeBatch(l.p.hub.relayBatchBytes()))
		}
	case l.channel != nil:
		for !l.empty() && l.channel.BufferedAmount() < highWaterBytes {
			if err := l.channel.Send(l.takeBatch(batchBytes)); err != nil {
				// what was taken is still unacknowledged: the next path sends it again
				l.attemptFailed(l.attempt, "send failed: "+err.Error())
				return
			}
		}
		// the rest goes when bufferedAmount falls to lowWaterBytes
	}
	// connecting: everything waits for a path
}

// takeBatch: the ACK, PONGs, then DATA records, back to back, up to limit bytes (at least one record).
func (l *link) takeBatch(limit int) []byte {
	var batch []byte
	fits := func(r []byte) bool { return len(batch) == 0 || len(batch)+len(r) <= limit }
	if l.ackDue {
		batch = append(batch, encodeAck(l.rcv.acknowledged())...)
		l.ackDue = false
	}
	for len(l.control) > 0 && fits(l.control[0]) {
		batch = append(batch, l.control[0]...)
		l.control = l.control[1:]
	}
	for len(l.data) > 0 && fits(l.data[0]) {
		batch = append(batch, l.data[0]...)
		l.data = l.data[1:]
	}
	return batch
}

// scheduleRetransmit: on the relay nothing else notices a frame lost with the hub connection; when a
// whole period passed without an acknowledgement, and nothing still waits to leave, send again.
func (l *link) scheduleRetransmit() {
	l.cancelRetransmit = l.p.lp.after(retransmitEvery, func() {
		stalled := l.path == "relay" && len(l.snd.unacked) > 0 && !l.ackProgress && l.p.hub.idle()
		l.ackProgress = false
		if stalled {
			l.data = l.snd.pending()
			l.schedule()
		}
		l.scheduleRetransmit()
	})
}

func (l *link) receiveBatch(batch []byte, path string) {
	if l.closed {
		return
	}
	records, err := decodeBatch(batch)
	if err != nil {
		l.p.problem("bad-link-record", fmt.Sprintf("a batch from %s was dropped: %v", l.peerID, err))
		return
	}
	gotData := false
	for _, r := range records {
		switch r.kind {
		case recData:
			gotData = true
			done, problems := l.rcv.receive(r.seq, r.flags, r.payload)
			for _, m := range done {
				l.p.deliver(l.peerID, m, path)
			}
			for _, problem := range problems {
				l.p.problem("bad-link-message", fmt.Sprintf("from %s: %v", l.peerID, problem))
			}
		case recAck:
			if l.snd.acknowledge(r.seq) {
				l.ackProgress = true
			}
		case recPing:
			if len(l.control) < maxControl {
				l.control = append(l.control, encodeTime(recPong, r.time))
				l.schedule()
			}
		}
		// PONG answers a PING we never send; FWD belongs to the star topology, which this peer leaves out
	}
	if gotData {
		l.scheduleAck()
	}
}

func (l *link) scheduleAck() {
	if l.ackTimed {
		return
	}
	l.ackTimed = true
	delay := ackDelay
	if l.path == "relay" {
		delay *= relayAckFactor // over the hub an ACK may cost a frame of the rate limit
	}
	l.cancelAck = l.p.lp.after(delay, func() {
		l.ackTimed = false
		l.ackDue = true
		l.schedule()
	})
}
