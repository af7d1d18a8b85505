// What a person (or a script) types on stdin.
package main

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
)

var whisperLine = regexp.MustCompile(`^/w\s+(\S+)\s+(.*)$`)
var rawLine = regexp.MustCompile(`^/raw\s+(\S+)\s+(\S*)$`)

// typed: a line from stdin. `/w NAME text` whispers (NAME: a member's name or peer id);
// `/raw NAME BASE64` puts bytes on the link to NAME as one batch, as they are (to see how a peer
// treats bad records); anything else goes to the room.
func (p *peer) typed(line string) {
	line = strings.TrimSuffix(line, "\r")
	if strings.TrimSpace(line) == "" {
		return
	}
	if m := whisperLine.FindStringSubmatch(line); m != nil {
		if id := p.memberByName(m[1]); id != "" {
			p.send([]byte(m[2]), false, id)
		}
		return
	}
	if m := rawLine.FindStringSubmatch(line); m != nil {
		if id := p.memberByName(m[1]); id != "" {
			p.sendRaw(id, m[2])
		}
		return
	}
	p.send([]byte(line), false, "")
}

func (p *peer) memberByName(name string) string {
	if _, ok := p.members[name]; ok {
		return name
	}
	for id, info := range p.members {
		if info.Name == name {
			return id
		}
	}
	p.problem("peer-not-found", fmt.Sprintf("no peer named %s in %s", name, p.opt.room))
	return ""
}

func (p *peer) sendRaw(peerID, text string) {
	batch, err := base64.StdEncoding.DecodeString(text)
	l := p.ensureLink(peerID)
	if err != nil || l == nil {
		p.problem("bad-raw", "/raw takes a member and base64")
		return
	}
	if l.channel != nil && l.path != "relay" {
		_ = l.channel.Send(batch)
	} else {
		p.hub.relay(peerID, batch)
	}
}
