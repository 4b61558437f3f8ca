package ai

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/ai/provider"
	"github.com/thebrain/thebrain/modules/ai/provider/providertest"
)

// instant is a provider that answers at once, in process: what remains of
// a call's time is the gateway's own.
type instant struct{}

func (instant) Name() string { return "instant" }

func (instant) Complete(context.Context, provider.Request) (provider.Response, error) {
	return provider.Response{Text: "Some prose.", FinishReason: "stop", Usage: provider.Usage{InputTokens: 300, OutputTokens: 40}}, nil
}

func (i instant) Stream(ctx context.Context, r provider.Request, onDelta func(string) error) (provider.Response, error) {
	resp, _ := i.Complete(ctx, r)
	return resp, onDelta(resp.Text)
}

// BenchmarkGatewayOverhead is one model call through the gateway, as a
// request makes it once its context is gathered (service.run): render the
// prompt, hash the cache key, miss in Redis, spend the hourly request
// (GCRA), reserve and settle the day's tokens, ask the chain, record the
// call (batched, as serve does), keep the answer. The provider is
// zero-latency: in process ("instant"), or the real SDK over loopback HTTP
// to the fake server ("sdk-fake-http", which adds the SDK's encoding and
// an HTTP round trip). Every call misses (a new text each time). It reports
// the p50 and p99 of the calls:
//
//	go test -run '^$' -bench GatewayOverhead ./modules/ai/
func BenchmarkGatewayOverhead(b *testing.B) {
	for _, tc := range []struct {
		name string
		p    func(b *testing.B) provider.Provider
	}{
		{"instant", func(*testing.B) provider.Provider { return instant{} }},
		{"sdk-fake-http", func(b *testing.B) provider.Provider { return providertest.NewAnthropic(b).Provider() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newBenchEnv(b, tc.p(b))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan struct{})
			go func() { defer close(done); e.svc.rec.run(ctx) }()
			defer func() { cancel(); <-done }()
			c := call{op: OpRewrite, user: e.user, project: e.project, prompt: promptFor("rewrite"), variants: 1,
				temperature: tempFaithful, spend: true,
				data: promptData{Instruction: rewriteInstruction[rwShorten], Variants: 1, Context: bookContext{
					Style:      "Short sentences. Salt on every page.",
					StorySoFar: []chapterSummary{{Title: "One", Summary: "Mara arrives."}, {Title: "Two", Summary: "The storm."}},
				}}}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				c.data.Passage = fmt.Sprintf("The cat sat on the mat, time %d.", i)
				start := time.Now()
				if _, err := e.svc.run(context.Background(), c, nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds()), "p99-µs")
		})
	}
}

// benchEnv is the service alone on a fresh schema and Redis namespace.
type benchEnv struct {
	svc     *service
	user    uuid.UUID
	project uuid.UUID
}

func newBenchEnv(b *testing.B, p provider.Provider) *benchEnv {
	b.Helper()
	pool := testkitPostgres(b)
	rdb, keys := testkitRedis(b)
	user, project := benchBook(b, pool)
	chain := provider.NewChain(provider.Policy{}, provider.Link{Provider: p, Model: "m"})
	m := New(Deps{DB: pool, Redis: rdb, Keys: keys, Chains: map[Operation]*provider.Chain{OpRewrite: chain},
		Limits: Limits{HourlyRequests: 1 << 30, DailyTokens: 1 << 50}})
	return &benchEnv{svc: m.svc, user: user, project: project}
}
