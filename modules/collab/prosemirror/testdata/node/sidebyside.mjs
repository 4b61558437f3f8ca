// The JavaScript side of the chapter-document benchmark
// (modules/collab/chapterdoc_bench_test.go): the same operations as the Go
// server, done the way a Node collaboration server does them with yjs,
// y-prosemirror and prosemirror-markdown.
//
//   node --expose-gc sidebyside.mjs --editlog FILE --dir DIR --kb 500
//
// At start it writes the benchmark's chapter into DIR (doc.update: the Y.js
// state as y-prosemirror writes it under TipTap's fragment "default";
// doc.md: its Markdown) and prints {"ready":…}. Then it reads one JSON
// request per line, {"op": …, "rounds": n, …}, and answers one line,
// {"ms": [per round], "check": …}:
//   integrate  apply every update of the edit log to a fresh Y.Doc
//   load       apply the chapter's state to a fresh Y.Doc
//   render     read the loaded chapter's fragment and serialize it to Markdown
//   save       a REST save: parse the new Markdown, update the fragment to
//              it (y-prosemirror's updateYFragment) and take the update
//              (a fresh load before each round, outside the timing)
//   merge      the same save as the Go server makes it: read the document,
//              parse the base and the new Markdown, merge by block (a port
//              of its mergeBlocks), update the fragment to the result
//   memory     heap held by one loaded chapter and by the edit log's document
import * as Y from 'yjs'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import readline from 'node:readline'
import * as decoding from 'lib0/decoding'
import { Node } from 'prosemirror-model'
import { prosemirrorToYDoc, yXmlFragmentToProseMirrorRootNode, updateYFragment } from 'y-prosemirror'
import { Rng, renderSchema, ySchema, serializer, parser } from './lib.mjs'

const args = {}
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1]
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc')

const fragment = 'default'

// ---------------------------------------------------------------- the chapter

// chapter writes prose the way a novel looks in TipTap: paragraphs of
// sentences with some emphasis and links, a heading every dozen or so
// paragraphs, now and then a quotation, a list, a scene break or a code
// block; about kb kilobytes of Markdown.
function chapter (kb) {
  const r = new Rng('thebrain/chapter-bench')
  const words = ('the a of and to in was she he it that with for as his her on at by from they ' +
    'morning river letter window quiet house garden road silence shadow winter candle station ' +
    'remembered walked opened whispered waited turned wondered carried listened watched ' +
    'slowly again never almost perhaps always suddenly softly').split(' ')
  const sentence = () => {
    const n = r.range(6, 18)
    const w = []
    for (let i = 0; i < n; i++) w.push(r.pick(words))
    w[0] = w[0][0].toUpperCase() + w[0].slice(1)
    return w.join(' ') + r.pick(['.', '.', '.', '?', '!'])
  }
  const inline = () => {
    const out = []
    const n = r.range(3, 8)
    for (let i = 0; i < n; i++) {
      const text = (i ? ' ' : '') + sentence()
      const k = r.int(100)
      if (k < 8) out.push({ type: 'text', text: text.trim(), marks: [{ type: 'italic' }] })
      else if (k < 11) out.push({ type: 'text', text: text.trim(), marks: [{ type: 'bold' }] })
      else if (k < 13) out.push({ type: 'text', text: r.pick(words), marks: [{ type: 'link', attrs: { href: 'https://example.com/notes/' + r.int(1000) } }] })
      else out.push({ type: 'text', text })
      if (out.length > 1 && out[out.length - 1].marks) out.splice(out.length - 1, 0, { type: 'text', text: ' ' })
    }
    return out
  }
  const para = () => ({ type: 'paragraph', content: inline() })
  const blocks = []
  let size = 0
  for (let i = 0; size < kb * 1024; i++) {
    let b
    const k = r.int(100)
    if (i % 14 === 0) b = { type: 'heading', attrs: { level: r.pick([2, 2, 3]) }, content: [{ type: 'text', text: sentence().slice(0, -1) }] }
    else if (k < 3) b = { type: 'blockquote', content: [para()] }
    else if (k < 5) b = { type: 'bulletList', content: [para(), para(), para()].map(p => ({ type: 'listItem', content: [p] })) }
    else if (k < 6) b = { type: 'horizontalRule' }
    else if (k < 7) b = { type: 'codeBlock', attrs: { language: 'text' }, content: [{ type: 'text', text: sentence() + '\n' + sentence() }] }
    else b = para()
    blocks.push(b)
    size += JSON.stringify(b).length * 0.65
  }
  return { type: 'doc', content: blocks }
}

const json = chapter(Number(args.kb || 500))
const ydocOf = (node) => prosemirrorToYDoc(Node.fromJSON(ySchema, node), fragment)
const state = Y.encodeStateAsUpdate(ydocOf(json))
const markdown = serializer.serialize(Node.fromJSON(renderSchema, json))
writeFileSync(join(args.dir, 'doc.update'), state)
writeFileSync(join(args.dir, 'doc.md'), markdown)

const editlog = []
{
  const d = decoding.createDecoder(readFileSync(args.editlog))
  while (decoding.hasContent(d)) editlog.push(decoding.readVarUint8Array(d))
}

const load = () => {
  const d = new Y.Doc()
  Y.applyUpdate(d, state)
  return d
}

// ---------------------------------------------------------------- operations

