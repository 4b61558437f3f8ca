package testkit

import (
	"net"
	"sync"
	"testing"
)

// Proxy forwards TCP connections to a target, and lets a test break the
// path between one client and a server that others still reach: Cut drops
// every connection and refuses new ones, Silence keeps connections open but
// forwards nothing (a network losing packets), Heal restores both.
type Proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	cut    bool
	silent bool
	conns  []net.Conn
}

// NewProxy listens on a loopback port and forwards to target until the test
// ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.Cut() })
	return p
}

// Addr is the address clients dial instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every connection and refuses new ones until Heal.
func (p *Proxy) Cut() { p.set(true, false) }

// Silence stops forwarding without closing anything, until Heal.
func (p *Proxy) Silence() { p.set(false, true) }

// Heal forwards again. Connections cut before stay closed.
func (p *Proxy) Heal() { p.set(false, false) }

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			dst.Close()
			return
		}
		p.mu.Lock()
		silent := p.silent
		p.mu.Unlock()
		if silent {
			continue
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			src.Close()
			return
		}
	}
}

func (p *Proxy) set(cut, silent bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut, p.silent = cut, silent
	if cut {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}
