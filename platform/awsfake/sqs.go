// Package awsfake holds local servers that speak the wire protocols of the
// AWS services The Brain uses, for tests and local runs where AWS cannot be
// reached. They are driven by the real aws-sdk-go-v2 clients, pointed at
// them with a base endpoint.
package awsfake

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Account and Region are what the fake's queue URLs and ARNs name.
const (
	Account = "000000000000"
	Region  = "us-east-1"
)

// SQS is an in-memory Amazon SQS speaking the AWS JSON 1.0 protocol that
// aws-sdk-go-v2's SQS client uses (X-Amz-Target: AmazonSQS.<Action>):
// CreateQueue, GetQueueUrl, GetQueueAttributes, SendMessage(Batch),
// ReceiveMessage (long polling, visibility timeout, receive counts),
// DeleteMessage(Batch), ChangeMessageVisibility, and redrive to a
// dead-letter queue after maxReceiveCount receives. Standard queues only.
type SQS struct {
	srv *httptest.Server

	mu      sync.Mutex
	queues  map[string]*queue // by name
	changed chan struct{}     // closed and replaced whenever a message may have become visible
	down    bool
	calls   map[string]int
	now     func() time.Time
}

type queue struct {
	name       string
	visibility time.Duration
	waitTime   time.Duration
	attrs      map[string]string
	dlqARN     string
	maxRecv    int
	msgs       []*message
}

type message struct {
	id           string
	body         string
	sent         time.Time
	visibleAt    time.Time
	receives     int
	firstReceive time.Time
	receipt      string // of the latest receive; older ones no longer act
}

