package argon2id

import (
	"bytes"
	"encoding/hex"
	"flag"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

var seedFlag = flag.Uint64("argon2id.seed", 0, "seed for the rotating differential test (0: derive from the clock)")

// owasp is the login path's setting: OWASP's first argon2id recommendation.
var owasp = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32}

// reference is the oracle: x/crypto's IDKey with the same parameters.
func reference(password, salt []byte, p Params) []byte {
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// randomParams draws parameters that cover the layout's corner cases:
// memory that is not a multiple of 4*threads or below the 8*threads floor,
// and key lengths on both sides of H's 64-byte digest size.
func randomParams(r *rand.Rand) Params {
	p := Params{
		Memory:  uint32(8 + r.IntN(2048-8+1)),
		Time:    uint32(1 + r.IntN(4)),
		Threads: uint8(1 + r.IntN(8)),
		KeyLen:  uint32(4 + r.IntN(100-4+1)),
	}
	if r.IntN(8) == 0 {
		p.Memory = uint32(r.IntN(8*int(p.Threads) + 1)) // rounded up by layout
	}
	if r.IntN(4) == 0 {
		edges := []uint32{4, 32, 63, 64, 65, 95, 96, 97, 100, 128}
		p.KeyLen = edges[r.IntN(len(edges))]
	}
	return p
}

func randomBytes(r *rand.Rand, max int) []byte {
	b := make([]byte, r.IntN(max+1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// checkRandom compares n random hashes with x/crypto, all through one Memory
// so that reuse across sizes and lane counts is exercised too.
func checkRandom(t *testing.T, seed uint64, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	var m Memory
	for i := range n {
		p := randomParams(r)
		password, salt := randomBytes(r, 100), randomBytes(r, 100)
		got, err := m.Key(password, salt, p, nil)
		if err != nil {
			t.Fatalf("seed %d case %d %+v: %v", seed, i, p, err)
		}
		if want := reference(password, salt, p); !bytes.Equal(got, want) {
			t.Fatalf("seed %d case %d %+v, password %x, salt %x:\n got %x\nwant %x", seed, i, p, password, salt, got, want)
		}
	}
}

func TestMatchesXCryptoFixedSeed(t *testing.T) {
	checkRandom(t, 1, 64)
}

func TestMatchesXCryptoRotatingSeed(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -args -argon2id.seed=%d)", seed, seed)
	checkRandom(t, seed, 16)
}

func TestMatchesXCryptoOWASP(t *testing.T) {
	password, salt := []byte("correct horse battery staple"), []byte("0123456789abcdef")
	got, err := Key(password, salt, owasp)
	if err != nil {
		t.Fatal(err)
	}
	if want := reference(password, salt, owasp); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
}

// TestKnownAnswers pins outputs independently of x/crypto, so the test keeps
// its meaning if x/crypto ever changed. The "password"/"somesalt" vectors are
// from the reference implementation's test suite (phc-winner-argon2,
// src/test.c, Argon2id v0x13, 32-byte tags); the 100-byte one (several lanes,
// memory not a multiple of 4p, chained H') was computed once with x/crypto.
func TestKnownAnswers(t *testing.T) {
	tests := []struct {
		name           string
		password, salt string
		p              Params
		want           string
	}{
		{"ref m=256 t=2 p=1", "password", "somesalt", Params{Memory: 256, Time: 2, Threads: 1, KeyLen: 32},
			"9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe"},
		{"ref m=256 t=2 p=2", "password", "somesalt", Params{Memory: 256, Time: 2, Threads: 2, KeyLen: 32},
			"6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037"},
		{"ref m=65536 t=1 p=1", "password", "somesalt", Params{Memory: 65536, Time: 1, Threads: 1, KeyLen: 32},
			"f6a5adc1ba723dddef9b5ac1d464e180fcd9dffc9d1cbf76cca2fed795d9ca98"},
		{"m=1000 t=3 p=3 len=100", "correct horse battery staple", "NaCl-and-pepper!",
			Params{Memory: 1000, Time: 3, Threads: 3, KeyLen: 100},
			"19c35465deba84acf2e4d2c96eb544e66f4f58cf0261100132e95524bd20c856" +
				"a323935a142aeb4079011ff930be9844ea0b1ec4e3c273ee73e643fc3cb14ec5" +
				"719d045ae8334189aecf2630c2a82ec6ef0317100fe4b0dffb1dc4fbc1a56724" +
				"a794c0a0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Key([]byte(tt.password), []byte(tt.salt), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tt.want {
				t.Fatalf("got %x, want %s", got, tt.want)
			}
		})
	}
}

// TestMemoryReuse runs big, small, big and mid-sized hashes through one
// Memory: a hash must not see anything a previous one left behind, and the
// work area must not be reallocated once it is large enough.
func TestMemoryReuse(t *testing.T) {
	password, salt := []byte("reuse"), []byte("saltsaltsalt")
	seq := []Params{
		{Memory: 2048, Time: 2, Threads: 4, KeyLen: 32},
		{Memory: 16, Time: 1, Threads: 1, KeyLen: 32},
		{Memory: 1500, Time: 3, Threads: 3, KeyLen: 80},
		{Memory: 2048, Time: 2, Threads: 4, KeyLen: 32}, // repeat of the first
		{Memory: 700, Time: 1, Threads: 7, KeyLen: 16},
	}
	var m Memory
	for i, p := range seq {
		got, err := m.Key(password, salt, p, nil)
		if err != nil {
			t.Fatalf("step %d %+v: %v", i, p, err)
		}
		if want := reference(password, salt, p); !bytes.Equal(got, want) {
			t.Fatalf("step %d %+v: got %x, want %x", i, p, got, want)
		}
		if i == 0 {
			continue
		}
		if c := cap(m.blocks); c != 2048 {
			t.Fatalf("step %d: work area has %d blocks, want it kept at 2048", i, c)
		}
	}

	m.Release()
	if m.blocks != nil {
		t.Fatal("Release kept the work area")
	}
	got, err := m.Key(password, salt, seq[1], nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := reference(password, salt, seq[1]); !bytes.Equal(got, want) {
		t.Fatalf("after Release: got %x, want %x", got, want)
	}
}

// TestDirtyMemory fills the work area with junk first. Pass 0 must overwrite
// every block rather than XOR into it, which a zeroed fresh buffer would not
// reveal.
func TestDirtyMemory(t *testing.T) {
	for _, p := range []Params{
		{Memory: 512, Time: 1, Threads: 1, KeyLen: 32},
		{Memory: 512, Time: 3, Threads: 4, KeyLen: 32},
	} {
		var m Memory
		r := rand.New(rand.NewPCG(7, 7))
		for i, blk := range m.grow(int(p.layout().blocks)) {
			for w := range blk {
				m.blocks[i][w] = r.Uint64()
			}
		}
		got, err := m.Key([]byte("pw"), []byte("saltsalt"), p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := reference([]byte("pw"), []byte("saltsalt"), p); !bytes.Equal(got, want) {
			t.Fatalf("%+v: got %x, want %x", p, got, want)
		}
	}
}

func TestLayout(t *testing.T) {
	tests := []struct {
		memory                       uint32
		threads                      uint8
		blocks, laneLen, segLen, lns uint32
	}{
		{19456, 1, 19456, 19456, 4864, 1},
		{0, 1, 8, 8, 2, 1},         // below the floor: 2 blocks per segment
		{23, 3, 24, 8, 2, 3},       // below the floor for 3 lanes
		{1001, 3, 996, 332, 83, 3}, // rounded down to a multiple of 12
		{2048, 8, 2048, 256, 64, 8},
	}
	for _, tt := range tests {
		g := Params{Memory: tt.memory, Threads: tt.threads}.layout()
		want := geometry{lanes: tt.lns, laneLen: tt.laneLen, segLen: tt.segLen, blocks: tt.blocks}
		if g != want {
			t.Errorf("layout(m=%d, p=%d) = %+v, want %+v", tt.memory, tt.threads, g, want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		p     Params
		wants []string // substrings of the error; none means valid
	}{
		{"owasp", owasp, nil},
		{"memory rounded up", Params{Memory: 0, Time: 1, Threads: 1, KeyLen: 4}, nil},
		{"many lanes", Params{Memory: 1, Time: 1, Threads: 255, KeyLen: 1 << 20}, nil},
		{"no passes", Params{Memory: 64, Time: 0, Threads: 1, KeyLen: 32}, []string{"time must be at least 1"}},
		{"no lanes", Params{Memory: 64, Time: 1, Threads: 0, KeyLen: 32}, []string{"threads must be at least 1"}},
		{"empty key", Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 0}, []string{"key length must be at least 4 bytes, got 0"}},
		{"short key", Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 3}, []string{"key length must be at least 4 bytes, got 3"}},
		{"all wrong", Params{}, []string{"time", "threads", "key length"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if len(tt.wants) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to mention %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "argon2id: ") {
				t.Errorf("Validate() = %q, want the package prefix", err)
			}

			// x/crypto panics on zero time or threads; Key must not.
			var m Memory
			if key, err := m.Key([]byte("pw"), []byte("saltsalt"), tt.p, nil); err == nil || key != nil {
				t.Errorf("Memory.Key = %x, %v; want nil and an error", key, err)
			}
			if key, err := Key([]byte("pw"), []byte("saltsalt"), tt.p); err == nil || key != nil {
				t.Errorf("Key = %x, %v; want nil and an error", key, err)
			}
		})
	}
}
