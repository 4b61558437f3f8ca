package testkit

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// BaselineGetProject is the floor the books benchmarks measure the API
// against: a bare net/http handler for GET /api/v1/projects/{id} that does
// the book's primary-key SELECT with pgx and encodes it as JSON. No router,
// middleware, authentication or access check.
func BaselineGetProject(pool *pgxpool.Pool) http.Handler {
	type row struct {
		ID              uuid.UUID `json:"id"`
		Title           string    `json:"title"`
		Description     string    `json:"description"`
		Genre           string    `json:"genre"`
		TargetWordCount *int32    `json:"target_word_count"`
		Version         int32     `json:"version"`
		CreatedAt       time.Time `json:"created_at"`
		UpdatedAt       time.Time `json:"updated_at"`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := uuid.Parse(r.PathValue("id"))
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		var p row
		err = pool.QueryRow(r.Context(), `SELECT id, title, description, genre, target_word_count, version, created_at, updated_at
			FROM projects WHERE id = $1`, id).
			Scan(&p.ID, &p.Title, &p.Description, &p.Genre, &p.TargetWordCount, &p.Version, &p.CreatedAt, &p.UpdatedAt)
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p)
	})
	return mux
}

// QuantileMs is the q-quantile (0 < q < 1) of sorted latencies in
// milliseconds, 0 for none: the p50 and p99 the benchmarks report.
func QuantileMs(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[min(len(sorted)-1, int(float64(len(sorted))*q))].Microseconds()) / 1000
}