// NewSQS starts the fake on a loopback port; Close stops it.
func NewSQS() *SQS {
	s := &SQS{queues: map[string]*queue{}, changed: make(chan struct{}), calls: map[string]int{}, now: time.Now}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the endpoint to give the SDK (sqs.Options.BaseEndpoint).
func (s *SQS) URL() string { return s.srv.URL }

// Close stops the server.
func (s *SQS) Close() { s.srv.Close() }

// SetDown makes every request fail with 503 (as an outage would) until
// called with false.
func (s *SQS) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Calls reports how many requests of action (e.g. "SendMessage") arrived.
func (s *SQS) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// Depth reports the messages in queue name: visible ones and those in
// flight (received, not yet deleted, visibility not expired).
func (s *SQS) Depth(name string) (visible, inFlight int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[name]
	if q == nil {
		return 0, 0
	}
	now := s.now()
	for _, m := range q.msgs {
		if m.visibleAt.After(now) {
			inFlight++
		} else {
			visible++
		}
	}
	return visible, inFlight
}

// Bodies returns the bodies of every message in queue name, in order.
func (s *SQS) Bodies(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if q := s.queues[name]; q != nil {
		for _, m := range q.msgs {
			out = append(out, m.body)
		}
	}
	return out
}

// sqsError is an error answer in the JSON protocol's shape.
type sqsError struct {
	status int
	code   string // the part after "com.amazonaws.sqs#"
	msg    string
}

func (e *sqsError) Error() string { return e.code + ": " + e.msg }

func errInvalid(format string, args ...any) *sqsError {
	return &sqsError{http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf(format, args...)}
}

var errNoQueue = &sqsError{http.StatusBadRequest, "QueueDoesNotExist", "The specified queue does not exist."}

func (s *SQS) serve(w http.ResponseWriter, r *http.Request) {
	action, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	var in map[string]json.RawMessage
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2<<20)).Decode(&in)
	s.mu.Lock()
	s.calls[action]++
	down := s.down
	s.mu.Unlock()
	var out any
	switch {
	case down:
		err = &sqsError{http.StatusServiceUnavailable, "ServiceUnavailable", "the fake is down"}
	case !ok || r.Method != http.MethodPost:
		err = &sqsError{http.StatusBadRequest, "UnknownOperationException", "expected POST with X-Amz-Target: AmazonSQS.<Action>"}
	case err != nil:
		err = &sqsError{http.StatusBadRequest, "InvalidParameterValue", "the body is not a JSON object"}
	default:
		out, err = s.dispatch(r.Context(), action, in)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", newID())
	if err != nil {
		e, ok := err.(*sqsError)
		if !ok {
			e = &sqsError{http.StatusInternalServerError, "InternalError", err.Error()}
		}
		w.WriteHeader(e.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + e.code, "message": e.msg})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (s *SQS) dispatch(ctx context.Context, action string, in map[string]json.RawMessage) (any, error) {
	switch action {
	case "CreateQueue":
		return s.createQueue(in)
	case "GetQueueUrl":
		var name string
		if err := field(in, "QueueName", &name); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.queues[name] == nil {
			return nil, errNoQueue
		}
		return map[string]string{"QueueUrl": s.queueURL(name)}, nil
	case "GetQueueAttributes":
		return s.getAttributes(in)
	case "SendMessage":
		return s.send(in)
	case "SendMessageBatch":
		return s.sendBatch(in)
	case "ReceiveMessage":
		return s.receive(ctx, in)
	case "DeleteMessage":
		return s.deleteMessage(in)
	case "DeleteMessageBatch":
		return s.deleteBatch(in)
	case "ChangeMessageVisibility":
		return s.changeVisibility(in)
	}
	return nil, &sqsError{http.StatusBadRequest, "UnsupportedOperation", action + " is not supported by this fake"}
}

func field(in map[string]json.RawMessage, name string, dst any) error {
	raw, ok := in[name]
	if !ok {
		return &sqsError{http.StatusBadRequest, "MissingParameter", "the request must contain the parameter " + name}
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return errInvalid("%s has the wrong type", name)
	}
	return nil
}

func optional(in map[string]json.RawMessage, name string, dst any) error {
	if _, ok := in[name]; !ok {
		return nil
	}
	return field(in, name, dst)
}

func (s *SQS) queueURL(name string) string { return s.srv.URL + "/" + Account + "/" + name }

func queueARN(name string) string { return "arn:aws:sqs:" + Region + ":" + Account + ":" + name }

// queueFor resolves QueueUrl; s.mu must be held.
func (s *SQS) queueFor(in map[string]json.RawMessage) (*queue, error) {
	var u string
	if err := field(in, "QueueUrl", &u); err != nil {
		return nil, err
	}
	q := s.queues[u[strings.LastIndex(u, "/")+1:]]
	if q == nil {
		return nil, errNoQueue
	}
	return q, nil
}

func seconds(attrs map[string]string, name string, def, max int) (time.Duration, error) {
	v, ok := attrs[name]
	if !ok {
		return time.Duration(def) * time.Second, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > max {
		return 0, errInvalid("%s must be an integer from 0 to %d", name, max)
	}
	return time.Duration(n) * time.Second, nil
}

func (s *SQS) createQueue(in map[string]json.RawMessage) (any, error) {
	var name string
	attrs := map[string]string{}
	if err := field(in, "QueueName", &name); err != nil {
		return nil, err
	}
	if err := optional(in, "Attributes", &attrs); err != nil {
		return nil, err
	}
	if name == "" || len(name) > 80 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		return nil, errInvalid("queue names are 1 to 80 letters, digits, hyphens and underscores")
	}
	q := &queue{name: name, attrs: attrs}
	var err error
	if q.visibility, err = seconds(attrs, "VisibilityTimeout", 30, 43200); err != nil {
		return nil, err
	}
	if q.waitTime, err = seconds(attrs, "ReceiveMessageWaitTimeSeconds", 0, 20); err != nil {
		return nil, err
	}
	if rp, ok := attrs["RedrivePolicy"]; ok {
		var p struct {
			DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
			MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
		}
		if err := json.Unmarshal([]byte(rp), &p); err != nil {
			return nil, errInvalid("RedrivePolicy is not valid JSON")
		}
		n, err := strconv.Atoi(strings.Trim(string(p.MaxReceiveCount), `"`))
		if err != nil || n < 1 || n > 1000 || p.DeadLetterTargetArn == "" {
			return nil, errInvalid("RedrivePolicy needs deadLetterTargetArn and maxReceiveCount from 1 to 1000")
		}
		q.dlqARN, q.maxRecv = p.DeadLetterTargetArn, n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.dlqARN != "" && s.queues[q.dlqARN[strings.LastIndex(q.dlqARN, ":")+1:]] == nil {
		return nil, errInvalid("the dead-letter queue %s does not exist", q.dlqARN)
	}
	if old := s.queues[name]; old != nil {
		// Same name, same attributes: the existing queue; otherwise an error.
		for k, v := range attrs {
			if old.attrs[k] != v {
				return nil, &sqsError{http.StatusBadRequest, "QueueNameExists", "a queue with this name and other attributes exists"}
			}
		}
		return map[string]string{"QueueUrl": s.queueURL(name)}, nil
	}
	s.queues[name] = q
	return map[string]string{"QueueUrl": s.queueURL(name)}, nil
}

func (s *SQS) getAttributes(in map[string]json.RawMessage) (any, error) {
	var names []string
	if err := optional(in, "AttributeNames", &names); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueFor(in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	visible, inFlight := 0, 0
	for _, m := range q.msgs {
		if m.visibleAt.After(now) {
			inFlight++
		} else {
			visible++
		}
	}
	all := map[string]string{
		"QueueArn":                              queueARN(q.name),
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inFlight),
		"VisibilityTimeout":                     strconv.Itoa(int(q.visibility / time.Second)),
		"ReceiveMessageWaitTimeSeconds":         strconv.Itoa(int(q.waitTime / time.Second)),
	}
	if rp, ok := q.attrs["RedrivePolicy"]; ok {
		all["RedrivePolicy"] = rp
	}
	out := map[string]string{}
	for k, v := range all {
		if slices.Contains(names, "All") || slices.Contains(names, k) {
			out[k] = v
		}
	}
	return map[string]any{"Attributes": out}, nil
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// enqueue adds one message; s.mu must be held.
func (s *SQS) enqueue(q *queue, body string, delay int) (id string, err error) {
	if body == "" || len(body) > 256<<10 {
		return "", errInvalid("a message body is 1 byte to 256 KiB")
	}
	if delay < 0 || delay > 900 {
		return "", errInvalid("DelaySeconds must be from 0 to 900")
	}
	now := s.now()
	m := &message{id: newID(), body: body, sent: now, visibleAt: now.Add(time.Duration(delay) * time.Second)}
	q.msgs = append(q.msgs, m)
	s.wake()
	return m.id, nil
}

// wake tells waiting receivers to look again; s.mu must be held.
func (s *SQS) wake() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *SQS) send(in map[string]json.RawMessage) (any, error) {
	var body string
	var delay int
	if err := field(in, "MessageBody", &body); err != nil {
		return nil, err
	}
	if err := optional(in, "DelaySeconds", &delay); err != nil {
		return nil, err
	}
	if _, ok := in["MessageAttributes"]; ok {
		return nil, errInvalid("message attributes are not supported by this fake")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueFor(in)
	if err != nil {
		return nil, err
	}
	id, err := s.enqueue(q, body, delay)
	if err != nil {
		return nil, err
	}
	return map[string]string{"MessageId": id, "MD5OfMessageBody": md5Hex(body)}, nil
}

type batchFailure struct {
	ID          string `json:"Id"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
	SenderFault bool   `json:"SenderFault"`
}

func (s *SQS) sendBatch(in map[string]json.RawMessage) (any, error) {
	var entries []struct {
		ID           string `json:"Id"`
		MessageBody  string `json:"MessageBody"`
		DelaySeconds int    `json:"DelaySeconds"`
	}
	if err := field(in, "Entries", &entries); err != nil {
		return nil, err
	}
	if len(entries) == 0 || len(entries) > 10 {
		return nil, &sqsError{http.StatusBadRequest, "TooManyEntriesInBatchRequest", "a batch holds 1 to 10 entries"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueFor(in)
	if err != nil {
		return nil, err
	}
	type ok struct {
		ID               string `json:"Id"`
		MessageID        string `json:"MessageId"`
		MD5OfMessageBody string `json:"MD5OfMessageBody"`
	}
	successful, failed := []ok{}, []batchFailure{}
	for _, e := range entries {
		id, err := s.enqueue(q, e.MessageBody, e.DelaySeconds)
		if err != nil {
			failed = append(failed, batchFailure{ID: e.ID, Code: "InvalidParameterValue", Message: err.(*sqsError).msg, SenderFault: true})
			continue
		}
		successful = append(successful, ok{ID: e.ID, MessageID: id, MD5OfMessageBody: md5Hex(e.MessageBody)})
	}
	return map[string]any{"Successful": successful, "Failed": failed}, nil
}

type wireMessage struct {
	MessageID     string            `json:"MessageId"`
	ReceiptHandle string            `json:"ReceiptHandle"`
	MD5OfBody     string            `json:"MD5OfBody"`
	Body          string            `json:"Body"`
	Attributes    map[string]string `json:"Attributes,omitempty"`
}

func (s *SQS) receive(ctx context.Context, in map[string]json.RawMessage) (any, error) {
	max, wait, vis := 1, -1, -1
	var names, sysNames []string
	for name, dst := range map[string]any{"MaxNumberOfMessages": &max, "WaitTimeSeconds": &wait, "VisibilityTimeout": &vis, "AttributeNames": &names, "MessageSystemAttributeNames": &sysNames} {
		if err := optional(in, name, dst); err != nil {
			return nil, err
		}
	}
	if max < 1 || max > 10 {
		return nil, errInvalid("MaxNumberOfMessages must be from 1 to 10")
	}
	if wait > 20 || vis > 43200 {
		return nil, errInvalid("WaitTimeSeconds is at most 20 and VisibilityTimeout at most 43200")
	}
	names = append(names, sysNames...)
	s.mu.Lock()
	q, err := s.queueFor(in)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	waitFor := q.waitTime
	if wait >= 0 {
		waitFor = time.Duration(wait) * time.Second
	}
	visibility := q.visibility
	if vis >= 0 {
		visibility = time.Duration(vis) * time.Second
	}
	deadline := s.now().Add(waitFor)
	for {
		got := s.take(q, max, visibility, names)
		now := s.now()
		if len(got) > 0 || !now.Before(deadline) {
			s.mu.Unlock()
			return map[string]any{"Messages": got}, nil
		}
		// Sleep until something is sent or changes visibility, the next
		// in-flight message comes back, or the wait ends.
		next := deadline
		for _, m := range q.msgs {
			if m.visibleAt.After(now) && m.visibleAt.Before(next) {
				next = m.visibleAt
			}
		}
		changed := s.changed
		s.mu.Unlock()
		t := time.NewTimer(next.Sub(now))
		select {
		case <-changed:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		t.Stop()
		s.mu.Lock()
	}
}

// take receives up to max visible messages, moving those received too
// often to the dead-letter queue first; s.mu must be held.
func (s *SQS) take(q *queue, max int, visibility time.Duration, names []string) []wireMessage {
	now := s.now()
	var out []wireMessage
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		if len(out) == max || m.visibleAt.After(now) {
			kept = append(kept, m)
			continue
		}
		if q.maxRecv > 0 && m.receives >= q.maxRecv {
			if dlq := s.queues[q.dlqARN[strings.LastIndex(q.dlqARN, ":")+1:]]; dlq != nil {
				m.visibleAt, m.receipt = now, ""
				dlq.msgs = append(dlq.msgs, m)
				continue
			}
		}
		m.receives++
		if m.receives == 1 {
			m.firstReceive = now
		}
		m.visibleAt = now.Add(visibility)
		m.receipt = newID() + ":" + m.id
		kept = append(kept, m)
		wm := wireMessage{MessageID: m.id, ReceiptHandle: m.receipt, MD5OfBody: md5Hex(m.body), Body: m.body}
		all := slices.Contains(names, "All")
		for k, v := range map[string]string{
			"ApproximateReceiveCount":          strconv.Itoa(m.receives),
			"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
		} {
			if all || slices.Contains(names, k) {
				if wm.Attributes == nil {
					wm.Attributes = map[string]string{}
				}
				wm.Attributes[k] = v
			}
		}
		out = append(out, wm)
	}
	q.msgs = kept
	return out
}

// byReceipt finds the message a receipt handle names; stale is true when
// the handle is from an earlier receive. s.mu must be held.
func byReceipt(q *queue, receipt string) (m *message, i int, stale bool) {
	_, id, ok := strings.Cut(receipt, ":")
	if !ok {
		return nil, -1, false
	}
	for i, m := range q.msgs {
		if m.id == id {
			return m, i, m.receipt != receipt
		}
	}
	return nil, -1, true // already deleted (or moved): a handle that no longer acts
}

func (s *SQS) deleteMessage(in map[string]json.RawMessage) (any, error) {
	var receipt string
	if err := field(in, "ReceiptHandle", &receipt); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueFor(in)
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.deleteOne(q, receipt)
}

// deleteOne deletes by receipt handle. As in SQS, a handle from an earlier
// receive succeeds without deleting the message. s.mu must be held.
func (s *SQS) deleteOne(q *queue, receipt string) error {
	m, i, stale := byReceipt(q, receipt)
	switch {
	case m == nil && !stale:
		return &sqsError{http.StatusBadRequest, "ReceiptHandleIsInvalid", "the receipt handle is not valid"}
	case m != nil && !stale:
		q.msgs = slices.Delete(q.msgs, i, i+1)
	}
	return nil
}

func (s *SQS) deleteBatch(in map[string]json.RawMessage) (any, error) {
	var entries []struct {
		ID            string `json:"Id"`
		ReceiptHandle string `json:"ReceiptHandle"`
	}
	if err := field(in, "Entries", &entries); err != nil {
		return nil, err
	}
	if len(entries) == 0 || len(entries) > 10 {
		return nil, &sqsError{http.StatusBadRequest, "TooManyEntriesInBatchRequest", "a batch holds 1 to 10 entries"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueFor(in)
	if err != nil {
		return nil, err
	}
	type ok struct {
		ID string `json:"Id"`
	}
	successful, failed := []ok{}, []batchFailure{}
	for _, e := range entries {
		if err := s.deleteOne(q, e.ReceiptHandle); err != nil {
			failed = append(failed, batchFailure{ID: e.ID, Code: "ReceiptHandleIsInvalid", Message: err.(*sqsError).msg, SenderFault: true})
			continue
		}
		successful = append(successful, ok{ID: e.ID})
	}
	return map[string]any{"Successful": successful, "Failed": failed}, nil
}

func (s *SQS) changeVisibility(in map[string]json.RawMessage) (any, error) {
	var receipt string
	var vis int
	if err := field(in, "ReceiptHandle", &receipt); err != nil {
		return nil, err
	}
	if err := field(in, "VisibilityTimeout", &vis); err != nil {
		return nil, err
	}
	if vis < 0 || vis > 43200 {
		return nil, errInvalid("VisibilityTimeout must be from 0 to 43200")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueFor(in)
	if err != nil {
		return nil, err
	}
	m, _, stale := byReceipt(q, receipt)
	switch {
	case m == nil || stale:
		return nil, &sqsError{http.StatusBadRequest, "ReceiptHandleIsInvalid", "the receipt handle is not valid (or the message was received again since)"}
	case !m.visibleAt.After(s.now()):
		return nil, &sqsError{http.StatusBadRequest, "MessageNotInflight", "the message is not in flight"}
	}
	m.visibleAt = s.now().Add(time.Duration(vis) * time.Second)
	s.wake()
	return struct{}{}, nil
}
