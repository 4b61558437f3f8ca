package redis

import (
	"context"
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	k := NewKeys("thebrain:")
	if got := k.Key("deny", "sid", "0190"); got != "thebrain:deny:sid:0190" {
		t.Fatalf("key %q", got)
	}
	if NewKeys("").Key("a") != "a" {
		t.Fatal("empty prefix")
	}
}

func TestOpenFailsClearly(t *testing.T) {
	t.Parallel()
	if _, err := Open(context.Background(), "redis://127.0.0.1:1/0"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("err = %v, want it to name the address", err)
	}
	if _, err := Open(context.Background(), "http://x"); err == nil {
		t.Fatal("non-redis URL accepted")
	}
}
