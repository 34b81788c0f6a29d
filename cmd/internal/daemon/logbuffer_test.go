package daemon

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the flush goroutine and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestLogBufferWritesLinesAfterTheDelay(t *testing.T) {
	var out lockedBuffer
	b := NewLogBuffer(&out, 10*time.Millisecond)
	defer b.Close()
	fmt.Fprintln(b, "first line")
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "first line\n" {
		if time.Now().After(deadline) {
			t.Fatalf("the line was not written out within 5s; the writer holds %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLogBufferCloseWritesEveryLineInOrder(t *testing.T) {
	var out lockedBuffer
	b := NewLogBuffer(&out, time.Hour)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < lines; i++ {
				fmt.Fprintf(b, "writer %d line %05d %s\n", w, i, strings.Repeat("x", 40))
			}
		}()
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(b, "after close")
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines+1 {
		t.Fatalf("got %d lines, want %d", len(got), writers*lines+1)
	}
	if got[len(got)-1] != "after close" {
		t.Errorf("last line %q, want the one written after Close", got[len(got)-1])
	}
	next := make([]int, writers)
	for _, l := range got[:len(got)-1] {
		var w, i int
		if _, err := fmt.Sscanf(l, "writer %d line %d", &w, &i); err != nil || w < 0 || w >= writers {
			t.Fatalf("mangled line %q", l)
		}
		if i != next[w] {
			t.Fatalf("writer %d: line %d came where %d was due", w, i, next[w])
		}
		next[w]++
	}
}
