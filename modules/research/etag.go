package research

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/thebrain/thebrain/platform/apperr"
)

// etag is the strong entity tag of a resource at version v.
func etag(v int32) string { return `"` + strconv.Itoa(int(v)) + `"` }

// setETag sets the ETag header for a resource at version v.
func setETag(w http.ResponseWriter, v int32) { w.Header().Set("ETag", etag(v)) }

// precondition combines If-Match and a body version into the version the
// client says it is changing. ok is false when the client gave neither; want
// is 0 for "If-Match: *" alone, which skips the check. A
// list of tags, or tags that disagree with the body, can never all match the
// one current version, so they are answered as stale.
func precondition(r *http.Request, body *int32) (want int32, ok bool, err error) {
	raw := strings.TrimSpace(r.Header.Get("If-Match"))
	if raw == "" {
		if body == nil {
			return 0, false, nil
		}
		return *body, true, nil
	}
	if raw == "*" {
		// "Any version": the client knowingly overwrites (0 skips the check).
		if body == nil {
			return 0, true, nil
		}
		return *body, true, nil
	}
	tag := strings.TrimPrefix(raw, "W/")
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return 0, false, apperr.Field("If-Match", `must be an entity tag such as "3" (from the ETag header)`)
	}
	n, perr := strconv.ParseInt(tag[1:len(tag)-1], 10, 32)
	if perr != nil || n < 1 {
		return 0, false, errStale
	}
	if body != nil && *body != int32(n) {
		return 0, false, errStale
	}
	return int32(n), true, nil
}

// requirePrecondition is precondition for writes that must name the version
// they change, so two saves of the same text can never silently overwrite
// each other.
func requirePrecondition(r *http.Request, body *int32) (int32, error) {
	v, ok, err := precondition(r, body)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, apperr.Field("version", "required: send the version you are changing, in the body or as If-Match")
	}
	return v, nil
}

var errStale = apperr.New(apperr.PreconditionFailed, "the resource has changed since you read it; fetch it again and reapply your change")
