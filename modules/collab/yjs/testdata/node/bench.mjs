// bench.mjs generates the benchmark inputs shared by the Go benchmarks
// (BenchmarkVsYjs in bench_node_test.go) and times yjs on them.
//
//   node bench.mjs --dir DIR [--gen] [--time] [--op NAME] [--rounds 3] [--mintime-ms 3000]
//
// --gen writes the inputs into DIR (deterministic: fixed seed and client
// ids), --time times yjs on them and writes DIR/node.json (with --op, only
// that operation, and the JSON goes to stdout instead). Without either flag
// both are done. TestPerfVsYjs calls "--time --op NAME --rounds 1" between
// Go rounds, so that both sides see the same load on a shared machine.
//
// The workload follows the research notes (../shared/docs/collab.md §2.9): two authors type into a
// TipTap-like XmlFragment, one keystroke per update, with 20 % random
// single-character deletes, until the merged document update is about 500 KB.
//
// Inputs (lists are u32le count, then u32le length + bytes per element):
//   keystrokes.list  the last 5,000 single-keystroke updates
//   fold-doc.bin     the document (non-GC encodeStateAsUpdate) before the last 100 updates
//   fold-updates.list the last 100 updates
//   doc.bin          the whole document (non-GC encodeStateAsUpdate)
//   sv-missing-1000.bin the state vector before the last 1,000 updates
import * as Y from 'yjs'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { Rng, parseArgs } from './lib.mjs'

const args = parseArgs(process.argv.slice(2))
const dir = args.dir
if (!dir) {
  console.error('bench.mjs: --dir is required')
  process.exit(2)
}
const doGen = args.gen === 'true' || (args.gen === undefined && args.time === undefined)
const doTime = args.time === 'true' || (args.gen === undefined && args.time === undefined)
const minTimeMs = Number(args['mintime-ms'] ?? 3000)
const rounds = Number(args.rounds ?? 3)
const onlyOp = args.op ?? null

const TYPED_CHARS = 30000

function writeList (file, list) {
  const total = 4 + list.reduce((n, u) => n + 4 + u.length, 0)
  const buf = Buffer.alloc(total)
  let o = buf.writeUInt32LE(list.length, 0)
  for (const u of list) {
    o = buf.writeUInt32LE(u.length, o)
    buf.set(u, o)
    o += u.length
  }
  fs.writeFileSync(file, buf)
}

function readList (file) {
  const buf = fs.readFileSync(file)
  const n = buf.readUInt32LE(0)
  const out = []
  let o = 4
  for (let i = 0; i < n; i++) {
    const len = buf.readUInt32LE(o)
    o += 4
    out.push(new Uint8Array(buf.subarray(o, o + len)))
    o += len
  }
  return out
}

