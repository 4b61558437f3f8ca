// Shared helpers for the differential test and the benchmarks of the Go Yjs
// update codec: a seeded PRNG, case-file IO, and the semantic comparison of
// two V1 updates (canonical struct form, document content, state vector,
// delete set, pending structs).
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import fs from 'node:fs'
import readline from 'node:readline'

// ---------------------------------------------------------------- PRNG

// xmur3 string hash -> 32-bit seeds, then sfc32. Deterministic across Node
// versions, which Math.random is not.
function xmur3 (str) {
  let h = 1779033703 ^ str.length
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353)
    h = (h << 13) | (h >>> 19)
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507)
    h = Math.imul(h ^ (h >>> 13), 3266489909)
    return (h ^= h >>> 16) >>> 0
  }
}

export class Rng {
  constructor (seedStr) {
    const s = xmur3(String(seedStr))
    this.a = s(); this.b = s(); this.c = s(); this.d = s()
    for (let i = 0; i < 15; i++) this.u32()
  }

  u32 () {
    let { a, b, c, d } = this
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    this.a = a; this.b = b; this.c = c; this.d = d
    return t >>> 0
  }

  float () { return this.u32() / 4294967296 }
  // int returns an integer in [0, n).
  int (n) { return n <= 0 ? 0 : Math.floor(this.float() * n) }
  // range returns an integer in [lo, hi].
  range (lo, hi) { return lo + this.int(hi - lo + 1) }
  bool (p = 0.5) { return this.float() < p }
  pick (arr) { return arr[this.int(arr.length)] }
  shuffle (arr) {
    const a = arr.slice()
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]]
    }
    return a
  }

  // weighted picks a key of an object {name: weight}.
  weighted (table) {
    let total = 0
    for (const k in table) total += table[k]
    let r = this.float() * total
    for (const k in table) {
      r -= table[k]
      if (r < 0) return k
    }
    return Object.keys(table)[0]
  }
}

// ---------------------------------------------------------------- IO

export const b64 = u8 => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64')
export const unb64 = s => new Uint8Array(Buffer.from(s, 'base64'))

export async function * readNDJSON (file) {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  for await (const line of rl) {
    if (line.trim() !== '') yield JSON.parse(line)
  }
}

export function parseArgs (argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a.startsWith('--')) {
      const k = a.slice(2)
      const v = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true'
      out[k] = v
    }
  }
  return out
}

// ---------------------------------------------------------------- values

const hex = u8 => Buffer.from(u8).toString('hex')

// stable serialises any value found in a document or in an update's
// content into a deterministic JSON-compatible form. Y types are walked
// recursively, maps are key-sorted, binary is hex, undefined and bigint are
// tagged so that they are not confused with null and numbers.
export function stable (v) {
  if (v === undefined) return { $undef: true }
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $num: 'NaN' }
    if (!Number.isFinite(v)) return { $num: String(v) }
    if (Object.is(v, -0)) return { $num: '-0' }
    return v
  }
  if (typeof v === 'bigint') return { $bigint: v.toString() }
  if (v instanceof Uint8Array) return { $bin: hex(v) }
  if (v instanceof Y.Doc) return { $doc: v.guid, opts: stable(docOpts(v)) }
  if (v instanceof Y.XmlText) return { $xmltext: v.toDelta().map(stableDelta), attrs: stable(v.getAttributes()) }
  if (v instanceof Y.Text) return { $text: v.toDelta().map(stableDelta) }
  if (v instanceof Y.XmlElement) {
    return { $el: v.nodeName, attrs: stable(v.getAttributes()), children: v.toArray().map(stable) }
  }
  if (v instanceof Y.XmlHook) return { $hook: v.hookName, map: stableMap(v) }
  if (v instanceof Y.XmlFragment) return { $frag: v.toArray().map(stable) }
  if (v instanceof Y.Map) return { $map: stableMap(v) }
  if (v instanceof Y.Array) return { $array: v.toArray().map(stable) }
  if (Array.isArray(v)) return v.map(stable)
  if (typeof v === 'object') {
    const o = {}
    for (const k of Object.keys(v).sort()) o[k] = stable(v[k])
    return o
  }
  return { $unknown: String(v) }
}

function docOpts (d) {
  const o = {}
  if (d.meta !== null && d.meta !== undefined) o.meta = d.meta
  if (d.autoLoad) o.autoLoad = true
  if (!d.shouldLoad) o.shouldLoad = false
  return o
}

function stableMap (m) {
  const o = {}
  for (const k of Array.from(m.keys()).sort()) o[k] = stable(m.get(k))
  return o
}

function stableDelta (op) {
  const o = { insert: stable(op.insert) }
  if (op.attributes) o.attributes = stable(op.attributes)
  return o
}

