package argon2id

import (
	"bytes"
	"testing"
)

// FuzzKey compares with x/crypto on small work areas (at most 256 KiB, so
// each execution stays around a millisecond).
func FuzzKey(f *testing.F) {
	f.Add([]byte("password"), []byte("somesalt"), uint16(256), uint8(1), uint8(0), uint8(28))
	f.Add([]byte(""), []byte(""), uint16(0), uint8(0), uint8(0), uint8(0))
	f.Add([]byte("pw"), []byte("saltsalt"), uint16(23), uint8(2), uint8(2), uint8(61))
	f.Add(bytes.Repeat([]byte{0xff}, 100), []byte{0}, uint16(255), uint8(3), uint8(7), uint8(124))
	f.Fuzz(func(t *testing.T, password, salt []byte, memory uint16, passes, lanes, keyLen uint8) {
		p := Params{
			Memory:  uint32(memory % 257),
			Time:    1 + uint32(passes%3),
			Threads: 1 + lanes%8,
			KeyLen:  minKeyLen + uint32(keyLen%125),
		}
		got, err := Key(password, salt, p)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if want := reference(password, salt, p); !bytes.Equal(got, want) {
			t.Fatalf("%+v: got %x, want %x", p, got, want)
		}
	})
}
