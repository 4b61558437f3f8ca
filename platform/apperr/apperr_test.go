package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/thebrain/thebrain/platform/apperr"
)

// errBackendDown stands for a backend client's own "not answering" error.
var errBackendDown = errors.New("backend down")

func init() {
	apperr.RegisterClassifier(func(err error) *apperr.Error {
		if errors.Is(err, errBackendDown) {
			return apperr.Wrap(apperr.Unavailable, "try again shortly", err)
		}
		return nil
	})
}

// TestClassifiers: a foreign error a registered classifier knows has that
// kind however it was wrapped; an *Error in the chain comes first; anything
// else stays Internal.
func TestClassifiers(t *testing.T) {
	t.Parallel()
	wrapped := fmt.Errorf("find user: %w", errBackendDown)
	if ae := apperr.As(wrapped); ae.Kind != apperr.Unavailable || !errors.Is(ae, errBackendDown) {
		t.Fatalf("As(%v) = %#v, want Unavailable caused by it", wrapped, ae)
	}
	if !apperr.Is(wrapped, apperr.Unavailable) || apperr.KindOf(wrapped) != apperr.Unavailable {
		t.Fatalf("Is/KindOf disagree with As: %s", apperr.KindOf(wrapped))
	}
	explicit := apperr.Wrap(apperr.Conflict, "taken", errBackendDown)
	if apperr.KindOf(fmt.Errorf("x: %w", explicit)) != apperr.Conflict {
		t.Fatal("a classifier overrode an explicit application error")
	}
	if k := apperr.KindOf(errors.New("boom")); k != apperr.Internal {
		t.Fatalf("unknown error kind %s, want internal", k)
	}
	if apperr.KindOf(nil) != apperr.Internal || apperr.Is(nil, apperr.Internal) || apperr.As(nil) != nil {
		t.Fatal("nil handling changed")
	}
}
