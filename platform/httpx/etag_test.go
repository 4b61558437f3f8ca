package httpx_test

import (
	"net/http/httptest"
	"testing"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
)

func TestPreconditions(t *testing.T) {
	t.Parallel()
	v := func(n int32) *int32 { return &n }
	cases := []struct {
		name      string
		ifMatch   []string
		body      *int32
		wantParse apperr.Kind // Internal = no error
		required  bool        // Require passes
		check5    apperr.Kind // Check(5)
		version   int32
		versionK  apperr.Kind
	}{
		{name: "nothing", check5: apperr.Internal, version: 0},
		{name: "body", body: v(5), required: true, version: 5},
		{name: "stale body", body: v(4), required: true, check5: apperr.PreconditionFailed, version: 4},
		{name: "tag", ifMatch: []string{`"5"`}, required: true, version: 5},
		{name: "weak tag", ifMatch: []string{`W/"5"`}, required: true, version: 5},
		{name: "stale tag", ifMatch: []string{`"4"`}, required: true, check5: apperr.PreconditionFailed, version: 4},
		{name: "star", ifMatch: []string{"*"}, required: true, version: 0},
		{name: "list holding current", ifMatch: []string{`"4", "5"`}, required: true, versionK: apperr.Invalid},
		{name: "list in two headers", ifMatch: []string{`"4"`, `"5"`}, required: true, versionK: apperr.Invalid},
		{name: "list without current", ifMatch: []string{`"1", "2"`}, required: true, check5: apperr.PreconditionFailed, versionK: apperr.Invalid},
		{name: "list and body picks", ifMatch: []string{`"4", "5"`}, body: v(5), required: true, version: 5},
		{name: "header and body disagree", ifMatch: []string{`"5"`}, body: v(4), required: true, check5: apperr.PreconditionFailed, versionK: apperr.PreconditionFailed},
		{name: "tag naming no version", ifMatch: []string{`"abc"`}, required: true, check5: apperr.PreconditionFailed, versionK: apperr.PreconditionFailed},
		{name: "huge tag", ifMatch: []string{`"99999999999999999999"`}, required: true, check5: apperr.PreconditionFailed, versionK: apperr.PreconditionFailed},
		{name: "unquoted", ifMatch: []string{`5`}, wantParse: apperr.Invalid},
		{name: "empty quotes", ifMatch: []string{`"`}, wantParse: apperr.Invalid},
		{name: "quote inside", ifMatch: []string{`"5"6"`}, wantParse: apperr.Invalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("PATCH", "/", nil)
			for _, h := range tc.ifMatch {
				r.Header.Add("If-Match", h)
			}
			p, err := httpx.ParsePrecondition(r, tc.body)
			if tc.wantParse != apperr.Internal {
				if !apperr.Is(err, tc.wantParse) {
					t.Fatalf("parse err = %v, want %v", err, tc.wantParse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (p.Require() == nil) != tc.required {
				t.Fatalf("Require() = %v", p.Require())
			}
			if err := p.Check(5); (tc.check5 == apperr.Internal) != (err == nil) || err != nil && !apperr.Is(err, tc.check5) {
				t.Fatalf("Check(5) = %v, want %v", err, tc.check5)
			}
			got, err := p.Version()
			if tc.versionK != apperr.Internal {
				if !apperr.Is(err, tc.versionK) {
					t.Fatalf("Version() err = %v, want %v", err, tc.versionK)
				}
				return
			}
			if err != nil || got != tc.version {
				t.Fatalf("Version() = %d, %v; want %d", got, err, tc.version)
			}
		})
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
