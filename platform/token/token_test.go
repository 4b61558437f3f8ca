package token

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestIssueVerifyRoundTrip(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(k, "https://api.thebrain.app", "thebrain-api")
	if err != nil {
		t.Fatal(err)
	}
	set, err := PublicSet(k)
	if err != nil {
		t.Fatal(err)
	}
	v := NewVerifier(set, "https://api.thebrain.app", "thebrain-api")
	uid, sid := uuid.New(), uuid.New()
	raw, issued, err := iss.Issue(uid, sid)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got.UserID != uid || got.SessionID != sid || got.ID != issued.ID {
		t.Fatalf("claims = %+v, want user %s session %s jti %s", got, uid, sid, issued.ID)
	}

	// Expired beyond the skew.
	late := v.WithClock(func() time.Time { return time.Now().Add(Lifetime + Skew + time.Minute) })
	if _, err := late.Verify(context.Background(), raw); err == nil {
		t.Fatal("expired token verified")
	}
	// Other audience.
	other := NewVerifier(set, "https://api.thebrain.app", "someone-else")
	if _, err := other.Verify(context.Background(), raw); err == nil {
		t.Fatal("token for another audience verified")
	}
	// Unknown key.
	k2, _ := GenerateKey()
	set2, _ := PublicSet(k2)
	if _, err := NewVerifier(set2, "https://api.thebrain.app", "thebrain-api").Verify(context.Background(), raw); err == nil {
		t.Fatal("token verified with a set lacking its key")
	}
	// Tampered payload.
	b := []byte(raw)
	b[len(b)/2] ^= 1
	if _, err := v.Verify(context.Background(), string(b)); err == nil {
		t.Fatal("tampered token verified")
	}
}
