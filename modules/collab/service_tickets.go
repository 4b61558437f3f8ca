package collab

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/platform/access"
	"github.com/thebrain/thebrain/platform/apperr"
	"github.com/thebrain/thebrain/platform/authn"
)

// A collab ticket opens sockets on one chapter for TicketTTL, so that a
// browser need not put its access token in a WebSocket URL (where proxies
// and logs may keep it). It is the access token itself, sealed (AES-GCM
// with a key derived from THEBRAIN_SECRET_KEY) together with the chapter,
// its book and the ticket's end: opaque to whoever sees it, useless on any
// other chapter or on the REST API, and checked like the token inside it
// (a logout ends the sockets it opened). Any instance with the same secret
// opens it; nothing is stored.

// ticketPrefix tells a ticket from an access token (a JWT starts "ey").
const ticketPrefix = "ct1."

// maxTicketLen bounds what open even decodes.
const maxTicketLen = 8 << 10

type ticket struct {
	chapter, project uuid.UUID
	expires          time.Time
	token            string
}

type ticketSealer struct{ aead cipher.AEAD }

func newTicketSealer(secret []byte) (*ticketSealer, error) {
	if len(secret) < 32 {
		return nil, errors.New("collab: the secret key must be at least 32 bytes")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("thebrain collab ticket v1"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &ticketSealer{aead: aead}, nil
}

func (s *ticketSealer) seal(t ticket) string {
	plain := make([]byte, 0, 40+len(t.token))
	plain = append(plain, t.chapter[:]...)
	plain = append(plain, t.project[:]...)
	plain = binary.BigEndian.AppendUint64(plain, uint64(t.expires.UnixMilli()))
	plain = append(plain, t.token...)
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	sealed := s.aead.Seal(nonce, nonce, plain, []byte(ticketPrefix))
	return ticketPrefix + base64.RawURLEncoding.EncodeToString(sealed)
}

var errBadTicket = errors.New("invalid ticket")

func (s *ticketSealer) open(raw string) (ticket, error) {
	body, ok := strings.CutPrefix(raw, ticketPrefix)
	if !ok || len(raw) > maxTicketLen {
		return ticket{}, errBadTicket
	}
	sealed, err := base64.RawURLEncoding.DecodeString(body)
	n := s.aead.NonceSize()
	if err != nil || len(sealed) < n+s.aead.Overhead() {
		return ticket{}, errBadTicket
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(ticketPrefix))
	if err != nil || len(plain) < 40 {
		return ticket{}, errBadTicket
	}
	var t ticket
	copy(t.chapter[:], plain[:16])
	copy(t.project[:], plain[16:32])
	t.expires = time.UnixMilli(int64(binary.BigEndian.Uint64(plain[32:40])))
	t.token = string(plain[40:])
	return t, nil
}

// errChapterNotFound answers a ticket for a chapter that is not a live
// chapter of the book.
var errChapterNotFound = apperr.New(apperr.NotFound, "chapter not found")

// mintTicket seals a ticket for chapterID, for the caller who holds g (any
// role: viewers read) and presented token. It ends after TicketTTL, or with
// the token if that comes first.
func (s *service) mintTicket(ctx context.Context, g access.Grant, p authn.Principal, token string, chapterID uuid.UUID) (string, time.Time, error) {
	ok, err := s.chapters.ChapterExists(ctx, g.ProjectID, chapterID)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("ticket: %w", err)
	}
	if !ok {
		return "", time.Time{}, errChapterNotFound
	}
	exp := s.now().Add(TicketTTL).Truncate(time.Second)
	if !p.Expires.IsZero() && p.Expires.Before(exp) {
		exp = p.Expires
	}
	return s.tickets.seal(ticket{chapter: chapterID, project: g.ProjectID, expires: exp, token: token}), exp, nil
}
