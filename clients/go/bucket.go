package main

import (
	"math"
	"time"
)

// bucket is a token bucket: capacity tokens, refilled at rate per second. The hub limits each connection
// with one for messages and one for bytes (welcome.limits); we pace what we send under both.
type bucket struct {
	rate, capacity, tokens float64
	last                   time.Time
}

func newBucket(rate, capacity float64) *bucket {
	return &bucket{rate: rate, capacity: capacity, tokens: capacity, last: time.Now()}
}

func (b *bucket) refill() {
	now := time.Now()
	b.tokens = math.Min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
}

// wait: how long until cost tokens are there (0: now).
func (b *bucket) wait(cost float64) time.Duration {
	b.refill()
	if b.tokens >= cost {
		return 0
	}
	return time.Duration((cost - b.tokens) / b.rate * float64(time.Second))
}

func (b *bucket) take(cost float64) { b.tokens -= cost }
