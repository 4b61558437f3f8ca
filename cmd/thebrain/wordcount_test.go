package main

import (
	"net/http"
	"testing"

	"github.com/thebrain/thebrain/platform/testkit"
)

// TestBookWordCount drives the production wiring: every chapter write the
// chapters module makes moves the total the projects module shows, on the
// book, in the list of books and in the trash.
func TestBookWordCount(t *testing.T) {
	t.Parallel()
	c := testkit.Server(t, testHandler(t))
	tok := signup(t, c, "counter@words.example", "tidal lighthouse lamp, nine storms", "Counter").AccessToken
	send := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		resp := c.Send(method, path, tok, body)
		testkit.WantStatus(t, resp, want)
		var v map[string]any
		if len(resp.Body) > 0 {
			resp.JSON(t, &v)
		}
		return v
	}
	book := "/api/v1/projects/" + send("POST", "/api/v1/projects", map[string]string{"title": "Counted"}, http.StatusCreated)["id"].(string)
	wantWords := func(step string, want float64) {
		t.Helper()
		if got := send("GET", book, nil, http.StatusOK)["word_count"]; got != want {
			t.Fatalf("after %s: book word_count %v, want %v", step, got, want)
		}
		var list struct{ Items []map[string]any }
		resp := c.Get("/api/v1/projects", tok)
		testkit.WantStatus(t, resp, http.StatusOK)
		resp.JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0]["word_count"] != want {
			t.Fatalf("after %s: listed %v, want word_count %v", step, list.Items, want)
		}
	}
	wantWords("creating the book", 0)

	one := send("POST", book+"/chapters", map[string]string{"title": "One", "content": "The sea was calm."}, http.StatusCreated)
	two := send("POST", book+"/chapters", map[string]string{"title": "Two", "content": "海は静かだった。 Then wind."}, http.StatusCreated)
	wantWords("two chapters", one["word_count"].(float64)+two["word_count"].(float64))
	base := two["word_count"].(float64)

	p1 := book + "/chapters/" + one["id"].(string)
	one = send("PATCH", p1, map[string]any{"content": "The sea was calm until the storm came.", "version": one["version"]}, http.StatusOK)
	wantWords("a longer chapter", base+8)
	send("PATCH", p1, map[string]any{"content": "x", "version": 1}, http.StatusPreconditionFailed)
	wantWords("a stale save", base+8)

	send("DELETE", p1, nil, http.StatusNoContent)
	wantWords("trashing a chapter", base)
	one = send("POST", p1+"/restore", nil, http.StatusOK)
	wantWords("restoring it", base+8)

	var versions struct{ Items []map[string]any }
	resp := c.Get(p1+"/versions", tok)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &versions)
	first := versions.Items[len(versions.Items)-1]["id"].(string)
	send("POST", p1+"/versions/"+first+"/restore", nil, http.StatusCreated)
	wantWords("restoring the first version", base+4)

	// A trashed book keeps its count, and brings it back when restored.
	send("DELETE", book, nil, http.StatusNoContent)
	var trash struct{ Items []map[string]any }
	resp = c.Get("/api/v1/trash", tok)
	testkit.WantStatus(t, resp, http.StatusOK)
	resp.JSON(t, &trash)
	if len(trash.Items) != 1 || trash.Items[0]["word_count"] != base+4 {
		t.Fatalf("trash = %v, want the book with %v words", trash.Items, base+4)
	}
	if got := send("POST", book+"/restore", nil, http.StatusOK)["word_count"]; got != base+4 {
		t.Fatalf("restored book word_count %v, want %v", got, base+4)
	}
}
