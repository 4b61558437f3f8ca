package ai

import (
	"container/list"
	"sync"
	"time"
)

// nearCache keeps the most recent answers found under quick keys, and the
// answers this process got from a provider, in the process as well, so a
// repeated request (the same user's, the same book material) is answered
// without a round trip to Redis. It follows Redis's keys exactly: an entry
// is valid for the same TTL, and a key names the rendered prompt or the
// book's material stamp, so nothing in it can go stale. It holds at
// most nearCacheBytes of text, least recently used first out.
type nearCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	bytes int
	order *list.List // front: most recently used
	items map[string]*list.Element
	now   func() time.Time
}

type nearEntry struct {
	key     string
	answer  cachedAnswer
	size    int
	expires time.Time
}

const nearCacheBytes = 16 << 20

func newNearCache(ttl time.Duration, now func() time.Time) *nearCache {
	return &nearCache{ttl: ttl, order: list.New(), items: map[string]*list.Element{}, now: now}
}

func (c *nearCache) get(key string) (cachedAnswer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return cachedAnswer{}, false
	}
	e := el.Value.(*nearEntry)
	if c.now().After(e.expires) {
		c.remove(el)
		return cachedAnswer{}, false
	}
	c.order.MoveToFront(el)
	return e.answer, true
}

// put keeps a for the rest of ttlLeft (the Redis entry's remaining life,
// or the whole TTL for a new one).
func (c *nearCache) put(key string, a cachedAnswer, ttlLeft time.Duration) {
	size := len(key) + len(a.Text) + len(a.Provider) + len(a.Model) + 64
	for _, v := range a.Variants {
		size += len(v)
	}
	if size > nearCacheBytes/16 || ttlLeft <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	c.items[key] = c.order.PushFront(&nearEntry{key: key, answer: a, size: size, expires: c.now().Add(min(ttlLeft, c.ttl))})
	c.bytes += size
	for c.bytes > nearCacheBytes {
		c.remove(c.order.Back())
	}
}

func (c *nearCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*nearEntry)
	delete(c.items, e.key)
	c.bytes -= e.size
}
