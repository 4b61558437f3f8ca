package testkit

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RedisProcess is a private redis-server for fault-injection tests: the
// test kills it, freezes it (SIGSTOP), thaws it and restarts it, and never
// touches the Redis other tests share. It runs without persistence, so a
// restart comes back empty, like a Redis without AOF after a crash.
type RedisProcess struct {
	t    testing.TB
	bin  string
	port int
	log  *SyncBuffer

	mu     sync.Mutex
	proc   *os.Process
	exited chan struct{} // closed when proc has exited and was reaped
}

// RedisServer starts a private redis-server on a free loopback port and
// stops it when the test ends. THEBRAIN_TEST_REDIS_SERVER names the binary
// (default: redis-server on PATH).
func RedisServer(t testing.TB) *RedisProcess {
	t.Helper()
	bin := os.Getenv("THEBRAIN_TEST_REDIS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			t.Fatalf("testkit: fault-injection tests need redis-server (apt-get install redis-server, or set THEBRAIN_TEST_REDIS_SERVER): %v", err)
		}
	}
	p := &RedisProcess{t: t, bin: bin, log: &SyncBuffer{}}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("redis-server log:\n%s", p.log.String())
		}
	})
	// A port found free can be taken before redis-server binds it: retry.
	var err error
	for range 5 {
		if p.port, err = freePort(); err != nil {
			continue
		}
		if err = p.start(); err == nil {
			return p
		}
	}
	t.Fatalf("testkit: start redis-server: %v", err)
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Addr is host:port of the server.
func (p *RedisProcess) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// URL is the redis:// URL of the server.
func (p *RedisProcess) URL() string { return "redis://" + p.Addr() + "/0" }

// start runs redis-server on p.port and waits until it answers PING.
func (p *RedisProcess) start() error {
	cmd := exec.Command(p.bin, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = p.log, p.log
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for pingRedis(p.Addr()) != nil {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited at start; log:\n%s", p.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server on port %d did not answer within 10s", p.port)
		}
	}
	p.mu.Lock()
	p.proc, p.exited = cmd.Process, exited
	p.mu.Unlock()
	return nil
}

// pingRedis sends one PING and expects PONG.
func pingRedis(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Kill ends the server at once (SIGKILL), like a crash. It does nothing
// when the server is not running.
func (p *RedisProcess) Kill() {
	p.mu.Lock()
	proc, exited := p.proc, p.exited
	p.proc = nil
	p.mu.Unlock()
	if proc == nil {
		return
	}
	_ = proc.Signal(syscall.SIGKILL) // works on a stopped process too
	<-exited
}

// Freeze stops the process (SIGSTOP): connections stay open and new ones
// are accepted by the kernel, but nothing is answered, like a server
// stalled by swapping or a long fork.
func (p *RedisProcess) Freeze() { p.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server (SIGCONT).
func (p *RedisProcess) Thaw() { p.signal(syscall.SIGCONT) }

func (p *RedisProcess) signal(sig syscall.Signal) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc == nil {
		p.t.Fatal("testkit: redis-server is not running")
	}
	if err := p.proc.Signal(sig); err != nil {
		p.t.Fatalf("testkit: signal redis-server: %v", err)
	}
}

// Restart starts the server again on the same port, empty. A running
// server is killed first.
func (p *RedisProcess) Restart() {
	p.t.Helper()
	p.Kill()
	if err := p.start(); err != nil {
		p.t.Fatalf("testkit: restart redis-server: %v", err)
	}
}
