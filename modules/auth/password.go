package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/thebrain/thebrain/modules/auth/internal/argon2id"
	"github.com/thebrain/thebrain/platform/apperr"
)

// Argon2Params are argon2id's cost parameters. Memory is in KiB.
type Argon2Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
}

// OWASPArgon2 is the default: the OWASP Password Storage Cheat Sheet's
// first recommendation (m = 19 MiB, t = 2, p = 1).
var OWASPArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// BcryptCost is the cost used when bcrypt is configured (the seed's choice).
const BcryptCost = 12

// bcryptMaxBytes is bcrypt's input limit: x/crypto refuses longer input
// when hashing, so we refuse it at signup and login alike.
const bcryptMaxBytes = 72

const (
	argonSaltLen = 16
	argonKeyLen  = 32
	// argon2Version is the algorithm version we write and accept (0x13).
	argon2Version = 19
	// storedCostFactor bounds what a stored hash may make a login cost,
	// relative to the configured parameters: an argon2id work area and its
	// work (area x passes) at most 4x, a bcrypt cost at most 2 more (4x the
	// rounds). That leaves room for hashes made with somewhat stronger
	// settings, while a damaged or planted row cannot make one login take
	// 256x the work or a pool slot hold hundreds of MiB.
	storedCostFactor  = 4
	storedBcryptExtra = 2
)

// errResetRequired marks a stored hash the hasher refuses to check: beyond
// the cost limits above, or unreadable. Verify has then done the dummy hash
// (the work of a normal login) and reports no match; the account cannot
// sign in until its password is reset.
var errResetRequired = errors.New("password reset required")

// hasher hashes and verifies passwords in a bounded pool: at most `slots`
// hashes run at once, so a login storm queues logins instead of taking every
// CPU from the rest of the API. argon2id hashes are also paced: they run in
// bursts of 256 blocks (about 0.15 ms) with a rest after each, because
// one uninterrupted 40 ms hash makes every request whose threads the kernel
// queues behind it wait (docs/perf.md, "Login storm").
type hasher struct {
	algo   string // "argon2id" or "bcrypt"
	argon  Argon2Params
	bcrypt int
	// area is the work area the configured argon2id parameters need, in
	// bytes; slots give back anything larger after the hash that grew them.
	area int
	// slots holds one argon2id work area per pool slot: taking one is
	// taking the slot, and its 19 MiB are reused instead of reallocated.
	// It is zeroed after every hash (docs/perf.md, "Clearing the work area").
	slots chan *argon2id.Memory
	// rest is how long a hash sleeps after each burst, as a fraction of the
	// burst: 1 means a slot computes at most half the time, 0 no pacing.
	rest  float64
	dummy string // a hash with the current parameters, for unknown users
	calls atomic.Int64
	// work counts the argon2id work done, in KiB of work area times passes,
	// so tests can tell a refused hash from one computed and dropped.
	work atomic.Int64
}

// newHasher returns a hasher for algo with a pool of workers slots (0 picks
// GOMAXPROCS-1, at least 1) whose argon2id hashes compute duty of the time
// (0 < duty <= 1; 1 computes each hash in one go).
func newHasher(algo string, argon Argon2Params, bcryptCost, workers int, duty float64) (*hasher, error) {
	if workers <= 0 {
		workers = max(1, runtime.GOMAXPROCS(0)-1)
	}
	h := &hasher{algo: algo, argon: argon, bcrypt: bcryptCost, slots: make(chan *argon2id.Memory, workers), rest: (1 - duty) / duty,
		area: argon2id.Params{Memory: argon.Memory, Threads: argon.Threads}.AreaSize()}
	for range workers {
		h.slots <- new(argon2id.Memory)
	}
	switch algo {
	case "argon2id":
		if argon.Memory < 8 || argon.Time < 1 || argon.Threads < 1 {
			return nil, errors.New("argon2id parameters out of range")
		}
	case "bcrypt":
		if bcryptCost < bcrypt.MinCost || bcryptCost > bcrypt.MaxCost {
			return nil, errors.New("bcrypt cost out of range")
		}
	default:
		return nil, fmt.Errorf("unknown password hash %q (argon2id or bcrypt)", algo)
	}
	dummy, err := h.dummyHash()
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	return h, nil
}

