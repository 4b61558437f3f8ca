package collab

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/thebrain/thebrain/modules/collab/internal/store"
	"github.com/thebrain/thebrain/modules/collab/prosemirror"
	"github.com/thebrain/thebrain/modules/collab/ydoc"
	"github.com/thebrain/thebrain/platform/db"
)

// One truth for a chapter. A chapter without a collaborative document is
// its Markdown content. Once a document exists it is the truth:
//
//   - seeding: a fresh document (none stored, or an empty one) is built
//     from the chapter's Markdown by the server while it loads, before any
//     client is answered, in one INSERT … ON CONFLICT (seedDocument), from
//     a deterministic update (client id derived from the chapter);
//   - rendering: the document is rendered to Markdown and written back to
//     the chapter (ChapterLookup.SaveFromDocument) after edits accepted
//     here (debounced), after a compaction, and when the last local client
//     leaves; one render of a document at a time across instances (an
//     advisory lock);
//   - applying: a REST write of the content becomes a Y.js update
//     committed through the stream like an editor's (Module.Apply).

// documentState is the whole document as one update: its stream, its
// snapshot and durable tail, merged (what a room loads). entries and from
// are the stream entries read and the snapshot's stream id.
func (h *hub) documentState(ctx context.Context, id uuid.UUID) (doc []byte, entries []entry, from streamID, err error) {
	entries, err = h.bus.readAll(ctx, id, streamID{})
	if err != nil {
		return nil, nil, streamID{}, err
	}
	q := store.New(h.persist.pool)
	snapshot, from, err := loadSnapshot(ctx, q, id)
	if err != nil {
		return nil, nil, streamID{}, err
	}
	rows, err := q.ListUpdatesAfter(ctx, store.ListUpdatesAfterParams{ChapterID: id, AfterMs: int64(from.ms), AfterSeq: int64(from.seq)})
	if err != nil {
		return nil, nil, streamID{}, fmt.Errorf("read durable tail: %w", err)
	}
	inputs := make([][]byte, 0, 1+len(rows)+len(entries))
	inputs = append(inputs, snapshot)
	for _, r := range rows {
		inputs = append(inputs, r.Update)
	}
	for _, e := range entries {
		if e.id.after(from) {
			inputs = append(inputs, e.update)
		}
	}
	doc, err = h.codec.MergeUpdates(inputs)
	if err != nil {
		return nil, nil, streamID{}, fmt.Errorf("merge the document (%d updates): %w", len(inputs), err)
	}
	return doc, entries, from, nil
}

// isEmpty reports whether an update holds no structs at all (a document
// nobody ever wrote).
func (h *hub) isEmpty(doc []byte) (bool, error) {
	sv, err := h.codec.EncodeStateVectorFromUpdate(doc)
	if err != nil {
		return false, err
	}
	return len(sv) == 1 && sv[0] == 0, nil
}

// seedClient is the Y.js client id of a chapter's seed: fixed per chapter,
// so that two seeds of the same Markdown are the same items.
func seedClient(id uuid.UUID) uint64 {
	f := fnv.New32a()
	_, _ = f.Write(id[:])
	return uint64(f.Sum32())
}

// seedDocument stores the document of a chapter that has none (or an
// empty one) built from its Markdown content, unless another instance did
// first. seeded reports whether there was anything to seed.
func (h *hub) seedDocument(ctx context.Context, id uuid.UUID) (seeded bool, err error) {
	if h.svc.chapters == nil {
		return false, nil
	}
	md, ok, err := h.svc.chapters.ChapterContent(ctx, id)
	if err != nil {
		return false, fmt.Errorf("read the chapter to seed its document: %w", err)
	}
	if !ok || strings.TrimSpace(md) == "" {
		return false, nil
	}
	d := ydoc.New(seedClient(id))
	update, err := prosemirror.SeedYDoc(d, prosemirror.FragmentName, prosemirror.ParseMarkdown(md))
	if err != nil {
		return false, fmt.Errorf("seed the document: %w", err)
	}
	n, err := store.New(h.persist.pool).SeedDocument(ctx, store.SeedDocumentParams{ChapterID: id, Snapshot: update})
	if err != nil {
		return false, fmt.Errorf("store the seeded document: %w", err)
	}
	if n == 0 {
		return true, nil
	}
	h.log.Info("collab: document seeded from the chapter", slog.String("chapter_id", id.String()), slog.Int("bytes", len(update)))
	// A REST write committed between the read above and the seed found no
	// document to apply to: apply it now (a later one finds the seed).
	now, ok, err := h.svc.chapters.ChapterContent(ctx, id)
	if err == nil && ok && now != md {
		err = h.apply(ctx, id, md, now)
	}
	if err != nil {
		return true, fmt.Errorf("bring the seeded document up to the chapter: %w", err)
	}
	return true, nil
}

