package adhoc

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"xmpprest/component"
)

// recorded replays IQ replies recorded from real servers: each call to Do
// takes the next reply and decodes it as the link would.
type recorded struct {
	t       *testing.T
	replies []string
	sent    []string
}

func (r *recorded) Do(_ context.Context, iq component.IQ, result any) error {
	b, err := xml.Marshal(iq.Payload)
	if err != nil {
		r.t.Fatal(err)
	}
	r.sent = append(r.sent, string(b))
	if len(r.replies) == 0 {
		r.t.Fatalf("unexpected IQ: %s", b)
	}
	reply := r.replies[0]
	r.replies = r.replies[1:]
	return component.DecodeReply(xml.NewDecoder(strings.NewReader(reply)), result)
}

// replay loads testdata/NAME.xml: replies separated by blank lines.
func replay(t *testing.T, name string) *recorded {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	var replies []string
	for _, part := range strings.Split(string(b), "\n\n") {
		var lines []string
		for _, line := range strings.Split(part, "\n") {
			if !strings.HasPrefix(line, "<!--") {
				lines = append(lines, line)
			}
		}
		if part = strings.TrimSpace(strings.Join(lines, "\n")); part != "" {
			replies = append(replies, part)
		}
	}
	return &recorded{t: t, replies: replies}
}

func hostsOffering(nodes ...string) HostLookup {
	return func(host string) (component.HostCapabilities, bool) {
		hc := component.HostCapabilities{Host: host, Commands: append([]string(nil), nodes...)}
		sortStrings(hc.Commands)
		return hc, true
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
