package page_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/page"
)

type key struct {
	P  int    `json:"p"`
	ID string `json:"id"`
}

func TestCursorRoundTripAndTamper(t *testing.T) {
	t.Parallel()
	c := page.NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	cur := c.Encode("chapters", key{P: 12, ID: "abc"})
	var got key
	if err := c.Decode("chapters", cur, &got); err != nil || got != (key{12, "abc"}) {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	payload, mac, _ := strings.Cut(cur, ".")
	forged := page.NewCodec([]byte("another secret, another server!!")).Encode("chapters", key{P: 0, ID: "x"})
	for name, bad := range map[string]string{
		"other scope":     "",
		"flipped payload": flip(payload) + "." + mac,
		"flipped mac":     payload + "." + flip(mac),
		"no mac":          payload,
		"empty":           "",
		"garbage":         "%%%.%%%",
		"other key":       forged,
		"huge":            strings.Repeat("a", 5000) + "." + mac,
	} {
		var k key
		var err error
		if name == "other scope" {
			err = c.Decode("notes", cur, &k)
		} else {
			err = c.Decode("chapters", bad, &k)
		}
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%s: err = %v, want Invalid", name, err)
		}
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		query   string
		limit   int
		wantErr bool
	}{
		{"", page.DefaultLimit, false},
		{"limit=1", 1, false},
		{"limit=200", 200, false},
		{"limit=0", 0, true},
		{"limit=201", 0, true},
		{"limit=-5", 0, true},
		{"limit=ten", 0, true},
		{"limit=1&limit=2", 0, true},
		{"cursor=a&cursor=b", 0, true},
	} {
		req := httptest.NewRequest("GET", "/x?"+tc.query, nil)
		got, err := page.Parse(req)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err = %v", tc.query, err)
			continue
		}
		if err == nil && got.Limit != tc.limit {
			t.Errorf("%q: limit %d, want %d", tc.query, got.Limit, tc.limit)
		}
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	c := page.NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	rows := []int{1, 2, 3}
	p := page.Build(c, "s", rows, 2, func(i int) int { return i * 10 }, func(i int) any { return key{P: i} })
	if len(p.Items) != 2 || p.Items[1] != 20 || p.NextCursor == "" {
		t.Fatalf("page %+v", p)
	}
	var k key
	if err := c.Decode("s", p.NextCursor, &k); err != nil || k.P != 2 {
		t.Fatalf("cursor points at %+v (%v), want the last returned row", k, err)
	}
	last := page.Build(c, "s", rows[:2], 2, func(i int) int { return i }, func(i int) any { return i })
	if last.NextCursor != "" || len(last.Items) != 2 {
		t.Fatalf("last page %+v", last)
	}
	empty := page.Build(c, "s", []int(nil), 2, func(i int) int { return i }, func(i int) any { return i })
	if empty.Items == nil {
		t.Fatal("empty page must encode items as [], not null")
	}
}
