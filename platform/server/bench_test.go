package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/thebrain/thebrain/platform/httpx"
	"github.com/thebrain/thebrain/platform/log"
	"github.com/thebrain/thebrain/platform/module"
	"github.com/thebrain/thebrain/platform/server"
)

// benchModule has the three shapes whose platform cost we measure: a
// decode+encode round trip, a plain encode and an error.
type benchModule struct{}

func (benchModule) Name() string { return "bench" }

type benchBody struct {
	Title   string   `json:"title"`
	Content string   `json:"content"`
	Tags    []string `json:"tags"`
}

func (benchModule) Routes(r chi.Router) {
	r.Post("/things/{thing_id}", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := httpx.PathUUID(r, "thing_id"); err != nil {
			return err
		}
		b, err := httpx.Decode[benchBody](w, r)
		if err != nil {
			return err
		}
		return httpx.Encode(w, http.StatusOK, b)
	}))
	r.Get("/things", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return httpx.Encode(w, http.StatusOK, map[string]any{"items": []string{"a", "b"}})
	}))
}

// BenchmarkPlatformOverhead measures the whole middleware stack (request
// ID, access log, recovery, security headers, body limit, authn, timeout)
// plus the decode, encode and error paths, without network or database.
func BenchmarkPlatformOverhead(b *testing.B) {
	h := server.NewHandler(server.Options{Logger: log.Discard(), Modules: []module.Module{benchModule{}}})
	body := `{"title":"Chapter one","content":"` + strings.Repeat("It was a dark and stormy night. ", 30) + `","tags":["a","b"]}`
	cases := []struct {
		name, method, path, body string
		want                     int
	}{
		{"get_encode", "GET", "/api/v1/things", "", 200},
		{"post_decode_encode", "POST", "/api/v1/things/0190a5b4-7a2e-7c3d-9f00-1b2c3d4e5f60", body, 200},
		{"error_unknown_field", "POST", "/api/v1/things/0190a5b4-7a2e-7c3d-9f00-1b2c3d4e5f60", `{"nope":1}`, 400},
		{"error_not_found", "GET", "/api/v1/missing", "", 404},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
				if tc.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != tc.want {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
