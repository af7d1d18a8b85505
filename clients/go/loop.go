// One goroutine owns all state (the hub socket's queue, the room, every link): pion, the socket reader,
// stdin and timers post functions to it. No locks, and the order of events is the order they ran in.
package main

import (
	"fmt"
	"runtime/debug"
	"time"
)

type loop struct {
	events chan func()
	// soon: functions to run once the current event is handled (flushes: every send made while handling
	// one event, or a burst of events, goes out in the same batches).
	soon []func()
	// crashed reports a panic inside an event: printed as an error event, and the peer goes on.
	crashed func(error)
}

func newLoop() *loop { return &loop{events: make(chan func(), 1024)} }

// post runs fn on the loop. It blocks while the loop is 1024 events behind, which holds back whoever
// posts (the socket reader, a DataChannel's reader): backpressure, not a growing queue. Callbacks that
// pion makes while holding its own locks must not block: they use `go lp.post(...)`.
func (lp *loop) post(fn func()) { lp.events <- fn }

// after runs fn on the loop after d, unless cancelled first. (Stopping a time.AfterFunc can lose the race
// with a callback already on its way to the loop; the flag, read on the loop, cannot.)
func (lp *loop) after(d time.Duration, fn func()) (cancel func()) {
	cancelled := false
	t := time.AfterFunc(d, func() {
		lp.post(func() {
			if !cancelled {
				fn()
			}
		})
	})
	return func() {
		cancelled = true
		t.Stop()
	}
}

// coalesceEvents: while more events wait, up to this many run before the `soon` functions (flushes), so
// that a burst (lines on stdin, batches from a peer) leaves in few, full batches.
const coalesceEvents = 64

func (lp *loop) run() {
	held := 0
	for fn := range lp.events {
		lp.safely(fn)
		if held++; len(lp.events) > 0 && held < coalesceEvents {
			continue
		}
		held = 0
		for len(lp.soon) > 0 {
			soon := lp.soon
			lp.soon = nil
			for _, f := range soon {
				lp.safely(f)
			}
		}
	}
}

// safely: no input may end the process. A panic is a bug of ours; it is reported, and the loop goes on.
func (lp *loop) safely(fn func()) {
	defer func() {
		if r := recover(); r != nil && lp.crashed != nil {
			lp.crashed(fmt.Errorf("%v\n%s", r, debug.Stack()))
		}
	}()
	fn()
}

// nowMs: a monotonic clock in ms, for PING times.
var started = time.Now()

func nowMs() float64 { return float64(time.Since(started).Microseconds()) / 1000 }
