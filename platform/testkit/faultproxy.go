package testkit

import (
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// FaultProxy is a TCP proxy between the code under test and a backend, for
// fault injection without touching the backend: it counts the connections
// the client opens, and can reset them, freeze them, or answer them itself.
// Point a client at it with Rewrite.
type FaultProxy struct {
	t        testing.TB
	ln       net.Listener
	upstream string
	accepted atomic.Int64

	mu      sync.Mutex
	conns   map[net.Conn]struct{} // both ends of every live pair
	reset   bool                  // new connections are reset at once
	thawed  chan struct{}         // closed while traffic flows; open while frozen
	respond func(net.Conn)        // when set, answers new connections instead of the upstream
}

// NewFaultProxy listens on a loopback port and relays every connection to
// upstream (host:port) until the test ends.
func NewFaultProxy(t testing.TB, upstream string) *FaultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fault proxy: %v", err)
	}
	thawed := make(chan struct{})
	close(thawed)
	p := &FaultProxy{t: t, ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}, thawed: thawed}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.Thaw()
		p.ResetAll()
	})
	return p
}

// Addr is the proxy's host:port.
func (p *FaultProxy) Addr() string { return p.ln.Addr().String() }

// Rewrite returns rawURL (a postgres:// or redis:// URL) with its host
// replaced by the proxy's.
func (p *FaultProxy) Rewrite(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		p.t.Fatalf("fault proxy: %v", err)
	}
	u.Host = p.Addr()
	return u.String()
}

// Accepted counts the connections the client opened through the proxy:
// every dial attempt, whether relayed, reset or answered.
func (p *FaultProxy) Accepted() int64 { return p.accepted.Load() }

// ResetNew makes every new connection end at once with a TCP reset (on)
// or relays them again (off): a server whose port refuses, as far as the
// client can tell.
func (p *FaultProxy) ResetNew(on bool) {
	p.mu.Lock()
	p.reset = on
	p.mu.Unlock()
}

// ResetAll resets every live connection, both towards the client and the
// upstream.
func (p *FaultProxy) ResetAll() {
	p.mu.Lock()
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	for c := range conns {
		abort(c)
	}
}

// Freeze stops relaying bytes in both directions on every connection, old
// and new, while connections stay open: a server or network that hangs.
func (p *FaultProxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
		p.thawed = make(chan struct{})
	default: // already frozen
	}
}

// Thaw resumes relaying; bytes held while frozen are delivered.
func (p *FaultProxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
	default:
		close(p.thawed)
	}
}

// Respond hands every new connection to answer instead of the upstream
// (nil relays again), for replies a real server gives only at awkward
// moments, such as PostgreSQL's "the database system is starting up".
// answer owns the connection and closes it.
func (p *FaultProxy) Respond(answer func(net.Conn)) {
	p.mu.Lock()
	p.respond = answer
	p.mu.Unlock()
}

func (p *FaultProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed at the end of the test
		}
		p.accepted.Add(1)
		p.mu.Lock()
		reset, respond := p.reset, p.respond
		p.mu.Unlock()
		switch {
		case reset:
			abort(c)
		case respond != nil:
			go respond(c)
		default:
			go p.relay(c)
		}
	}
}

func (p *FaultProxy) relay(client net.Conn) {
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		abort(client) // the upstream refuses: so do we
		return
	}
	p.mu.Lock()
	p.conns[client] = struct{}{}
	p.conns[server] = struct{}{}
	p.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(server, client) })
	wg.Go(func() { p.pipe(client, server) })
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// pipe copies src to dst, holding each chunk while the proxy is frozen.
// When src ends, dst is closed too, so the other direction ends as well.
func (p *FaultProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			thawed := p.thawed
			p.mu.Unlock()
			<-thawed
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				// Pass a peer's reset on as a reset, not as a clean close.
				var ne *net.OpError
				if errors.As(err, &ne) {
					abort(dst)
				}
			}
			return
		}
	}
}

// abort closes c with a TCP reset rather than a FIN.
func abort(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// PostgresStartingUp answers a PostgreSQL client the way a server still
// replaying its log does: the startup message is refused with FATAL 57P03
// "the database system is starting up". Use it with FaultProxy.Respond.
func PostgresStartingUp(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	be := pgproto3.NewBackend(c, c)
	for {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		switch msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := c.Write([]byte("N")); err != nil {
				return
			}
			continue
		}
		break
	}
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "57P03", Message: "the database system is starting up"})
	_ = be.Flush()
}
