package daemon

import (
	"io"
	"sync"
	"time"
)

// LogFlushDelay is how long a log line may wait in a LogBuffer before it is
// written out.
const LogFlushDelay = 100 * time.Millisecond

// logBufferSize is the size at which a LogBuffer writes out at once.
const logBufferSize = 64 << 10

// LogBuffer collects log lines in memory and writes them out in batches, so
// that a request does not wait for a write to the log file (one system call
// per access line otherwise). A line reaches the underlying writer at most
// the flush delay after it was logged, at once when the buffer fills, and
// every line still held is written by Close, which the process runs before
// it exits. A crash of the whole process (SIGKILL, a fatal runtime error)
// can lose the lines of the last flush delay.
type LogBuffer struct {
	out   io.Writer
	delay time.Duration

	mu        sync.Mutex // guards the fields below
	buf       []byte
	scheduled bool // a flush is due after delay
	closed    bool

	writeMu sync.Mutex // keeps the writes to out in order; guards spare
	spare   []byte     // the buffer last written out, reused
}

// NewLogBuffer returns a LogBuffer writing to out at most delay after a line
// arrives.
func NewLogBuffer(out io.Writer, delay time.Duration) *LogBuffer {
	return &LogBuffer{out: out, delay: delay, buf: make([]byte, 0, logBufferSize), spare: make([]byte, 0, logBufferSize)}
}

// Write keeps a copy of p (one or more whole log lines) for the next flush;
// after Close it writes p through at once.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.writeMu.Lock()
		defer b.writeMu.Unlock()
		return b.out.Write(p)
	}
	b.buf = append(b.buf, p...)
	full := len(b.buf) >= logBufferSize
	if !full && !b.scheduled {
		b.scheduled = true
		time.AfterFunc(b.delay, func() { b.Flush() })
	}
	b.mu.Unlock()
	if full {
		if err := b.Flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes out every line held.
func (b *LogBuffer) Flush() error {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	b.mu.Lock()
	lines := b.buf
	b.buf = b.spare[:0]
	b.scheduled = false
	b.mu.Unlock()
	defer func() { b.spare = lines }()
	if len(lines) == 0 {
		return nil
	}
	_, err := b.out.Write(lines)
	return err
}

// Close writes out every line held; lines written afterwards go straight
// through.
func (b *LogBuffer) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return b.Flush()
}
