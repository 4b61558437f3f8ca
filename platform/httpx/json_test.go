package httpx_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/httpx"
)

type createThing struct {
	Title string `json:"title"`
	Count *int   `json:"count"`
}

func (c createThing) Validate() error {
	p := map[string]string{}
	if strings.TrimSpace(c.Title) == "" {
		p["title"] = "must not be empty"
	}
	if c.Count != nil && *c.Count < 0 {
		p["count"] = "must be >= 0"
	}
	return apperr.Validation(p)
}

func TestDecode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		contentType string
		body        string
		max         int64
		wantStatus  int
		wantType    string
		wantField   string
	}{
		{name: "valid", contentType: "application/json", body: `{"title":"A book","count":3}`, wantStatus: 200},
		{name: "valid with charset", contentType: "application/json; charset=utf-8", body: `{"title":"x"}`, wantStatus: 200},
		{name: "problem+json style suffix", contentType: "application/merge-patch+json", body: `{"title":"x"}`, wantStatus: 200},
		{name: "no content type", body: `{"title":"x"}`, wantStatus: 415, wantType: "unsupported-media-type"},
		{name: "form content type", contentType: "application/x-www-form-urlencoded", body: `title=x`, wantStatus: 415, wantType: "unsupported-media-type"},
		{name: "text/plain", contentType: "text/plain", body: `{"title":"x"}`, wantStatus: 415, wantType: "unsupported-media-type"},
		{name: "latin1 charset", contentType: "application/json; charset=latin1", body: `{"title":"x"}`, wantStatus: 415, wantType: "unsupported-media-type"},
		{name: "malformed content type", contentType: "application/json; ===", body: `{"title":"x"}`, wantStatus: 415, wantType: "unsupported-media-type"},
		{name: "empty body", contentType: "application/json", body: ``, wantStatus: 400, wantType: "malformed-json"},
		{name: "whitespace body", contentType: "application/json", body: "  \n", wantStatus: 400, wantType: "malformed-json"},
		{name: "syntax error", contentType: "application/json", body: `{"title":}`, wantStatus: 400, wantType: "malformed-json"},
		{name: "truncated", contentType: "application/json", body: `{"title":"x"`, wantStatus: 400, wantType: "malformed-json"},
		{name: "two values", contentType: "application/json", body: `{"title":"x"}{"title":"y"}`, wantStatus: 400, wantType: "malformed-json"},
		{name: "trailing garbage", contentType: "application/json", body: `{"title":"x"} x`, wantStatus: 400, wantType: "malformed-json"},
		{name: "trailing brace", contentType: "application/json", body: `{"title":"x"}}`, wantStatus: 400, wantType: "malformed-json"},
		{name: "array instead of object", contentType: "application/json", body: `[1,2]`, wantStatus: 400, wantType: "malformed-json"},
		{name: "unknown field", contentType: "application/json", body: `{"title":"x","role":"admin"}`, wantStatus: 400, wantType: "validation", wantField: "role"},
		{name: "wrong type", contentType: "application/json", body: `{"title":12}`, wantStatus: 400, wantType: "validation", wantField: "title"},
		{name: "float for int", contentType: "application/json", body: `{"title":"x","count":1.5}`, wantStatus: 400, wantType: "validation", wantField: "count"},
		{name: "invalid utf-8", contentType: "application/json", body: "{\"title\":\"\xff\xfe\"}", wantStatus: 400, wantType: "malformed-json"},
		{name: "validation", contentType: "application/json", body: `{"title":"  ","count":-1}`, wantStatus: 400, wantType: "validation", wantField: "count"},
		{name: "too large", contentType: "application/json", body: `{"title":"` + strings.Repeat("a", 200) + `"}`, max: 64, wantStatus: 413, wantType: "too-large"},
		{name: "null body", contentType: "application/json", body: `null`, wantStatus: 400, wantType: "validation", wantField: "title"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
				var opts []httpx.DecodeOption
				if tc.max > 0 {
					opts = append(opts, httpx.MaxBytes(tc.max))
				}
				v, err := httpx.Decode[createThing](w, r, opts...)
				if err != nil {
					return err
				}
				return httpx.Encode(w, http.StatusOK, v)
			})
			req := httptest.NewRequest(http.MethodPost, "/things", strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantType == "" {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			var p httpx.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != httpx.ProblemBase+tc.wantType || p.Status != tc.wantStatus || p.Title == "" {
				t.Fatalf("problem %+v, want type %s", p, tc.wantType)
			}
			if tc.wantField != "" && p.Errors[tc.wantField] == "" {
				t.Fatalf("errors %v lack field %q", p.Errors, tc.wantField)
			}
		})
	}
}

func TestEncodeSetsLengthAndType(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	if err := httpx.Encode(rec, http.StatusCreated, map[string]string{"html": "<b>&</b>"}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if got := rec.Body.String(); got != "{\"html\":\"<b>&</b>\"}\n" {
		t.Fatalf("body %q: text must not be HTML-escaped", got)
	}
	if rec.Header().Get("Content-Length") != "20" {
		t.Fatalf("Content-Length %q", rec.Header().Get("Content-Length"))
	}
}

func TestEncodeFailureIsInternalBeforeHeaders(t *testing.T) {
	t.Parallel()
	h := httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return httpx.Encode(w, http.StatusOK, map[string]any{"bad": make(chan int)})
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "request_id") && !strings.Contains(rec.Body.String(), "unexpected") {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "chan") {
		t.Fatalf("internal detail leaked: %s", rec.Body)
	}
}
