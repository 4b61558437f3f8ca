package ai

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/platform/redis"
)

// cacheSchema versions the cache key's struct and the cached value: bump it
// when either changes meaning.
const cacheSchema = 1

// cacheKey is everything that makes two requests the same request. The
// user is part of it and of the Redis key's path, so one user's answer can
// never be found by another's request, whatever they send.
type cacheKey struct {
	Schema    int                `json:"schema"`
	User      uuid.UUID          `json:"user"`
	Operation Operation          `json:"op"`
	Chain     []string           `json:"chain"` // provider/model of each link, in order
	Template  string             `json:"template"`
	Version   int                `json:"version"`
	System    string             `json:"system"`
	Messages  []provider.Message `json:"messages"`
	MaxTokens int                `json:"max_tokens"`
	// Temperature and the others are sampling parameters.
	Temperature float64 `json:"temperature"`
	Variants    int     `json:"variants"`
	// SchemaHash is the SHA-256 of the response schema ("" for none).
	SchemaHash string `json:"schema_hash"`
}

// quickKey finds an answer before the book's context is gathered: the
// request as the client sent it, and the book's material stamp (which
// moves whenever anything a prompt is built from changes). Under the same
// stamp the same request renders the same prompt, so the answer kept under
// a quick key is the one kept under its cacheKey; it saves a cache hit the
// five queries of gathering the context.
type quickKey struct {
	Schema    int       `json:"schema"`
	User      uuid.UUID `json:"user"`
	Operation Operation `json:"op"`
	Chain     []string  `json:"chain"`
	Template  string    `json:"template"`
	Version   int       `json:"version"`
	Request   any       `json:"request"`
	Stamp     string    `json:"stamp"`
}

func (c *answerCache) quickRedisKey(k quickKey) string {
	k.Schema = cacheSchema
	b, _ := json.Marshal(k) // the request types encode without error
	sum := sha256.Sum256(b)
	return c.keys.Key("ai", "cache", "v1", k.User.String(), "q", hex.EncodeToString(sum[:]))
}

// cachedAnswer is what the cache keeps: a whole, successful answer.
type cachedAnswer struct {
	Text         string         `json:"text"`
	Variants     []string       `json:"variants,omitempty"`
	Usage        provider.Usage `json:"usage"`
	Provider     string         `json:"provider"`
	Model        string         `json:"model"`
	FinishReason string         `json:"finish_reason"`
}

type answerCache struct {
	rdb  *redis.Client
	keys redis.Keys
	ttl  time.Duration
	log  *slog.Logger
	// near keeps answers found under quick keys in the process too.
	near *nearCache
}

// redisKey is ai:cache:v1:<user>:<sha256 of the canonical key struct>.
// encoding/json writes a struct's fields in order, so the encoding is
// canonical.
func (c *answerCache) redisKey(k cacheKey) string {
	k.Schema = cacheSchema
	b, _ := json.Marshal(k) // strings, numbers and a uuid: cannot fail
	sum := sha256.Sum256(b)
	return c.keys.Key("ai", "cache", "v1", k.User.String(), hex.EncodeToString(sum[:]))
}

// getQuick is get for a quick key: the process's near cache first, then
// Redis (whose answer, with the entry's remaining life, the near cache
// keeps).
func (c *answerCache) getQuick(ctx context.Context, key string) (cachedAnswer, bool) {
	if a, ok := c.near.get(key); ok {
		return a, true
	}
	pipe := c.rdb.Pipeline()
	get := pipe.Get(ctx, key)
	ttl := pipe.PTTL(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil {
		if !errors.Is(err, redis.Nil) {
			c.log.WarnContext(ctx, "ai cache read failed", slog.String("error", err.Error()))
		}
		return cachedAnswer{}, false
	}
	var a cachedAnswer
	if err := json.Unmarshal([]byte(get.Val()), &a); err != nil {
		return cachedAnswer{}, false
	}
	c.near.put(key, a, ttl.Val())
	return a, true
}

// putQuick is put for a quick key, in the near cache too.
func (c *answerCache) putQuick(ctx context.Context, key string, a cachedAnswer) {
	c.put(ctx, key, a)
	c.near.put(key, a, c.ttl)
}

// keep returns the writes that keep a whole answer under key (and its
// quick key, when set), for a pipeline; the near cache takes it at once,
// so the process answers the same request again before Redis has it.
func (c *answerCache) keep(key, quick string, a cachedAnswer) func(goredis.Pipeliner) {
	b, _ := json.Marshal(a)
	c.near.put(key, a, c.ttl)
	if quick != "" {
		c.near.put(quick, a, c.ttl)
	}
	return func(p goredis.Pipeliner) {
		p.Set(context.Background(), key, b, c.ttl)
		if quick != "" {
			p.Set(context.Background(), quick, b, c.ttl)
		}
	}
}

// put keeps a whole answer for the cache's TTL; a failure only costs a
// later miss.
func (c *answerCache) put(ctx context.Context, key string, a cachedAnswer) {
	b, _ := json.Marshal(a)
	if err := c.rdb.Set(ctx, key, b, c.ttl).Err(); err != nil {
		c.log.WarnContext(ctx, "ai cache write failed", slog.String("error", err.Error()))
	}
}

func hashSchema(schema []byte) string {
	if len(schema) == 0 {
		return ""
	}
	sum := sha256.Sum256(schema)
	return hex.EncodeToString(sum[:])
}