// ---------------------------------------------------------------- roots

// The root types every trace may use, by name. Every comparison reads all of
// them with the same type, so an update that lacks one reads as empty.
export const ROOTS = {
  text: 'text',
  default: 'xml',
  map: 'map',
  array: 'array',
  legacy: 'array'
}

export function getRoot (doc, name) {
  switch (ROOTS[name]) {
    case 'text': return doc.getText(name)
    case 'xml': return doc.getXmlFragment(name)
    case 'map': return doc.getMap(name)
    case 'array': return doc.getArray(name)
  }
  throw new Error('unknown root ' + name)
}

export function docContent (doc) {
  const o = {}
  for (const name of Object.keys(ROOTS)) {
    const r = getRoot(doc, name)
    o[name] = stable(r)
    if (r instanceof Y.XmlFragment) o[name + '#xml'] = r.toString()
  }
  return o
}

// ---------------------------------------------------------------- canonical update form

function idStr (id) { return id === null || id === undefined ? null : id.client + ':' + id.clock }

function contentCanon (c) {
  if (c instanceof Y.ContentString) return { k: 'str', v: c.str }
  if (c instanceof Y.ContentAny) return { k: 'any', v: c.arr.map(stable) }
  if (c instanceof Y.ContentJSON) return { k: 'json', v: c.arr.map(stable) }
  if (c instanceof Y.ContentDeleted) return { k: 'del', n: c.len }
  if (c instanceof Y.ContentBinary) return { k: 'bin', v: hex(c.content) }
  if (c instanceof Y.ContentEmbed) return { k: 'embed', v: stable(c.embed) }
  if (c instanceof Y.ContentFormat) return { k: 'format', key: c.key, v: stable(c.value) }
  if (c instanceof Y.ContentDoc) return { k: 'doc', guid: c.doc.guid, opts: stable(c.opts) }
  if (c instanceof Y.ContentType) {
    const t = c.type
    const o = { k: 'type', ref: typeRefOf(t) }
    if (t instanceof Y.XmlElement) o.name = t.nodeName
    if (t instanceof Y.XmlHook) o.hook = t.hookName
    return o
  }
  return { k: 'unknown:' + (c && c.constructor && c.constructor.name) }
}

function typeRefOf (t) {
  if (t instanceof Y.XmlText) return 6
  if (t instanceof Y.XmlHook) return 5
  if (t instanceof Y.XmlElement) return 3
  if (t instanceof Y.XmlFragment) return 4
  if (t instanceof Y.Text) return 2
  if (t instanceof Y.Map) return 1
  if (t instanceof Y.Array) return 0
  return -1
}

const MERGEABLE = new Set(['str', 'any', 'json', 'del'])

// canonicalUpdate turns a V1 update into a form that does not depend on how
// contiguous runs were split into structs or where Skips were written:
// adjacent structs that carry one contiguous run of the same kind are joined
// (strings concatenated, arrays concatenated), Skips are dropped, the delete
// set is sorted and merged. Two updates with the same canonical form carry
// exactly the same information.
export function canonicalUpdate (update, v2 = false) {
  const { structs, ds } = v2 ? Y.decodeUpdateV2(update) : Y.decodeUpdate(update)
  const byClient = new Map()
  for (const s of structs) {
    if (s instanceof Y.Skip) continue
    const client = s.id.client
    let segs = byClient.get(client)
    if (!segs) byClient.set(client, (segs = []))
    let seg
    if (s instanceof Y.GC) {
      seg = { clock: s.id.clock, len: s.length, kind: 'gc' }
    } else {
      const c = contentCanon(s.content)
      seg = {
        clock: s.id.clock,
        len: s.length,
        kind: c.k,
        origin: idStr(s.origin),
        right: idStr(s.rightOrigin),
        parent: s.origin === null && s.rightOrigin === null
          ? (typeof s.parent === 'string' ? 'root:' + s.parent : 'item:' + idStr(s.parent))
          : null,
        sub: s.origin === null && s.rightOrigin === null ? s.parentSub : null,
        content: c
      }
    }
    const prev = segs[segs.length - 1]
    if (prev && prev.clock + prev.len === seg.clock && prev.kind === seg.kind) {
      if (seg.kind === 'gc') { prev.len += seg.len; continue }
      if (MERGEABLE.has(seg.kind) && seg.origin === client + ':' + (seg.clock - 1) && seg.right === prev.right) {
        prev.len += seg.len
        if (seg.kind === 'str') prev.content.v += seg.content.v
        else if (seg.kind === 'del') prev.content.n += seg.content.n
        else prev.content.v = prev.content.v.concat(seg.content.v)
        continue
      }
    }
    segs.push(seg)
  }
  const clients = Array.from(byClient.keys()).sort((a, b) => b - a)
  const out = { structs: clients.map(c => [c, byClient.get(c)]), ds: canonicalDS(ds) }
  return JSON.stringify(out)
}