// dummyHash returns a hash with the configured parameters that matches no
// password. For argon2id it is a random salt and key in the encoded form,
// for bcrypt a cheap hash relabelled with the configured cost: checking a
// password against it costs what a real check costs, and making it costs
// nothing, so a process that never hashes (collab, Lambda handlers that
// only verify tokens) never allocates a work area, and no start-up waits
// for a hash.
func (h *hasher) dummyHash() (string, error) {
	var pw [18]byte
	_, _ = rand.Read(pw[:])
	if h.algo == "bcrypt" {
		// A real hash at the cheapest cost, relabelled with the configured
		// one: well formed, checking against it costs a full hash at the
		// configured cost, and it matches no password. Hashing at the
		// configured cost here would put a quarter second into every cold
		// start (a Lambda's included).
		b, err := bcrypt.GenerateFromPassword([]byte(base64.RawStdEncoding.EncodeToString(pw[:])), bcrypt.MinCost)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s$%02d$%s", b[:3], h.bcrypt, b[7:]), nil
	}
	salt, key := make([]byte, argonSaltLen), make([]byte, argonKeyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	p := h.argon
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// errBusy answers a request that gave up waiting for, or during, a hash.
func errBusy(cause error) error {
	return apperr.Wrap(apperr.Unavailable, "the server is busy; try again shortly", cause)
}

// acquire takes a pool slot, or gives up when ctx ends (the request's
// deadline bounds the queue).
func (h *hasher) acquire(ctx context.Context) (*argon2id.Memory, error) {
	select {
	case m := <-h.slots:
		return m, nil
	case <-ctx.Done():
		return nil, errBusy(ctx.Err())
	}
}

func (h *hasher) release(m *argon2id.Memory) { h.slots <- m }

// pacer returns the hook argon2id calls between bursts: it rests rest times
// the burst's length, so the pool computes at most 1/(1+rest) of the time in
// slices short enough not to delay other requests, and it abandons the hash
// when the request is gone.
func (h *hasher) pacer(ctx context.Context) func() error {
	if h.rest <= 0 {
		return func() error { return ctx.Err() }
	}
	last := time.Now()
	return func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		restThread(time.Duration(float64(time.Since(last)) * h.rest))
		last = time.Now()
		return nil
	}
}

// argon2Key runs argon2id in the slot's work area, paced, then zeroes the
// area, and drops it if it is larger than the configured parameters need
// (a stored hash with stronger ones grew it).
func (h *hasher) argon2Key(ctx context.Context, m *argon2id.Memory, pw, salt []byte, p Argon2Params, keyLen int) ([]byte, error) {
	ap := argon2id.Params{Memory: p.Memory, Time: p.Time, Threads: p.Threads, KeyLen: uint32(keyLen)}
	h.work.Add(int64(ap.AreaSize()/1024) * int64(p.Time))
	key, err := m.Key(pw, salt, ap, h.pacer(ctx))
	// Wiped even when the request is gone: paced, but never abandoned.
	m.Wipe(h.pacer(context.WithoutCancel(ctx)))
	if m.Size() > h.area {
		m.Release()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, errBusy(err)
		}
		return nil, fmt.Errorf("argon2id: %w", err)
	}
	return key, nil
}

