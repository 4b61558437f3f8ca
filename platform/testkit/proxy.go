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

// Proxy is a TCP proxy between the code under test and a backend, for
// fault injection without touching the backend, which other tests and
// processes may share: it breaks the path of one client while others still
// reach the server. It counts the connections the client opens, and can
// cut, reset, freeze or answer them itself; Heal ends every fault. Point a
// client at URL.
type Proxy struct {
	ln       net.Listener
	url      string
	upstream string
	accepted atomic.Int64

	mu      sync.Mutex
	conns   map[net.Conn]struct{} // both ends of every live pair
	cut     bool                  // new connections are reset at once
	thawed  chan struct{}         // closed while bytes flow; open while frozen
	respond func(net.Conn)        // when set, answers new connections instead of the upstream
}

// NewProxy listens on a loopback port and relays every connection to the
// host of backendURL (a postgres:// or redis:// URL) until the test ends.
func NewProxy(t testing.TB, backendURL string) *Proxy {
	t.Helper()
	u, err := url.Parse(backendURL)
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	upstream := u.Host
	u.Host = ln.Addr().String()
	thawed := make(chan struct{})
	close(thawed)
	p := &Proxy{ln: ln, url: u.String(), upstream: upstream, conns: map[net.Conn]struct{}{}, thawed: thawed}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.Heal()
		p.ResetAll()
	})
	return p
}

// URL is the backend's URL with the proxy in the backend's place.
func (p *Proxy) URL() string { return p.url }

// Accepted counts the connections the client opened through the proxy:
// every dial attempt, whether relayed, reset or answered.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Cut resets every live connection and every new one, until Heal: a
// network path that is gone, or a server whose port refuses, as far as the
// client can tell.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.cut = true
	p.mu.Unlock()
	p.ResetAll()
}

// ResetAll resets every live connection, both towards the client and the
// upstream, once: new connections are relayed (or answered) as before.
func (p *Proxy) ResetAll() {
	p.mu.Lock()
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	for c := range conns {
		abort(c)
	}
}

// Freeze stops relaying bytes in both directions on every connection, old
// and new, while connections stay open, until Heal delivers what it held:
// a server or network that hangs. (TCP loses no bytes, so a network
// dropping packets looks the same to the client.)
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
		p.thawed = make(chan struct{})
	default: // already frozen
	}
}

// Respond hands every new connection to answer instead of the upstream,
// until Heal, for replies a real server gives only at awkward moments,
// such as PostgreSQL's "the database system is starting up". answer owns
// the connection and closes it.
func (p *Proxy) Respond(answer func(net.Conn)) {
	p.mu.Lock()
	p.respond = answer
	p.mu.Unlock()
}

// Heal ends every fault: new connections reach the upstream again and the
// bytes held by Freeze are delivered. Connections reset before stay closed.
func (p *Proxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut, p.respond = false, nil
	select {
	case <-p.thawed:
	default:
		close(p.thawed)
	}
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed at the end of the test
		}
		p.accepted.Add(1)
		p.mu.Lock()
		cut, respond := p.cut, p.respond
		p.mu.Unlock()
		switch {
		case cut:
			abort(c)
		case respond != nil:
			go respond(c)
		default:
			go p.relay(c)
		}
	}
}

func (p *Proxy) relay(client net.Conn) {
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		abort(client) // the upstream refuses: so do we
		return
	}
	p.mu.Lock()
	if p.cut { // cut while dialling
		p.mu.Unlock()
		abort(client)
		abort(server)
		return
	}
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
func (p *Proxy) pipe(dst, src net.Conn) {
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
// "the database system is starting up". Use it with Proxy.Respond.
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
