// What the peer reports: one JSON object per line, with the keys and order of `roomwire bot --json`
// (src/bots/bot-events.ts), and `at` last.
package main

import (
	"bytes"
	"encoding/json"
	"io"
	"time"
	"unicode/utf16"
)

type field struct {
	key   string
	value any
}

type printer struct{ out io.Writer }

func (p *printer) event(name string, fields ...field) {
	var b bytes.Buffer
	b.WriteString(`{"event":`)
	writeJSON(&b, name)
	for _, f := range fields {
		b.WriteByte(',')
		writeJSON(&b, f.key)
		b.WriteByte(':')
		writeJSON(&b, f.value)
	}
	b.WriteString(`,"at":`)
	writeJSON(&b, time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
	b.WriteString("}\n")
	_, _ = p.out.Write(b.Bytes()) // one write per line: lines never interleave
}

func writeJSON(b *bytes.Buffer, v any) {
	encoded, err := json.Marshal(v) // invalid UTF-8 becomes U+FFFD, as the TypeScript client decodes it
	if err != nil {
		encoded = []byte("null")
	}
	b.Write(encoded)
}

// utf16Length: the bot reports a text's `bytes` as its JavaScript length (UTF-16 code units).
func utf16Length(s string) int { return len(utf16.Encode([]rune(s))) }
