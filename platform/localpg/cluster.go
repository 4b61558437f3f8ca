package localpg

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/platform/log"
)

// Options configure a cluster.
type Options struct {
	// Dir is the cluster's home; the data directory is Dir/data.
	Dir string
	// BinDir overrides binary discovery.
	BinDir string
	// Database is created on first start (default "thebrain").
	Database string
	Logger   *slog.Logger
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	opts    Options
	binDir  string
	dataDir string
	port    int
	pass    string
	cred    *syscall.Credential // set when we run the server as another user
	owned   bool                // we started it, so we stop it
}

const superuser = "thebrain"

// Start initialises the cluster on first use, starts it on a free loopback
// port with password authentication, and creates the database. As root it
// runs the server as the unprivileged "postgres" user, because PostgreSQL
// refuses to run as root.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.Database == "" {
		o.Database = "thebrain"
	}
	if o.Logger == nil {
		o.Logger = log.Discard()
	}
	bin, err := FindBinaries(o.BinDir)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	// The parent (the application's data directory) only needs to be
	// searchable by the server's user, not listable.
	if err := os.MkdirAll(filepath.Dir(dir), 0o711); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		if cred, err = unprivileged(); err != nil {
			return nil, err
		}
		if rerr := searchable(filepath.Dir(dir), cred); rerr != nil {
			// A checkout under /root, say: the postgres user cannot get
			// there. Keep the cluster where it can, tied to this directory
			// so the next start finds it again.
			alt := filepath.Join(os.TempDir(), "thebrain-pg-"+shortHash(dir))
			o.Logger.WarnContext(ctx, "the postgres user cannot reach the data directory; keeping the embedded cluster elsewhere",
				slog.String("wanted", dir), slog.String("using", alt), slog.String("reason", rerr.Error()))
			dir = alt
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	c := &Cluster{opts: o, binDir: bin, dataDir: filepath.Join(dir, "data"), cred: cred}
	if cred != nil {
		if err := reachable(dir, cred); err != nil {
			return nil, err
		}
	}
	if c.pass, err = c.password(filepath.Join(dir, "password")); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
		o.Logger.InfoContext(ctx, "embedded PostgreSQL initialised", slog.String("data_dir", c.dataDir), slog.Duration("took", time.Since(start)))
	}
	if port, ok := c.runningPort(); ok {
		// A server from an earlier run (or another process) still owns the
		// directory: use it and leave it running.
		c.port = port
		o.Logger.InfoContext(ctx, "embedded PostgreSQL already running; reusing it", slog.Int("port", port))
	} else {
		if err := c.start(ctx); err != nil {
			return nil, err
		}
		c.owned = true
	}
	if err := c.createDatabase(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

// URL is the connection URL of the cluster's database.
func (c *Cluster) URL() string { return c.urlFor(c.opts.Database) }

func (c *Cluster) urlFor(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(superuser, c.pass),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// Stop shuts the server down (fast mode: open sessions are ended) if this
// process started it.
func (c *Cluster) Stop() error {
	if !c.owned {
		return nil
	}
	c.owned = false
	out, err := c.run(context.Background(), "pg_ctl", "-D", c.dataDir, "-m", "fast", "-w", "-t", "30", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

// Resume starts a cluster that Stop shut down again, on the same port, so
// URLs handed out before work again: fault-injection tests use Stop and
// Resume as a database outage.
func (c *Cluster) Resume(ctx context.Context) error {
	if c.owned {
		return errors.New("localpg: the cluster is running")
	}
	if err := c.startOn(ctx, c.port); err != nil {
		return err
	}
	c.owned = true
	return nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	pwfile := filepath.Join(filepath.Dir(c.dataDir), "pwfile")
	if err := os.WriteFile(pwfile, []byte(c.pass+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if err := c.chown(pwfile); err != nil {
		return err
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return err
	}
	if err := c.chown(c.dataDir); err != nil {
		return err
	}
	out, err := c.run(ctx, "initdb", "-D", c.dataDir, "-U", superuser, "--pwfile", pwfile,
		"--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	if err != nil {
		// Some builds lack the C.UTF-8 locale; C with UTF8 encoding works everywhere.
		if bytes.Contains(out, []byte("locale")) {
			_ = os.RemoveAll(c.dataDir)
			_ = os.MkdirAll(c.dataDir, 0o700)
			_ = c.chown(c.dataDir)
			out, err = c.run(ctx, "initdb", "-D", c.dataDir, "-U", superuser, "--pwfile", pwfile,
				"--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
		}
		if err != nil {
			return fmt.Errorf("initdb: %w: %s", err, lastLines(out, 5))
		}
	}
	return nil
}

func (c *Cluster) start(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	return c.startOn(ctx, port)
}

func (c *Cluster) startOn(ctx context.Context, port int) error {
	c.port = port
	logFile := filepath.Join(c.dataDir, "server.log")
	opts := strings.Join([]string{
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=''",
		"-c", "max_connections=200",
		"-c", "shared_buffers=128MB",
		"-c", "fsync=on",
	}, " ")
	out, err := c.run(ctx, "pg_ctl", "-D", c.dataDir, "-l", logFile, "-o", opts, "-w", "-t", "60", "start")
	if err != nil {
		serverLog, _ := os.ReadFile(logFile)
		return fmt.Errorf("pg_ctl start: %w: %s %s", err, out, lastLines(serverLog, 10))
	}
	return nil
}

// runningPort reads postmaster.pid and reports the port of a live server.
func (c *Cluster) runningPort() (int, bool) {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err2 := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err1 != nil || err2 != nil || pid <= 0 {
		return 0, false
	}
	if syscall.Kill(pid, 0) != nil {
		return 0, false // stale file; pg_ctl start cleans it up
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return 0, false
	}
	conn.Close()
	return port, true
}

func (c *Cluster) createDatabase(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.urlFor("postgres"))
	if err != nil {
		return fmt.Errorf("connect to embedded PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", c.opts.Database).Scan(&exists); err != nil {
		return fmt.Errorf("look up database: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{c.opts.Database}.Sanitize()); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	return nil
}

// password returns the superuser password kept beside the cluster,
// generating it on first use.
func (c *Cluster) password(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		if p := strings.TrimSpace(string(b)); p != "" {
			return p, nil
		}
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	p := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(p+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("store cluster password: %w", err)
	}
	return p, nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Dir = "/"
	}
	// pg_ctl start leaves the server running with our stdout: a file, not a
	// pipe, so the child never blocks writing to it and CombinedOutput
	// returns when pg_ctl itself does.
	f, err := os.CreateTemp("", "thebrain-pg-*.out")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	out, _ := os.ReadFile(f.Name())
	return out, err
}

func (c *Cluster) chown(path string) error {
	if c.cred == nil {
		return nil
	}
	return os.Chown(path, int(c.cred.Uid), int(c.cred.Gid))
}

// unprivileged returns the credentials of the "postgres" system user.
func unprivileged() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, and PostgreSQL refuses to run as root: create an unprivileged \"postgres\" user (installing the postgresql package does) or run thebrain as a normal user")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// reachable hands dir to the postgres user and checks that it can
// traverse every parent of dir.
func reachable(dir string, cred *syscall.Credential) error {
	if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
		return fmt.Errorf("hand %s to the postgres user: %w", dir, err)
	}
	return searchable(filepath.Dir(dir), cred)
}

// searchable checks that the postgres user can traverse dir and every
// parent of it.
func searchable(dir string, cred *syscall.Credential) error {
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		mode := fi.Mode().Perm()
		ok := mode&0o001 != 0 || (st.Uid == cred.Uid && mode&0o100 != 0) || (st.Gid == cred.Gid && mode&0o010 != 0)
		if !ok {
			return fmt.Errorf("the postgres user cannot reach %s (no search permission on %s); set THEBRAIN_DATA_DIR to a directory it can reach, e.g. /var/tmp/thebrain", dir, p)
		}
		if p == "/" {
			return nil
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// shortHash names a fallback directory after the one it stands in for.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}
