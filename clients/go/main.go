// roomwire-go-peer: a roomwire room member in Go (pion + gorilla/websocket), written from
// docs/protocol.md. It joins one room, prints every event as a JSON line (as `roomwire bot --json`),
// sends the lines typed on stdin to the room, and with --echo whispers every room message back.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const (
	leaveTimeout = 2 * time.Second // how long we wait for the hub's `left` before exiting anyway
	maxLineBytes = 16 << 20        // longest stdin line
)

func main() {
	rand.Seed(time.Now().UnixNano()) // names and retry jitter differ between runs (Go 1.19 does not seed)
	opt, ok := parseFlags(os.Args[1:])
	if !ok {
		os.Exit(exitUsage)
	}
	lp := newLoop()
	out := &printer{out: os.Stdout}
	p := newPeer(opt, lp, out)
	lp.crashed = func(err error) { p.problem("internal-error", err.Error()) }

	h, err := dialHub(opt.url, lp, p.onHub, p.lost)
	if err != nil {
		fmt.Fprintf(os.Stderr, "roomwire-go-peer: %v\n", err)
		os.Exit(exitUnreachable)
	}
	p.hub, p.selfID = h, h.peerID
	lp.post(p.join)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		lp.post(p.leave)
	}()
	go func() {
		lines := bufio.NewScanner(os.Stdin)
		lines.Buffer(make([]byte, 64*1024), maxLineBytes)
		for lines.Scan() {
			line := lines.Text()
			lp.post(func() { p.typed(line) })
		}
		// end of input: like the bot, stay in the room until SIGINT/SIGTERM
	}()
	lp.run()
}

func parseFlags(args []string) (options, bool) {
	fs := flag.NewFlagSet("roomwire-go-peer", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: roomwire-go-peer --url ws://host:8080/ws --room ROOM --name NAME [--echo] [--no-p2p]\n\n"+
			"Joins the room and prints its events as JSON lines. Lines typed on stdin go to the room;\n"+
			"`/w NAME text` whispers. Exit codes: 0 after SIGINT/SIGTERM, 1 hub unreachable or lost, 2 bad usage,\n"+
			"3 join refused.\n\nOptions:")
		fs.PrintDefaults()
	}
	var opt options
	fs.StringVar(&opt.url, "url", envOr("ROOMWIRE_URL", "ws://localhost:8080/ws"), "the hub's signaling URL (env ROOMWIRE_URL)")
	fs.StringVar(&opt.room, "room", "lobby", "the room to join")
	fs.StringVar(&opt.name, "name", "", "display name (empty: bot-<4 hex digits>)")
	fs.StringVar(&opt.token, "token", os.Getenv("ROOMWIRE_TOKEN"), "join token, for hubs run with --auth-secret (env ROOMWIRE_TOKEN)")
	fs.BoolVar(&opt.echo, "echo", false, "answer every room message with the same data, whispered to its sender")
	fs.BoolVar(&opt.noP2P, "no-p2p", false, "make no peer-to-peer DataChannels: everything goes through the hub relay")
	fs.IntVar(&opt.maxMessageBytes, "max-message-bytes", 16<<20, "largest message (bytes) reassembled from a peer; larger ones are dropped")
	fs.Bool("json", true, "accepted for `roomwire bot` compatibility: events are always JSON lines")
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(exitOK)
	}
	if err != nil || fs.NArg() > 0 || opt.maxMessageBytes < 1 {
		if err == nil {
			fmt.Fprintln(os.Stderr, "roomwire-go-peer: unexpected arguments or a bad --max-message-bytes")
		}
		return opt, false
	}
	if opt.name == "" {
		opt.name = fmt.Sprintf("bot-%04x", rand.Intn(0x10000))
	}
	return opt, true
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
