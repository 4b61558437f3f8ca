package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/thebrain/thebrain/modules/auth/internal/argon2id"
	"github.com/thebrain/thebrain/platform/log"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/page"
	"github.com/thebrain/thebrain/platform/server"
	"github.com/thebrain/thebrain/platform/testkit"
	"github.com/thebrain/thebrain/platform/token"
)

// phc returns a valid argon2id hash of pw with p, made by x/crypto.
func phc(pw string, p Argon2Params) string {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// slotAreas empties h's pool and returns its work areas (the caller puts
// them back).
func slotAreas(h *hasher) []*argon2id.Memory {
	var ms []*argon2id.Memory
	for range cap(h.slots) {
		ms = append(ms, <-h.slots)
	}
	return ms
}

// zeroed reads m's work area through reflection (it is unexported) and
// reports whether every word is zero.
func zeroed(m *argon2id.Memory) bool {
	v := reflect.ValueOf(m).Elem().FieldByName("blocks")
	v = v.Slice(0, v.Cap())
	for i := range v.Len() {
		blk := v.Index(i)
		for w := range blk.Len() {
			if blk.Index(w).Uint() != 0 {
				return false
			}
		}
	}
	return true
}

// TestStoredHashCostCapped: stored hashes may cost up to 4x the configured
// parameters (area, and area x passes; bcrypt 2 more rounds of cost). Above
// that, or unreadable, Verify refuses them after the dummy hash alone, the
// work of any other login, and says a reset is required.
func TestStoredHashCostCapped(t *testing.T) {
	t.Parallel()
	base := Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	h, err := newHasher("argon2id", base, 4, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	dummyWork := int64(base.Memory) * int64(base.Time)
	bc := func(cost int) string {
		b, err := bcrypt.GenerateFromPassword([]byte(goodPassword), cost)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct {
		name    string
		encoded string
		work    int64 // argon2id work Verify may do, in KiB x passes
		refused bool
	}{
		{"4x the area", phc(goodPassword, Argon2Params{Memory: 4096, Time: 1, Threads: 1}), 4096, false},
		{"4x the passes", phc(goodPassword, Argon2Params{Memory: 1024, Time: 4, Threads: 1}), 4096, false},
		{"bcrypt 2 above", bc(6), 0, false},
		{"8x the area", phc(goodPassword, Argon2Params{Memory: 8192, Time: 1, Threads: 1}), dummyWork, true},
		{"6x the work", phc(goodPassword, Argon2Params{Memory: 2048, Time: 3, Threads: 1}), dummyWork, true},
		{"32 passes", phc(goodPassword, Argon2Params{Memory: 1024, Time: 32, Threads: 1}), dummyWork, true},
		// 255 lanes round 8 KiB up to 2040 blocks: 4 passes are 8x the work.
		{"lanes round the area up", phc(goodPassword, Argon2Params{Memory: 8, Time: 4, Threads: 255}), dummyWork, true},
		{"bcrypt 3 above", bc(7), dummyWork, true},
		{"unreadable argon2id", "$argon2id$v=19$m=1024,t=1,p=1$!!$!!", dummyWork, true},
		{"unreadable bcrypt", "$2a$xx$abc", dummyWork, true},
	}
	for _, c := range cases {
		before := h.work.Load()
		ok, _, err := h.Verify(context.Background(), c.encoded, goodPassword)
		work := h.work.Load() - before
		switch {
		case c.refused && (ok || !errors.Is(err, errResetRequired)):
			t.Errorf("%s: ok %v err %v, want refused with errResetRequired", c.name, ok, err)
		case !c.refused && (!ok || err != nil):
			t.Errorf("%s: ok %v err %v, want a match", c.name, ok, err)
		case work != c.work:
			t.Errorf("%s: argon2id work %d KiB x passes, want %d", c.name, work, c.work)
		}
	}
	for _, m := range slotAreas(h) {
		if m.Size() > 1024*1024 {
			t.Errorf("a slot holds %d bytes after refusing, want at most the configured 1 MiB", m.Size())
		}
		h.release(m)
	}
}

// TestOversizedWorkAreaReleased: a slot grown by a (permitted) stronger
// stored hash gives the area back after that hash, keeps an area of the
// configured size for reuse, and every area is zeroed between hashes.
func TestOversizedWorkAreaReleased(t *testing.T) {
	t.Parallel()
	base := Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	h, err := newHasher("argon2id", base, 4, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	area := func() *argon2id.Memory {
		t.Helper()
		ms := slotAreas(h)
		if len(ms) != 1 {
			t.Fatalf("pool has %d slots, want 1", len(ms))
		}
		h.release(ms[0])
		return ms[0]
	}
	if m := area(); m.Size() != 0 {
		t.Fatalf("before any hash the slot holds %d bytes, want none", m.Size())
	}
	if _, err := h.Hash(context.Background(), goodPassword); err != nil {
		t.Fatal(err)
	}
	if m := area(); m.Size() != 1024*1024 || !zeroed(m) {
		t.Fatalf("after the first hash the slot holds %d bytes (zeroed: %v), want the configured 1 MiB, zeroed", m.Size(), zeroed(m))
	}
	stronger := phc(goodPassword, Argon2Params{Memory: 4096, Time: 1, Threads: 1})
	if ok, _, err := h.Verify(context.Background(), stronger, goodPassword); !ok || err != nil {
		t.Fatalf("stronger hash: ok %v err %v", ok, err)
	}
	if m := area(); m.Size() != 0 {
		t.Fatalf("after a 4 MiB hash the slot holds %d bytes, want it released", m.Size())
	}
	if _, err := h.Hash(context.Background(), goodPassword); err != nil {
		t.Fatal(err)
	}
	if m := area(); m.Size() != 1024*1024 || !zeroed(m) {
		t.Fatalf("after a configured hash the slot holds %d bytes (zeroed: %v), want 1 MiB kept, zeroed", m.Size(), zeroed(m))
	}
}

// TestLoginWithOverCostHash: an account whose stored hash costs more than
// the cap cannot sign in, even with the right password, and its answer is
// the one an unknown email gets (status, body, headers, and the same hashing
// work); the log and the audit trail say a reset is required. Changing the
// password from a live session says so too.
func TestLoginWithOverCostHash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The same deployment, with its log captured.
	logs := &testkit.SyncBuffer{}
	secret := []byte(strings.Repeat("s", 32))
	m, err := New(Deps{
		Log: log.New(logs, "text", slog.LevelDebug), DB: e.pool, Redis: e.rdb, Keys: e.keys, Cursors: page.NewCodec(secret), Secret: secret,
		SigningKeys: []token.Key{e.key}, Issuer: testIssuer, Audience: testAudience,
		Options: Options{Argon2: &cheapArgon, BcryptCost: 4, IPRatePerMinute: 10000, IPBurst: 10000},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := testkit.Server(t, server.NewHandler(server.Options{Logger: testkit.Logger(t), Modules: []module.Module{m}, Verifier: m.Verifier()}))
	login := func(email string) *testkit.Response {
		return c.Send(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": goodPassword})
	}

	email := uniqueEmail("costly")
	s := e.signup(email)
	// The right password, hashed with 16x the configured area: within the
	// old fixed limit (304 MiB), far beyond the cap.
	costly := phc(goodPassword, Argon2Params{Memory: 16 * cheapArgon.Memory, Time: cheapArgon.Time, Threads: 1})
	if _, err := e.pool.Exec(t.Context(), `UPDATE users SET password_hash = $1 WHERE id = $2`, costly, s.User.ID); err != nil {
		t.Fatal(err)
	}

	w0 := m.svc.hash.work.Load()
	unknown := login(uniqueEmail("nobody"))
	w1 := m.svc.hash.work.Load()
	refused := login(email)
	w2 := m.svc.hash.work.Load()
	if w1-w0 != w2-w1 {
		t.Fatalf("argon2id work: unknown email %d, over-cost hash %d KiB x passes; want the same", w1-w0, w2-w1)
	}
	pu := testkit.WantProblem(t, unknown, http.StatusUnauthorized, "invalid-credentials")
	pr := testkit.WantProblem(t, refused, http.StatusUnauthorized, "invalid-credentials")
	delete(pu, "request_id")
	delete(pr, "request_id")
	if !reflect.DeepEqual(pu, pr) {
		t.Fatalf("bodies differ:\n%v\n%v", pu, pr)
	}
	for _, r := range []*testkit.Response{unknown, refused} {
		r.Header.Del("X-Request-Id")
		r.Header.Del("Date")
	}
	if !reflect.DeepEqual(unknown.Header, refused.Header) {
		t.Fatalf("headers differ:\n%v\n%v", unknown.Header, refused.Header)
	}

	if n := e.count(`SELECT count(*) FROM auth_events WHERE kind = 'login_failed' AND user_id = $1 AND detail = 'password reset required'`, s.User.ID); n != 1 {
		t.Fatalf("login_failed events saying a reset is required = %d, want 1", n)
	}
	if out := logs.String(); !strings.Contains(out, "stored password hash refused") || !strings.Contains(out, s.User.ID.String()) || !strings.Contains(out, "password reset required") {
		t.Fatalf("no warning naming the account in the log:\n%s", out)
	}

	r := c.Send(http.MethodPost, "/api/v1/auth/password", s.AccessToken, map[string]string{"current_password": goodPassword, "new_password": "quiet-meadow-copper-977"})
	testkit.WantProblem(t, r, http.StatusConflict, "conflict")
	if n := e.count(`SELECT count(*) FROM users WHERE id = $1 AND password_hash = $2`, s.User.ID, costly); n != 1 {
		t.Fatal("the refused hash was replaced")
	}
}

// TestHasherStartsWithoutWorkArea: building the hasher hashes nothing and
// allocates no argon2id work area (19 MiB with the OWASP parameters), so
// processes that never check a password do not carry one; an unknown
// account's login still does a full hash's work against the dummy.
func TestHasherStartsWithoutWorkArea(t *testing.T) {
	t.Parallel()
	h, err := newHasher("argon2id", OWASPArgon2, BcryptCost, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := h.calls.Load(); n != 0 {
		t.Fatalf("newHasher hashed %d times", n)
	}
	for _, m := range slotAreas(h) {
		if m.Size() != 0 {
			t.Fatalf("a slot holds a %d-byte work area before any hash", m.Size())
		}
		h.release(m)
	}
	ok, _, err := h.Verify(context.Background(), "", goodPassword)
	if ok || err != nil {
		t.Fatalf("verify against the dummy: ok %v err %v", ok, err)
	}
	if want := int64(OWASPArgon2.Memory) * int64(OWASPArgon2.Time); h.work.Load() != want {
		t.Fatalf("an unknown account's check did %d KiB x passes of work, want %d", h.work.Load(), want)
	}
}

// TestDummyHashCostsNothingToMake: making the hasher computes no hash (a
// bcrypt one at cost 12 would add a quarter second to every start, a
// Lambda cold start included), yet checking against the dummy costs a
// full hash at the configured cost and matches nothing.
func TestDummyHashCostsNothingToMake(t *testing.T) {
	t.Parallel()
	for _, algo := range []string{"bcrypt", "argon2id"} {
		h, err := newHasher(algo, Argon2Params{Memory: 1024, Time: 1, Threads: 1}, 10, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if h.calls.Load() != 0 || h.work.Load() != 0 {
			t.Fatalf("%s: newHasher hashed (%d calls)", algo, h.calls.Load())
		}
		if algo == "bcrypt" {
			if cost, err := bcrypt.Cost([]byte(h.dummy)); err != nil || cost != 10 {
				t.Fatalf("dummy %q: cost %d, %v; want the configured 10", h.dummy, cost, err)
			}
			start := time.Now()
			if ok, _, err := h.Verify(context.Background(), "", "anything"); ok || err != nil {
				t.Fatalf("Verify against the dummy: %v %v", ok, err)
			}
			// Cost 10 is ~50 ms; cost 4 (what the dummy was made with) ~1 ms.
			if d := time.Since(start); d < 20*time.Millisecond {
				t.Fatalf("checking the dummy took %s: not a cost-10 comparison", d)
			}
		}
	}
}
