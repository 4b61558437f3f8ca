package awsfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// SecretsManager is an in-memory AWS Secrets Manager speaking the AWS JSON
// 1.1 protocol that aws-sdk-go-v2's secretsmanager client uses
// (X-Amz-Target: secretsmanager.<Action>): GetSecretValue and
// PutSecretValue, with AWSCURRENT/AWSPREVIOUS staging, secrets found by
// name, full ARN or partial ARN (without the random suffix), and errors as
// AWS sends them (ResourceNotFoundException, AccessDeniedException,
// InvalidRequestException, InternalServiceError). Tests put and rotate
// secrets with Put.
type SecretsManager struct {
	srv *httptest.Server

	mu      sync.Mutex
	secrets map[string]*secret // by name
	denied  map[string]bool    // names whose reads are refused
	down    bool
	calls   map[string]int
}

type secret struct {
	name, arn string
	versions  []secretVersion // newest last; the last is AWSCURRENT
	created   time.Time
}

type secretVersion struct {
	id, value string
}

// NewSecretsManager starts the fake on a loopback port; Close stops it.
func NewSecretsManager() *SecretsManager {
	s := &SecretsManager{secrets: map[string]*secret{}, denied: map[string]bool{}, calls: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the endpoint to give the SDK (secretsmanager.Options.BaseEndpoint).
func (s *SecretsManager) URL() string { return s.srv.URL }

// Close stops the server.
func (s *SecretsManager) Close() { s.srv.Close() }

// Put stores value as the current version of the secret name, creating
// it, and returns the secret's ARN. A second Put is a rotation: the old
// value becomes AWSPREVIOUS.
func (s *SecretsManager) Put(name, value string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[name]
	if sec == nil {
		// Real ARNs end in a hyphen and six random characters.
		sec = &secret{name: name, arn: "arn:aws:secretsmanager:" + Region + ":" + Account + ":secret:" + name + "-" + newID()[:6], created: time.Now()}
		s.secrets[name] = sec
	}
	sec.versions = append(sec.versions, secretVersion{id: newID(), value: value})
	return sec.arn
}

// Deny makes reads of secret name fail with AccessDeniedException, as a
// missing IAM grant does.
func (s *SecretsManager) Deny(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[name] = true
}

// SetDown makes every request fail with 500 InternalServiceError until
// called with false.
func (s *SecretsManager) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Calls reports how many requests of action (e.g. "GetSecretValue") arrived.
func (s *SecretsManager) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

type smError struct {
	status int
	code   string
	msg    string
}

func (e *smError) Error() string { return e.code + ": " + e.msg }

var errNoSecret = &smError{http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."}

func (s *SecretsManager) serve(w http.ResponseWriter, r *http.Request) {
	action, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
	var in map[string]json.RawMessage
	decodeErr := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in)
	s.mu.Lock()
	s.calls[action]++
	down := s.down
	s.mu.Unlock()
	var out any
	var err error
	switch {
	case down:
		err = &smError{http.StatusInternalServerError, "InternalServiceError", "An error occurred on the server side."}
	case !ok || r.Method != http.MethodPost:
		err = &smError{http.StatusBadRequest, "UnknownOperationException", "expected POST with X-Amz-Target: secretsmanager.<Action>"}
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1"):
		err = &smError{http.StatusBadRequest, "SerializationException", "expected Content-Type application/x-amz-json-1.1"}
	case r.Header.Get("Authorization") == "":
		// The SDK always signs; an unsigned request is not the SDK.
		err = &smError{http.StatusBadRequest, "MissingAuthenticationTokenException", "Request is missing Authentication Token"}
	case decodeErr != nil:
		err = &smError{http.StatusBadRequest, "SerializationException", "the body is not a JSON object"}
	default:
		out, err = s.dispatch(action, in)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", newID())
	if err != nil {
		e, ok := err.(*smError)
		if !ok {
			e = &smError{http.StatusInternalServerError, "InternalServiceError", err.Error()}
		}
		w.Header().Set("X-Amzn-ErrorType", e.code)
		w.WriteHeader(e.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.code, "Message": e.msg})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (s *SecretsManager) dispatch(action string, in map[string]json.RawMessage) (any, error) {
	var id string
	if raw, ok := in["SecretId"]; !ok || json.Unmarshal(raw, &id) != nil || id == "" {
		return nil, &smError{http.StatusBadRequest, "InvalidParameterException", "SecretId is required"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.find(id)
	if sec == nil {
		return nil, errNoSecret
	}
	switch action {
	case "GetSecretValue":
		if s.denied[sec.name] {
			return nil, &smError{http.StatusBadRequest, "AccessDeniedException",
				"User: arn:aws:sts::" + Account + ":assumed-role/thebrain-api/thebrain is not authorized to perform: secretsmanager:GetSecretValue on resource: " + id}
		}
		var stage, version string
		_ = json.Unmarshal(in["VersionStage"], &stage)
		_ = json.Unmarshal(in["VersionId"], &version)
		i := len(sec.versions) - 1
		switch {
		case version != "":
			for i = len(sec.versions) - 1; i >= 0 && sec.versions[i].id != version; i-- {
			}
		case stage == "AWSPREVIOUS":
			i--
		case stage != "" && stage != "AWSCURRENT":
			i = -1
		}
		if i < 0 {
			return nil, &smError{http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: " + stage}
		}
		stages := []string{"AWSCURRENT"}
		if i == len(sec.versions)-2 {
			stages = []string{"AWSPREVIOUS"}
		}
		return map[string]any{
			"ARN": sec.arn, "Name": sec.name, "VersionId": sec.versions[i].id, "SecretString": sec.versions[i].value,
			"VersionStages": stages, "CreatedDate": float64(sec.created.UnixMilli()) / 1000,
		}, nil
	case "PutSecretValue":
		var value string
		if raw, ok := in["SecretString"]; !ok || json.Unmarshal(raw, &value) != nil {
			return nil, &smError{http.StatusBadRequest, "InvalidRequestException", "You must provide either SecretString or SecretBinary."}
		}
		sec.versions = append(sec.versions, secretVersion{id: newID(), value: value})
		v := sec.versions[len(sec.versions)-1]
		return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id, "VersionStages": []string{"AWSCURRENT"}}, nil
	}
	return nil, &smError{http.StatusBadRequest, "UnknownOperationException", action + " is not supported by this fake"}
}

// find resolves a SecretId: a name, a full ARN or an ARN without the
// random suffix; s.mu must be held.
func (s *SecretsManager) find(id string) *secret {
	if sec := s.secrets[id]; sec != nil {
		return sec
	}
	for _, sec := range s.secrets {
		if id == sec.arn || id == sec.arn[:len(sec.arn)-7] {
			return sec
		}
	}
	return nil
}
