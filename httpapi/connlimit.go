package httpapi

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// LimitListener caps the connections a listener keeps open: in total and
// per client address. A connection over either cap is answered with a
// short 503 (when Reject is set) and closed at once, so one client cannot
// hold every connection while the others are still served.
type LimitListener struct {
	net.Listener
	Total, PerAddress int
	// Reject, when set, writes the refusal on a connection over a cap
	// before it is closed.
	Reject func(net.Conn)

	mu     sync.Mutex
	open   int
	byAddr map[string]int
	// Refused counts the connections refused.
	Refused atomic.Int64
}

// RejectWith503 answers a connection refused for a cap with a plain HTTP
// 503 and Retry-After, for plain-HTTP listeners.
func RejectWith503(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write([]byte("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 34\r\n\r\ntoo many connections; retry later\n"))
}

// Accept returns the next connection within the caps.
func (l *LimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := hostOf(c.RemoteAddr())
		if l.admit(addr) {
			return &limitedConn{Conn: c, release: func() { l.release(addr) }}, nil
		}
		l.Refused.Add(1)
		go func() {
			if l.Reject != nil {
				l.Reject(c)
			}
			c.Close()
		}()
	}
}

func (l *LimitListener) admit(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byAddr == nil {
		l.byAddr = map[string]int{}
	}
	if (l.Total > 0 && l.open >= l.Total) || (l.PerAddress > 0 && l.byAddr[addr] >= l.PerAddress) {
		return false
	}
	l.open++
	l.byAddr[addr]++
	return true
}

func (l *LimitListener) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
}

// Open is the number of connections open now.
func (l *LimitListener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// limitedConn gives its slot back once, when closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
