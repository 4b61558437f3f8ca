package httpx_test

import (
	"net/http/httptest"
	"testing"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
)

// ok is the "no error" column of the tables below.
const ok = apperr.Kind(255)

func kindOf(err error) apperr.Kind {
	if err == nil {
		return ok
	}
	return apperr.KindOf(err)
}

func TestRequireVersion(t *testing.T) {
	t.Parallel()
	v := func(n int64) *int64 { return &n }
	stale := apperr.PreconditionFailed
	cases := []struct {
		name    string
		ifMatch []string
		body    *int64
		parse   apperr.Kind
		check4  apperr.Kind // Check(4)
		check5  apperr.Kind // Check(5)
	}{
		{name: "nothing", parse: apperr.Invalid},
		{name: "body", body: v(5), parse: ok, check4: stale, check5: ok},
		{name: "stale body", body: v(4), parse: ok, check4: ok, check5: stale},
		{name: "body out of range", body: v(1 << 40), parse: ok, check4: stale, check5: stale},
		{name: "tag", ifMatch: []string{`"5"`}, parse: ok, check4: stale, check5: ok},
		{name: "weak tag", ifMatch: []string{`W/"5"`}, parse: ok, check4: stale, check5: ok},
		{name: "star", ifMatch: []string{"*"}, parse: ok, check4: ok, check5: ok},
		{name: "star and a tag", ifMatch: []string{`*, "3"`}, parse: ok, check4: ok, check5: ok},
		{name: "list", ifMatch: []string{`"4", "5"`}, parse: ok, check4: ok, check5: ok},
		{name: "list in two headers", ifMatch: []string{`"4"`, `"5"`}, parse: ok, check4: ok, check5: ok},
		{name: "list without current", ifMatch: []string{`"1", "2"`}, parse: ok, check4: stale, check5: stale},
		{name: "list and body picks", ifMatch: []string{`"4", "5"`}, body: v(5), parse: ok, check4: stale, check5: ok},
		{name: "header and body disagree", ifMatch: []string{`"5"`}, body: v(4), parse: ok, check4: stale, check5: stale},
		{name: "star and body", ifMatch: []string{"*"}, body: v(4), parse: ok, check4: ok, check5: stale},
		{name: "tag naming no version", ifMatch: []string{`"abc"`}, parse: ok, check4: stale, check5: stale},
		{name: "huge tag", ifMatch: []string{`"99999999999999999999"`}, parse: ok, check4: stale, check5: stale},
		{name: "unquoted", ifMatch: []string{`5`}, parse: apperr.Invalid},
		{name: "empty quotes", ifMatch: []string{`"`}, parse: apperr.Invalid},
		{name: "quote inside", ifMatch: []string{`"5"6"`}, parse: apperr.Invalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("PATCH", "/", nil)
			for _, h := range tc.ifMatch {
				r.Header.Add("If-Match", h)
			}
			want, err := httpx.RequireVersion(r, tc.body)
			if got := kindOf(err); got != tc.parse {
				t.Fatalf("RequireVersion err = %v, want kind %v", err, tc.parse)
			}
			if err != nil {
				return
			}
			if got := kindOf(want.Check(4)); got != tc.check4 {
				t.Errorf("Check(4) = %v, want %v", want.Check(4), tc.check4)
			}
			if got := kindOf(want.Check(5)); got != tc.check5 {
				t.Errorf("Check(5) = %v, want %v", want.Check(5), tc.check5)
			}
		})
	}
}

func TestOptionalVersion(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("DELETE", "/", nil)
	want, err := httpx.OptionalVersion(r)
	if err != nil || !want.IsAny() {
		t.Fatalf("no If-Match: %v, %v; want any version", want, err)
	}
	r.Header.Set("If-Match", `"3"`)
	want, err = httpx.OptionalVersion(r)
	if err != nil || want.Check(3) != nil || want.Check(4) == nil {
		t.Fatalf(`If-Match "3": %v, %v`, want, err)
	}
	r.Header.Set("If-Match", "3")
	if _, err := httpx.OptionalVersion(r); kindOf(err) != apperr.Invalid {
		t.Fatalf("malformed If-Match: %v", err)
	}
}

func TestETag(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	httpx.SetETag(rec, 12)
	if got := rec.Header().Get("ETag"); got != `"12"` || httpx.ETag(12) != got {
		t.Fatalf("ETag %q", got)
	}
}
