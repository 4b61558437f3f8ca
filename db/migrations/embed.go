// Package migrations holds the database schema as golang-migrate files,
// embedded in the binary. Files are named NNNNNN_<module>_<change>.up.sql
// and .down.sql; zero padding keeps golang-migrate's numeric order equal to
// sqlc's lexicographic one. Nothing here is schema-qualified, so tests can
// migrate into a private schema through search_path.
package migrations

import "embed"

// FS is every migration file.
//
//go:embed *.sql
var FS embed.FS