const ops = {
  integrate () {
    const d = new Y.Doc()
    d.getXmlFragment('prosemirror')
    for (const u of editlog) Y.applyUpdate(d, u)
    return () => d.getXmlFragment('prosemirror').length
  },
  load () {
    const d = load()
    return () => d.getXmlFragment(fragment).length
  },
  render (req, ctx) {
    const md = serializer.serialize(yXmlFragmentToProseMirrorRootNode(ctx.loaded.getXmlFragment(fragment), renderSchema))
    return () => md.length
  },
  merge (req, ctx) {
    // The Go server's whole path (modules/collab/document.go applyMarkdown),
    // written with the JavaScript stack: read the document, parse the base
    // and the new Markdown, merge by block, update the fragment.
    const d = ctx.fresh
    let update = null
    d.on('update', u => { update = u })
    const frag = d.getXmlFragment(fragment)
    const cur = yXmlFragmentToProseMirrorRootNode(frag, renderSchema)
    const target = mergeBlocks(parser.parse(req.base), parser.parse(req.markdown), cur)
    d.transact(() => updateYFragment(d, frag, target, { mapping: new Map(), isOMark: new Map() }))
    return () => update ? update.length : 0
  },
  save (req, ctx) {
    const d = ctx.fresh
    let update = null
    d.on('update', u => { update = u })
    const node = parser.parse(req.markdown)
    d.transact(() => updateYFragment(d, d.getXmlFragment(fragment), node, { mapping: new Map(), isOMark: new Map() }))
    return () => update ? update.length : 0
  }
}

// ---------------------------------------------------------------- the block merge

// A port of mergeBlocks, blockKeys and matchBlocks (modules/collab/document.go).
const maxMergeCells = 4 << 20

function mergeBlocks (base, next, cur) {
  const bk = blockKeys(base, null)
  const nk = blockKeys(next, null)
  const ck = blockKeys(cur, new Set([...bk, ...nk]))
  const b2c = matchBlocks(bk, ck)
  const b2n = matchBlocks(bk, nk)
  const remove = new Array(ck.length).fill(false)
  const before = Array.from({ length: ck.length + 1 }, () => [])
  const nextBlocks = []
  next.forEach(b => nextBlocks.push(b))
  const curBlocks = []
  cur.forEach(b => curBlocks.push(b))
  const anchor = (a, b) => {
    for (let k = a - 1; k >= 0; k--) if (b2c[k] >= 0) return b2c[k] + 1
    for (let k = b; k < bk.length; k++) if (b2c[k] >= 0) return b2c[k]
    return ck.length
  }
  const hunk = (a, b, x, y) => {
    if (a === b && x === y) return
    let pos = -1
    for (let k = a; k < b; k++) {
      const j = b2c[k]
      if (j >= 0) {
        remove[j] = true
        if (pos < 0 || j < pos) pos = j
      }
    }
    if (pos < 0) pos = anchor(a, b)
    before[pos].push(...nextBlocks.slice(x, y))
  }
  let i = 0
  let n = 0
  for (let k = 0; k < bk.length; k++) {
    if (b2n[k] < 0) continue
    hunk(i, k, n, b2n[k])
    i = k + 1
    n = b2n[k] + 1
  }
  hunk(i, bk.length, n, nk.length)
  const out = []
  for (let j = 0; j < ck.length; j++) {
    out.push(...before[j])
    if (!remove[j]) out.push(curBlocks[j])
  }
  out.push(...before[ck.length])
  return cur.type.create(cur.attrs, out)
}

function blockKeys (doc, known) {
  const keys = []
  doc.forEach(b => {
    let md = serializer.serialize(doc.type.create(null, [b]))
    if (known && !known.has(md)) md = serializer.serialize(parser.parse(md))
    keys.push(md)
  })
  return keys
}

function matchBlocks (a, b) {
  const m = new Array(a.length).fill(-1)
  let p = 0
  while (p < a.length && p < b.length && a[p] === b[p]) { m[p] = p; p++ }
  let s = 0
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) {
    m[a.length - 1 - s] = b.length - 1 - s
    s++
  }
  const ma = a.slice(p, a.length - s)
  const mb = b.slice(p, b.length - s)
  if (!ma.length || !mb.length || ma.length * mb.length > maxMergeCells) return m
  const w = mb.length + 1
  const t = new Int32Array((ma.length + 1) * w)
  for (let i = ma.length - 1; i >= 0; i--) {
    for (let j = mb.length - 1; j >= 0; j--) {
      t[i * w + j] = ma[i] === mb[j] ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1])
    }
  }
  for (let i = 0, j = 0; i < ma.length && j < mb.length;) {
    if (ma[i] === mb[j]) { m[p + i] = p + j; i++; j++ } else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) i++; else j++
  }
  return m
}

function measure (req) {
  const ms = []
  let check
  const ctx = {}
  if (req.op === 'render') ctx.loaded = load()
  for (let i = 0; i < req.rounds; i++) {
    if (req.op === 'save' || req.op === 'merge') ctx.fresh = load()
    const t0 = process.hrtime.bigint()
    const after = ops[req.op](req, ctx)
    const t1 = process.hrtime.bigint()
    ms.push(Number(t1 - t0) / 1e6)
    check = after()
  }
  return { ms, check }
}

function memory () {
  const heap = () => { global.gc(); global.gc(); return process.memoryUsage().heapUsed }
  const held = []
  const h0 = heap()
  held.push(load())
  const chapterBytes = heap() - h0
  const h1 = heap()
  held.push(ops.integrate())
  const editlogBytes = heap() - h1
  held.length = 0
  return { chapter: chapterBytes, editlog: editlogBytes }
}

process.stdout.write(JSON.stringify({ ready: { state: state.length, markdown: markdown.length, editlog: editlog.length } }) + '\n')
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of rl) {
  if (!line) continue
  let out
  try {
    const req = JSON.parse(line)
    out = req.op === 'memory' ? memory() : measure(req)
  } catch (e) {
    out = { error: String(e && e.stack || e) }
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}