// renderMarkdown reads a document's TipTap fragment as Markdown. ok is
// false for a document nobody ever wrote (nothing to render).
func (h *hub) renderMarkdown(doc []byte) (md string, ok bool, err error) {
	empty, err := h.isEmpty(doc)
	if err != nil || empty {
		return "", false, err
	}
	d, err := loadYDoc(doc, 1)
	if err != nil {
		return "", false, err
	}
	defer func() {
		if p := recover(); p != nil {
			md, ok, err = "", false, fmt.Errorf("render the document: panic: %v", p)
		}
	}()
	return prosemirror.Markdown(prosemirror.FromYDoc(d, prosemirror.FragmentName)), true, nil
}

// loadYDoc integrates a whole document into a Go Y.Doc.
func loadYDoc(doc []byte, client uint64) (d *ydoc.Doc, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("integrate the document: panic: %v", p)
		}
	}()
	d = ydoc.New(client)
	if err := d.ApplyUpdate(doc); err != nil {
		return nil, fmt.Errorf("integrate the document: %w", err)
	}
	return d, nil
}

// errNoChapters: rendering needs the chapters module.
var errNoChapters = errors.New("collab: no chapters module to write documents back to")

// renderChapter writes the document's Markdown back to its chapter, unless
// another instance is doing so (busy). Content already equal writes
// nothing.
func (h *hub) renderChapter(ctx context.Context, id uuid.UUID) (busy bool, err error) {
	if h.svc.chapters == nil {
		return false, errNoChapters
	}
	err = db.InTx(ctx, h.persist.pool, func(tx pgx.Tx) error {
		locked, err := store.New(tx).TryLockRender(ctx, id.String())
		if err != nil {
			return fmt.Errorf("lock the document's rendering: %w", err)
		}
		if !locked {
			busy = true
			return nil
		}
		doc, _, _, err := h.documentState(ctx, id)
		if err != nil {
			return err
		}
		md, ok, err := h.renderMarkdown(doc)
		if err != nil || !ok {
			return err
		}
		changed, err := h.svc.chapters.SaveFromDocument(ctx, id, md)
		if err != nil {
			return fmt.Errorf("write the rendering to the chapter: %w", err)
		}
		if changed {
			h.stats.renders.Add(1)
		}
		return nil
	})
	return busy, err
}

// renderState is what the render loop knows of a document edited here.
type renderState struct {
	first time.Time // the first edit not rendered yet
	last  time.Time // the latest one
	now   bool      // render at the next round (the last client left, a compaction)
}

// renderer debounces the renders of the documents edited here: Timing.
// RenderQuiet after the last edit, at most Timing.RenderMax apart while
// edits go on, at once when asked (renderNow).
type renderer struct {
	h    *hub
	mu   sync.Mutex
	docs map[uuid.UUID]*renderState
	kick chan struct{}
}

func newRenderer(h *hub) *renderer {
	return &renderer{h: h, docs: map[uuid.UUID]*renderState{}, kick: make(chan struct{}, 1)}
}

// edited records an edit of the document accepted here.
func (r *renderer) edited(id uuid.UUID) {
	now := r.h.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.docs[id]
	if s == nil {
		s = &renderState{first: now}
		r.docs[id] = s
	}
	s.last = now
}