function generate () {
  const rng = new Rng('bench-typing')
  const docs = [new Y.Doc({ gc: false }), new Y.Doc({ gc: false })]
  docs[0].clientID = 1234567891
  docs[1].clientID = 3987654321
  const updates = []
  docs.forEach((d, i) => d.on('update', (u, origin) => {
    if (origin === 'remote') return
    updates.push(u)
    Y.applyUpdate(docs[1 - i], u, 'remote')
  }))
  // Both authors start from one paragraph.
  docs[0].transact(() => {
    const p = new Y.XmlElement('paragraph')
    docs[0].getXmlFragment('default').insert(0, [p])
    p.insert(0, [new Y.XmlText()])
  })
  const t0 = performance.now()
  const cursors = [null, null] // [paragraph index, offset] per author
  let typed = 0
  while (typed < TYPED_CHARS) {
    const a = rng.int(2)
    const doc = docs[a]
    const frag = doc.getXmlFragment('default')
    let c = cursors[a]
    if (c === null || c[0] >= frag.length || rng.bool(0.01)) c = cursors[a] = [rng.int(frag.length), -1]
    const para = frag.get(c[0])
    const text = para.get(0)
    if (c[1] < 0 || c[1] > text.length) c[1] = text.length
    if (rng.bool(0.2) && text.length > 0) {
      // A single-character delete somewhere in the paragraph (ASCII text only).
      text.delete(rng.int(text.length), 1)
      c[1] = Math.min(c[1], text.length)
    } else if (rng.bool(0.012)) {
      // Enter: a new paragraph after this one.
      doc.transact(() => {
        const p = new Y.XmlElement('paragraph')
        frag.insert(c[0] + 1, [p])
        p.insert(0, [new Y.XmlText()])
      })
      cursors[a] = [c[0] + 1, 0]
    } else {
      const ch = rng.bool(0.15) ? ' ' : String.fromCharCode(97 + rng.int(26))
      if (rng.bool(0.03)) text.insert(c[1], ch, { bold: {} })
      else text.insert(c[1], ch)
      c[1]++
      typed++
    }
  }
  const n = updates.length
  console.error(`bench: typed ${n} updates in ${Math.round(performance.now() - t0)} ms`)
  // The server's snapshot: fold the log into a merged update every 100
  // updates (no GC), as the collab module does. The cut points include
  // n-1000 and n-100.
  let snap = new Uint8Array([0, 0])
  const snaps = new Map()
  for (let k = n % 100; k <= n; k += 100) {
    snap = Y.mergeUpdates([snap, ...updates.slice(Math.max(0, k - 100), k)])
    snaps.set(k, snap)
  }
  const doc = snaps.get(n)
  console.error(`bench: folded in ${Math.round(performance.now() - t0)} ms`)
  fs.mkdirSync(dir, { recursive: true })
  writeList(path.join(dir, 'keystrokes.list'), updates.slice(n - 5000))
  fs.writeFileSync(path.join(dir, 'fold-doc.bin'), snaps.get(n - 100))
  writeList(path.join(dir, 'fold-updates.list'), updates.slice(n - 100))
  fs.writeFileSync(path.join(dir, 'doc.bin'), doc)
  fs.writeFileSync(path.join(dir, 'sv-missing-1000.bin'), Y.encodeStateVectorFromUpdate(snaps.get(n - 1000)))
  const info = {
    updates: n,
    live_chars: docs[0].getXmlFragment('default').toArray().reduce((s, p) => s + p.get(0).length, 0),
    doc_bytes: doc.length,
    gc_doc_bytes: (() => { const d = new Y.Doc(); Y.applyUpdate(d, doc); return Y.encodeStateAsUpdate(d).length })()
  }
  fs.writeFileSync(path.join(dir, 'inputs.json'), JSON.stringify(info, null, 2) + '\n')
  console.error(`bench: ${n} updates, ${info.live_chars} live chars, document ${doc.length} bytes`)
}

// time calls fn after a warm-up in rounds of at least minTimeMs/rounds each
// and reports the fastest round, which is the least disturbed by other load
// on the machine.
function time (name, fn) {
  let out = fn()
  const warmUntil = performance.now() + Math.min(500, minTimeMs / 4)
  let warm = 1
  while (performance.now() < warmUntil || warm < 3) { out = fn(); warm++ }
  let best = Infinity
  let total = 0
  for (let round = 0; round < rounds; round++) {
    let iters = 0
    const start = process.hrtime.bigint()
    const deadline = performance.now() + minTimeMs / rounds
    while (performance.now() < deadline || iters < 3) { out = fn(); iters++ }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iters)
    total += iters
  }
  const sha = crypto.createHash('sha256').update(out).digest('hex')
  console.error(`bench: ${name}: ${(best / 1e6).toFixed(3)} ms/op (best of ${rounds} rounds, ${total} iterations), ${out.length} bytes out`)
  return { ns_per_op: Math.round(best), iterations: total, out_bytes: out.length, out_sha256: sha }
}

function timeAll () {
  const keystrokes = readList(path.join(dir, 'keystrokes.list'))
  const foldDoc = new Uint8Array(fs.readFileSync(path.join(dir, 'fold-doc.bin')))
  const foldUpdates = readList(path.join(dir, 'fold-updates.list'))
  const doc = new Uint8Array(fs.readFileSync(path.join(dir, 'doc.bin')))
  const sv = new Uint8Array(fs.readFileSync(path.join(dir, 'sv-missing-1000.bin')))
  const require = createRequire(import.meta.url)
  const ops = {
    MergeKeystrokes5000: () => Y.mergeUpdates(keystrokes),
    Fold100IntoDoc: () => Y.mergeUpdates([foldDoc, ...foldUpdates]),
    StateVectorOfDoc: () => Y.encodeStateVectorFromUpdate(doc),
    DiffMissing1000: () => Y.diffUpdate(doc, sv)
  }
  if (onlyOp !== null && !(onlyOp in ops)) throw new Error('unknown --op ' + onlyOp)
  const results = {}
  for (const [name, fn] of Object.entries(ops)) {
    if (onlyOp === null || onlyOp === name) results[name] = time(name, fn)
  }
  const result = {
    node: process.version,
    yjs: require('yjs/package.json').version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    results
  }
  if (onlyOp !== null) process.stdout.write(JSON.stringify(result) + '\n')
  else fs.writeFileSync(path.join(dir, 'node.json'), JSON.stringify(result, null, 2) + '\n')
}

if (doGen) generate()
if (doTime) timeAll()
