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

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

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
)

// hasher hashes and verifies passwords in a bounded pool: at most `slots`
// hashes run at once, so a login storm queues logins instead of taking every
// CPU from the rest of the API.
type hasher struct {
	algo   string // "argon2id" or "bcrypt"
	argon  Argon2Params
	bcrypt int
	slots  chan struct{}
	// rest is how long a slot stays taken after each hash, as a fraction
	// of the hash's own time: 1 means a slot hashes at most half the time.
	rest  float64
	dummy string // a hash with the current parameters, for unknown users
	calls atomic.Int64
}

// newHasher returns a hasher for algo with a pool of workers slots (0 picks
// GOMAXPROCS-1, at least 1).
func newHasher(algo string, argon Argon2Params, bcryptCost, workers int) (*hasher, error) {
	if workers <= 0 {
		workers = max(1, runtime.GOMAXPROCS(0)-1)
	}
	h := &hasher{algo: algo, argon: argon, bcrypt: bcryptCost, slots: make(chan struct{}, workers)}
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
	var pw [18]byte
	_, _ = rand.Read(pw[:])
	dummy, err := h.hashNow([]byte(base64.RawStdEncoding.EncodeToString(pw[:])))
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	return h, nil
}

// acquire takes a pool slot, or gives up when ctx ends (the request's
// deadline bounds the queue).
func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return apperr.Wrap(apperr.Unavailable, "the server is busy; try again shortly", ctx.Err())
	}
}

// release frees the slot after the rest its hash earned, so the pool's CPU
// share is bounded even when logins never stop. The caller's answer is not
// delayed: the rest is taken in the background.
func (h *hasher) release(started time.Time) {
	if h.rest <= 0 {
		<-h.slots
		return
	}
	pause := time.Duration(float64(time.Since(started)) * h.rest)
	time.AfterFunc(pause, func() { <-h.slots })
}

// Hash returns the encoded hash of password with the configured algorithm.
func (h *hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release(time.Now())
	return h.hashNow([]byte(password))
}

func (h *hasher) hashNow(pw []byte) (string, error) {
	h.calls.Add(1)
	if h.algo == "bcrypt" {
		b, err := bcrypt.GenerateFromPassword(pw, h.bcrypt)
		return string(b), err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := h.argon
	key := argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, and whether encoded is
// weaker than (or different from) what Hash would produce now. An empty or
// unusable encoded hash is checked against the dummy so the time spent is
// the same as for a real account.
func (h *hasher) Verify(ctx context.Context, encoded, password string) (ok, rehash bool, err error) {
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release(time.Now())
	h.calls.Add(1)
	real := true
	if !strings.HasPrefix(encoded, "$argon2id$") && !strings.HasPrefix(encoded, "$2") {
		encoded, real = h.dummy, false
	}
	if strings.HasPrefix(encoded, "$2") {
		if len(password) > bcryptMaxBytes {
			// Compare would silently look at the first 72 bytes only.
			_ = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password[:bcryptMaxBytes]))
			return false, false, nil
		}
		ok = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password)) == nil
		cost, _ := bcrypt.Cost([]byte(encoded))
		rehash = h.algo != "bcrypt" || cost < h.bcrypt
		return ok && real, rehash, nil
	}
	p, salt, key, err := parseArgon2(encoded)
	if err != nil {
		return false, false, fmt.Errorf("stored password hash: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = h.algo != "argon2id" || p.Memory < h.argon.Memory || p.Time < h.argon.Time || p.Threads < h.argon.Threads
	return ok && real, rehash, nil
}

// parseArgon2 reads the PHC string "$argon2id$v=19$m=..,t=..,p=..$salt$key".
func parseArgon2(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
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
	if err1 != nil || err2 != nil || len(key) < 16 || p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return p, nil, nil, errors.New("bad argon2id salt or key")
	}
	return p, salt, key, nil
}