// Hash returns the encoded hash of password with the configured algorithm.
func (h *hasher) Hash(ctx context.Context, password string) (string, error) {
	m, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer h.release(m)
	h.calls.Add(1)
	pw := []byte(password)
	if h.algo == "bcrypt" {
		b, err := bcrypt.GenerateFromPassword(pw, h.bcrypt)
		return string(b), err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := h.argon
	key, err := h.argon2Key(ctx, m, pw, salt, p, argonKeyLen)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, and whether encoded is
// weaker than what Hash would produce now. An empty or unknown encoded hash
// is checked against the dummy so the time spent is the same as for a real
// account. So is one the hasher refuses (too costly or unreadable, see
// checkStored); Verify then reports no match and an errResetRequired that
// says why.
func (h *hasher) Verify(ctx context.Context, encoded, password string) (ok, rehash bool, err error) {
	m, err := h.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer h.release(m)
	h.calls.Add(1)
	refused := h.checkStored(encoded)
	if refused != nil || !strings.HasPrefix(encoded, "$argon2id$") && !strings.HasPrefix(encoded, "$2") {
		// The same work as for a real account, and never a match.
		if _, _, err := h.compare(ctx, m, h.dummy, password); err != nil {
			return false, false, err
		}
		return false, false, refused
	}
	return h.compare(ctx, m, encoded, password)
}

// compare checks password against a readable encoded hash in the slot m.
func (h *hasher) compare(ctx context.Context, m *argon2id.Memory, encoded, password string) (ok, rehash bool, err error) {
	if strings.HasPrefix(encoded, "$2") {
		if len(password) > bcryptMaxBytes {
			// Compare would silently look at the first 72 bytes only.
			_ = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password[:bcryptMaxBytes]))
			return false, false, nil
		}
		ok = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password)) == nil
		cost, _ := bcrypt.Cost([]byte(encoded))
		rehash = h.algo != "bcrypt" || cost < h.bcrypt
		return ok, rehash, nil
	}
	p, salt, key, err := parseArgon2(encoded)
	if err != nil {
		return false, false, fmt.Errorf("password hash: %w", err) // unreachable: checkStored parsed it
	}
	got, err := h.argon2Key(ctx, m, []byte(password), salt, p, len(key))
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = h.algo != "argon2id" || p.Memory < h.argon.Memory || p.Time < h.argon.Time || p.Threads < h.argon.Threads
	return ok, rehash, nil
}

// checkStored returns an errResetRequired for a stored hash that must not be
// checked: an argon2id or bcrypt hash that is unreadable, or that asks for
// more than storedCostFactor times the configured work. Anything else is
// nil, including strings that are no hash at all (no password).
func (h *hasher) checkStored(encoded string) error {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		p, _, _, err := parseArgon2(encoded)
		if err != nil {
			return fmt.Errorf("%w: stored argon2id hash: %w", errResetRequired, err)
		}
		area := argon2id.Params{Memory: p.Memory, Threads: p.Threads}.AreaSize()
		limit := storedCostFactor * h.area
		if area > limit || uint64(area)*uint64(p.Time) > uint64(limit)*uint64(h.argon.Time) {
			return fmt.Errorf("%w: stored argon2id hash m=%d,t=%d,p=%d costs more than %dx the configured m=%d,t=%d,p=%d",
				errResetRequired, p.Memory, p.Time, p.Threads, storedCostFactor, h.argon.Memory, h.argon.Time, h.argon.Threads)
		}
	case strings.HasPrefix(encoded, "$2"):
		cost, err := bcrypt.Cost([]byte(encoded))
		if err != nil {
			return fmt.Errorf("%w: stored bcrypt hash: %w", errResetRequired, err)
		}
		if cost > h.bcrypt+storedBcryptExtra {
			return fmt.Errorf("%w: stored bcrypt cost %d is above the limit %d", errResetRequired, cost, h.bcrypt+storedBcryptExtra)
		}
	}
	return nil
}

// parseArgon2 reads the PHC string "$argon2id$v=19$m=..,t=..,p=..$salt$key".
func parseArgon2(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2Version) {
		return p, nil, nil, errors.New("not an argon2id PHC string")
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, errors.New("bad argon2id parameter")
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, errors.New("bad argon2id parallelism")
			}
			p.Threads = uint8(n)
		}
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) < 16 || len(key) > 1024 || len(salt) > 1024 || p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return p, nil, nil, errors.New("bad argon2id parameters, salt or key")
	}
	return p, salt, key, nil
}
