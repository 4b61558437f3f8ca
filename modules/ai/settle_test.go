package ai

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestSettlementsWait: a reading of a user's allowance waits for that
// user's settlements still on their way to Redis, and for no one else's.
func TestSettlementsWait(t *testing.T) {
	t.Parallel()
	var s settlements
	alice, bob := uuid.New(), uuid.New()
	end1 := s.start(alice)
	end2 := s.start(alice)

	returned := make(chan struct{})
	go func() { s.wait(context.Background(), alice); close(returned) }()
	s.wait(context.Background(), bob) // nothing pending for bob: at once

	end1()
	select {
	case <-returned:
		t.Fatal("wait returned with one settlement still pending")
	case <-time.After(50 * time.Millisecond):
	}
	end2()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("wait did not return once every settlement landed")
	}

	// A new settlement after the last one ended starts a new wait.
	end3 := s.start(alice)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	s.wait(ctx, alice) // returns when ctx ends
	if ctx.Err() == nil {
		t.Fatal("wait returned before its settlement or its context ended")
	}
	end3()
	s.wait(context.Background(), alice)
	if len(s.pending) != 0 {
		t.Fatalf("pending not emptied: %v", s.pending)
	}
}