// canonicalDS sorts and merges every client's ranges and drops empty clients.
export function canonicalDS (ds) {
  const out = []
  const clients = Array.from(ds.clients.keys()).sort((a, b) => b - a)
  for (const c of clients) {
    const items = ds.clients.get(c).map(d => [d.clock, d.len]).filter(d => d[1] > 0).sort((a, b) => a[0] - b[0])
    const merged = []
    for (const [clock, len] of items) {
      const last = merged[merged.length - 1]
      if (last && last[0] + last[1] >= clock) last[1] = Math.max(last[1], clock + len - last[0])
      else merged.push([clock, len])
    }
    if (merged.length > 0) out.push([c, merged])
  }
  return out
}

export function svToObject (svMap) {
  const o = {}
  for (const [k, v] of Array.from(svMap.entries()).sort((a, b) => b[0] - a[0])) o[String(k)] = v
  return o
}

// docState applies updates to a fresh document (gc off, so deleted content is
// kept) and describes everything it then holds: content of every root, state
// vector, delete set (from the struct store), and pending structs and
// deletes that could not be integrated yet.
export function docState (updates) {
  const doc = new Y.Doc({ gc: false })
  for (const u of updates) Y.applyUpdate(doc, u)
  const snap = Y.snapshot(doc)
  const st = {
    content: docContent(doc),
    sv: svToObject(Y.decodeStateVector(Y.encodeStateVector(doc))),
    ds: canonicalDS(snap.ds),
    // yjs keeps pending structs and deletes in the V2 format.
    pending: doc.store.pendingStructs ? canonicalUpdate(doc.store.pendingStructs.update, true) : null,
    pendingDs: doc.store.pendingDs ? canonicalUpdate(doc.store.pendingDs, true) : null
  }
  doc.destroy()
  return st
}

// firstDiff names the first differing top-level field of two docState
// results, with a short excerpt of both sides.
export function firstDiff (a, b) {
  for (const k of Object.keys(a)) {
    const x = JSON.stringify(a[k])
    const y = JSON.stringify(b[k])
    if (x !== y) {
      let i = 0
      while (i < x.length && i < y.length && x[i] === y[i]) i++
      const from = Math.max(0, i - 80)
      return `${k} differs at char ${i}: go=…${x.slice(from, i + 120)}… yjs=…${y.slice(from, i + 120)}…`
    }
  }
  return null
}

// ---------------------------------------------------------------- exact length

// v1UpdateLength walks a V1 update the way yjs reads it and returns the
// number of bytes it spans. yjs ignores bytes after the delete set, so a
// result with trailing bytes would otherwise compare equal.
export function v1UpdateLength (update) {
  const d = decoding.createDecoder(update)
  const uint = () => decoding.readVarUint(d)
  const str = () => decoding.readVarString(d)
  for (let nc = uint(); nc > 0; nc--) {
    let ns = uint()
    uint() // client
    uint() // clock
    for (; ns > 0; ns--) {
      const info = decoding.readUint8(d)
      const ref = info & 0x1f
      if (ref === 0 || ref === 10) { uint(); continue }
      if (info & 0x80) { uint(); uint() }
      if (info & 0x40) { uint(); uint() }
      if ((info & 0xc0) === 0) {
        if (uint() === 1) str(); else { uint(); uint() }
        if (info & 0x20) str()
      }
      switch (ref) {
        case 1: uint(); break
        case 2: for (let n = uint(); n > 0; n--) str(); break
        case 3: decoding.readVarUint8Array(d); break
        case 4: case 5: str(); break
        case 6: str(); str(); break
        case 7: { const t = uint(); if (t === 3 || t === 5) str(); break }
        case 8: for (let n = uint(); n > 0; n--) decoding.readAny(d); break
        case 9: str(); decoding.readAny(d); break
        default: throw new Error('unknown content ref ' + ref)
      }
    }
  }
  for (let nc = uint(); nc > 0; nc--) {
    uint()
    for (let nr = uint(); nr > 0; nr--) { uint(); uint() }
  }
  if (d.pos > update.length) throw new Error('update ends early')
  return d.pos
}

// stateVectorLength returns the number of bytes a V1 state vector spans.
export function stateVectorLength (sv) {
  const d = decoding.createDecoder(sv)
  for (let n = decoding.readVarUint(d); n > 0; n--) {
    decoding.readVarUint(d)
    decoding.readVarUint(d)
  }
  if (d.pos > sv.length) throw new Error('state vector ends early')
  return d.pos
}