// renderNow has the document rendered at the next round; only documents
// with edits not rendered yet unless always.
func (r *renderer) renderNow(id uuid.UUID, always bool) {
	r.mu.Lock()
	s := r.docs[id]
	if s == nil && always {
		s = &renderState{first: r.h.now(), last: r.h.now()}
		r.docs[id] = s
	}
	if s != nil {
		s.now = true
	}
	r.mu.Unlock()
	if s != nil {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// compacted is a compaction of the document here: a checkpoint to render
// at, for edits accepted here that have waited Timing.RenderQuiet already.
// Fresher edits keep their debounce: a busy document compacts at every
// flush, and rendering it each time would read the whole document several
// times a second.
func (r *renderer) compacted(id uuid.UUID) {
	now := r.h.now()
	r.mu.Lock()
	s := r.docs[id]
	due := s != nil && !s.now && now.Sub(s.first) >= r.h.timing.RenderQuiet
	if due {
		s.now = true
	}
	r.mu.Unlock()
	if due {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// due takes the documents to render now out of the set.
func (r *renderer) due(now time.Time, all bool) []uuid.UUID {
	t := r.h.timing
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []uuid.UUID
	for id, s := range r.docs {
		if all || s.now || now.Sub(s.last) >= t.RenderQuiet || now.Sub(s.first) >= t.RenderMax {
			ids = append(ids, id)
			delete(r.docs, id)
		}
	}
	return ids
}

// retry puts a document back, due again after Timing.RenderQuiet (a render
// that failed or found another instance rendering).
func (r *renderer) retry(id uuid.UUID) {
	now := r.h.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.docs[id] == nil {
		r.docs[id] = &renderState{first: now, last: now}
	}
}

// run renders what is due until ctx ends.
func (r *renderer) run(ctx context.Context) {
	t := time.NewTicker(r.h.timing.RenderQuiet / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
		}
		r.renderDue(ctx, false)
	}
}

// renderDue renders the due documents (all of them when all).
func (r *renderer) renderDue(ctx context.Context, all bool) {
	for _, id := range r.due(r.h.now(), all) {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		busy, err := r.h.renderChapter(rctx, id)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			// The chapter keeps its previous content; the next trigger
			// tries again.
			r.h.log.Warn("collab: rendering a document to its chapter failed; the chapter keeps its content", slog.String("chapter_id", id.String()), slog.String("error", err.Error()))
			r.retry(id)
		case busy:
			r.retry(id)
		}
	}
}

// Apply implements the chapters module's LiveDocuments: a content write
// (base → markdown) on a chapter that has a document becomes a Y.js update,
// committed through the document's stream like an editor's, so every
// client sees it at once and it is persisted. The update is computed on
// the document's current state from a three-way merge of the top-level
// blocks (mergeBlocks): blocks the write did not touch keep their Y.js
// items, and what editors typed meanwhile stays. A chapter without a
// document is left alone (its content seeds a future one).
func (m *Module) Apply(ctx context.Context, chapterID uuid.UUID, base, markdown string) error {
	return m.hub.apply(ctx, chapterID, base, markdown)
}

func (h *hub) apply(ctx context.Context, id uuid.UUID, base, markdown string) error {
	doc, _, _, err := h.documentState(ctx, id)
	if err != nil {
		return err
	}
	if empty, err := h.isEmpty(doc); err != nil || empty {
		return err
	}
	d, err := loadYDoc(doc, uint64(rand.Uint32()))
	if err != nil {
		return err
	}
	update, err := applyMarkdown(d, base, markdown)
	if err != nil || update == nil {
		return err
	}
	if _, err := h.bus.add(ctx, id, update); err != nil {
		return err
	}
	// The reader skips this instance's own entries: its room, if any,
	// takes the update here.
	h.mu.Lock()
	r := h.rooms[id]
	h.mu.Unlock()
	if r != nil {
		r.add(update, encodeUpdateFrame(update))
	}
	h.stats.applied.Add(1)
	// A rendering that read the document just before this update may
	// write the previous text back: the next one sets it right.
	h.renders.edited(id)
	return nil
}

// applyMarkdown turns a REST write (base: the content it was made from,
// markdown: the content written) into the update that edits d to match,
// merged by block with what d holds now (mergeBlocks). nil: nothing to do.
func applyMarkdown(d *ydoc.Doc, base, markdown string) ([]byte, error) {
	cur := prosemirror.FromYDoc(d, prosemirror.FragmentName)
	b, bk := prosemirror.ParseMarkdownBlocks(base)
	n, nk := prosemirror.ParseMarkdownBlocks(markdown)
	target := mergeBlocks(b, bk, n, nk, cur)
	update, err := prosemirror.UpdateYDoc(d, prosemirror.FragmentName, target)
	if err != nil {
		return nil, fmt.Errorf("compute the update: %w", err)
	}
	return update, nil
}

// mergeBlocks is a three-way merge of documents by top-level block (blocks
// compared by their Markdown): the changes from base to next, applied to
// cur. A block next changed or removed is replaced or removed where cur
// still has it as in base; a block cur changed too (an editor typed in it)
// is kept, and next's version of it is put beside it, so neither side's
// text is lost; blocks next added go after the nearest block before them
// that cur still has. bk and nk are base's and next's blocks' Markdown
// (ParseMarkdownBlocks gives them with the parse).
func mergeBlocks(base *prosemirror.Node, bk []string, next *prosemirror.Node, nk []string, cur *prosemirror.Node) *prosemirror.Node {
	// No shortcut when cur reads as base: cur's blocks carry what Markdown
	// does not (attributes other extensions set), kept where unchanged.
	known := make(map[string]bool, len(bk)+len(nk))
	for _, k := range bk {
		known[k] = true
	}
	for _, k := range nk {
		known[k] = true
	}
	ck := blockKeys(cur, known)
	b2c := matchBlocks(bk, ck)
	b2n := matchBlocks(bk, nk)
	remove := make([]bool, len(ck))
	before := make([][]*prosemirror.Node, len(ck)+1)
	anchor := func(a, b int) int {
		for k := a - 1; k >= 0; k-- {
			if b2c[k] >= 0 {
				return b2c[k] + 1
			}
		}
		for k := b; k < len(bk); k++ {
			if b2c[k] >= 0 {
				return b2c[k]
			}
		}
		return len(ck)
	}
	hunk := func(a, b, x, y int) {
		if a == b && x == y {
			return
		}
		pos := -1
		for k := a; k < b; k++ {
			if j := b2c[k]; j >= 0 {
				remove[j] = true
				if pos < 0 || j < pos {
					pos = j
				}
			}
		}
		if pos < 0 {
			pos = anchor(a, b)
		}
		before[pos] = append(before[pos], next.Content[x:y]...)
	}
	i, n := 0, 0
	for k := range bk {
		if b2n[k] < 0 {
			continue
		}
		hunk(i, k, n, b2n[k])
		i, n = k+1, b2n[k]+1
	}
	hunk(i, len(bk), n, len(nk))
	out := &prosemirror.Node{Type: cur.Type, Attrs: cur.Attrs}
	for j := range ck {
		out.Content = append(out.Content, before[j]...)
		if !remove[j] {
			out.Content = append(out.Content, cur.Content[j])
		}
	}
	out.Content = append(out.Content, before[len(ck)]...)
	return out
}

// blockKeys are the top-level blocks' Markdown. Blocks read from a
// document are read back from their Markdown first (reparse), as the
// blocks of a REST write are: the parser trims paragraphs, joins text and
// so on, and the keys must compare what Markdown can tell apart. A block
// whose Markdown is already one of the known keys (the REST side's) needs
// no reading back: it reads as that block does, which is what the key is
// for, and so an unchanged chapter costs no parsing block by block.
func blockKeys(doc *prosemirror.Node, reparse map[string]bool) []string {
	keys := make([]string, len(doc.Content))
	for i, b := range doc.Content {
		md := prosemirror.Markdown(&prosemirror.Node{Type: prosemirror.TypeDoc, Content: []*prosemirror.Node{b}})
		if reparse != nil && !reparse[md] {
			md = prosemirror.Markdown(prosemirror.ParseMarkdown(md))
		}
		keys[i] = md
	}
	return keys
}

// matchBlocks pairs a's blocks with b's along a longest common subsequence:
// m[i] is the index in b of a[i], or -1. Common ends are paired first; the
// middle by dynamic programming when it is small enough, otherwise left
// unpaired (a merge then keeps both sides' blocks).
func matchBlocks(a, b []string) []int {
	m := make([]int, len(a))
	for i := range m {
		m[i] = -1
	}
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		m[p] = p
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		m[len(a)-1-s] = len(b) - 1 - s
		s++
	}
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	if len(ma) == 0 || len(mb) == 0 || len(ma)*len(mb) > MaxMergeCells {
		return m
	}
	w := len(mb) + 1
	t := make([]int32, (len(ma)+1)*w)
	for i := len(ma) - 1; i >= 0; i-- {
		for j := len(mb) - 1; j >= 0; j-- {
			if ma[i] == mb[j] {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else {
				t[i*w+j] = max(t[(i+1)*w+j], t[i*w+j+1])
			}
		}
	}
	for i, j := 0, 0; i < len(ma) && j < len(mb); {
		switch {
		case ma[i] == mb[j]:
			m[p+i] = p + j
			i++
			j++
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			i++
		default:
			j++
		}
	}
	return m
}
