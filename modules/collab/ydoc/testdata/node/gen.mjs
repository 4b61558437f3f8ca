// Generates random multi-client editing traces with the pinned yjs and
// writes, per trace, the updates a receiver gets (partial, out of order,
// duplicated, merged) and what yjs makes of them; plus the event log of one
// client (remote updates it applied and its own edits with the update bytes
// yjs produced for them), which the Go test replays through its write API.
//
//   node gen.mjs --seed S --from I --traces N --out FILE
import * as Y from 'yjs'
import { writeFileSync } from 'node:fs'
import { rng, ROOTS, rootsOf, expectOf, b64 } from './lib.mjs'

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (i % 2 === 0 ? a.push([v.replace(/^--/, ''), all[i + 1]]) : a, a), []))
const seed = String(args.seed ?? '1')
const from = Number(args.from ?? 0)
const traces = Number(args.traces ?? 10)
const out = args.out ?? '/dev/stdout'

const MARKS = [['bold', () => ({})], ['italic', () => ({})], ['strike', () => ({})], ['code', () => ({})], ['link', r => ({ href: 'https://ex.am/' + r.int(100) })]]
const WORDS = ['lorem', 'ipsum', ' ', 'dolor', 'sit', 'amet', '\n', 'é', '😀', 'ß', 'x', 'yz']

const word = r => r.pick(WORDS) + (r.bool(0.3) ? r.pick(WORDS) : '')

// path of a node below the fragment, by child indexes
const pathOf = (frag, node) => {
  const p = []
  let n = node
  while (n !== frag) {
    const parent = n.parent
    p.unshift(parent.toArray().indexOf(n))
    n = parent
  }
  return p
}

const allXml = (frag) => {
  const els = [frag]
  const texts = []
  const walk = (t) => {
    for (const c of t.toArray()) {
      if (c instanceof Y.XmlElement) { els.push(c); walk(c) } else if (c instanceof Y.XmlText) texts.push(c)
    }
  }
  walk(frag)
  return { els, texts }
}

const randAttrs = (r) => {
  if (!r.bool(0.5)) return undefined
  const a = {}
  const [k, v] = r.pick(MARKS)
  a[k] = r.bool(0.2) ? null : v(r)
  return a
}

// one random local edit on doc; returns a descriptor the Go side can replay
// when replayable (XML, text, map and array ops on roots), or null
const edit = (r, doc, replayable) => {
  const { text, map, array, xml } = rootsOf(doc)
  const choice = r.int(replayable ? 100 : 112)
  if (choice < 40) {
    const { els, texts } = allXml(xml)
    const k = r.int(8)
    if (k < 3 || texts.length === 0) {
      const parent = r.pick(els)
      const index = r.int(parent.length + 1)
      const name = r.pick(['paragraph', 'heading', 'blockquote', 'bulletList', 'listItem', 'codeBlock'])
      if (r.bool(0.5)) {
        const el = new Y.XmlElement(name)
        parent.insert(index, [el])
        return { op: 'insertElement', path: pathOf(xml, parent), index, name }
      }
      const t = new Y.XmlText()
      parent.insert(index, [t])
      return { op: 'insertText', path: pathOf(xml, parent), index }
    }
    if (k === 3) {
      const parent = r.pick(els)
      if (parent.length === 0) return null
      const index = r.int(parent.length)
      const length = 1 + r.int(Math.min(2, parent.length - index))
      parent.delete(index, length)
      return { op: 'delete', path: pathOf(xml, parent), index, length }
    }
    if (k === 4 && els.length > 1) {
      const el = r.pick(els.slice(1))
      const key = r.pick(['level', 'language', 'textAlign', 'start'])
      if (r.bool(0.25)) {
        el.removeAttribute(key)
        return { op: 'removeAttribute', path: pathOf(xml, el), key }
      }
      const value = r.pick([r.int(6), 'left', null, true, { a: 1 }, [1, 'x']])
      el.setAttribute(key, value)
      return { op: 'setAttribute', path: pathOf(xml, el), key, value }
    }
    const t = r.pick(texts)
    const path = pathOf(xml, t)
    if (k === 5 && r.bool(0.2)) {
      const pos = r.int(t.length + 1)
      const embed = { mention: 'u' + r.int(9) }
      const attrs = randAttrs(r)
      const rec = attrs ? { ...attrs } : null
      t.insertEmbed(pos, embed, attrs)
      return { op: 'textEmbed', path, pos, embed, attrs: rec }
    }
    if (k <= 5 || t.length === 0) {
      const pos = r.int(t.length + 1)
      const s = word(r)
      const attrs = randAttrs(r)
      const rec = attrs ? { ...attrs } : null
      t.insert(pos, s, attrs)
      return { op: 'textInsert', path, pos, s, attrs: rec }
    }
    const pos = r.int(t.length)
    const length = 1 + r.int(Math.min(5, t.length - pos))
    if (k === 6) {
      t.delete(pos, length)
      return { op: 'textDelete', path, pos, length }
    }
    const attrs = randAttrs(r) ?? { bold: null }
    t.format(pos, length, attrs)
    return { op: 'textFormat', path, pos, length, attrs }
  }
  if (choice < 70) {
    const k = r.int(6)
    if (k < 3 || text.length === 0) {
      const pos = r.int(text.length + 1)
      const s = word(r)
      const attrs = randAttrs(r)
      const rec = attrs ? { ...attrs } : null
      text.insert(pos, s, attrs)
      return { op: 'ytextInsert', pos, s, attrs: rec }
    }
    const pos = r.int(text.length)
    const length = 1 + r.int(Math.min(6, text.length - pos))
    if (k < 5) {
      text.delete(pos, length)
      return { op: 'ytextDelete', pos, length }
    }
    const attrs = randAttrs(r) ?? { italic: null }
    text.format(pos, length, attrs)
    return { op: 'ytextFormat', pos, length, attrs }
  }
  if (choice < 85) {
    const key = 'k' + r.int(6)
    if (r.bool(0.2)) {
      map.delete(key)
      return { op: 'mapDelete', key }
    }
    const value = r.pick([r.int(1000), 'v' + r.int(9), null, false, { x: r.int(3) }, [r.int(5)], 1.5])
    map.set(key, value)
    return { op: 'mapSet', key, value }
  }
  if (choice < 100) {
    if (r.bool(0.35) && array.length > 0) {
      const index = r.int(array.length)
      const length = 1 + r.int(Math.min(3, array.length - index))
      array.delete(index, length)
      return { op: 'arrayDelete', index, length }
    }
    const index = r.int(array.length + 1)
    const values = Array.from({ length: 1 + r.int(3) }, () => r.pick([r.int(100), 's' + r.int(9), null, true, { o: 'p' }]))
    array.insert(index, values)
    return { op: 'arrayInsert', index, values }
  }
  // not replayed by Go: nested types, embeds, binary, sub-documents
  const k = r.int(8)
  if (k === 6) {
    const sub = new Y.Doc({ guid: 'g' + r.int(99), meta: r.bool(0.5) ? { m: r.int(3) } : undefined, autoLoad: r.bool(0.3) })
    if (r.bool(0.5)) map.set('sub' + r.int(2), sub); else array.insert(r.int(array.length + 1), [sub])
    return null
  }
  if (k === 7) {
    const { els } = allXml(xml)
    const parent = r.pick(els)
    parent.insert(r.int(parent.length + 1), [new Y.XmlHook('hook' + r.int(3))])
    return null
  }
  if (k === 0) { const t = new Y.Text(); t.insert(0, word(r), randAttrs(r)); map.set('t' + r.int(3), t) } else if (k === 1) { const a = new Y.Array(); a.insert(0, [1, 'two', { three: 3 }]); array.insert(r.int(array.length + 1), [a]) } else if (k === 2) { const m = new Y.Map(); m.set('deep', r.int(9)); const inner = new Y.Map(); m.set('inner', inner); inner.set('z', 'zz'); map.set('m' + r.int(3), m) } else if (k === 3) { text.insertEmbed(r.int(text.length + 1), { image: 'img' + r.int(9) }, randAttrs(r)) } else if (k === 4) { map.set('bin', new Uint8Array([1, 2, r.int(255)])) } else {
    const { texts } = allXml(xml)
    if (texts.length) { const t = r.pick(texts); t.insertEmbed(r.int(t.length + 1), { mention: 'u' + r.int(9) }) }
  }
  return null
}

const lines = []
for (let ti = from; ti < from + traces; ti++) {
  const r = rng(seed + '/' + ti)
  const nClients = 2 + r.int(4)
  const docs = []
  const updates = []
  for (let i = 0; i < nClients; i++) {
    const d = new Y.Doc()
    // unique ids (a client id used twice breaks any Yjs document), never the receiver's
    do {
      d.clientID = i === 0 ? 1000 + r.int(1000) : r.pick([r.int(50), 1 + r.int(2 ** 31), r.int(5000)])
    } while (d.clientID === 7 || docs.some(o => o.clientID === d.clientID))
    ROOTS.forEach(([name, kind]) => d[kind](name))
    d.on('update', (u, _o, _d, tr) => { if (tr.local) updates.push(u) })
    docs.push(d)
  }
  const L = docs[0]
  const events = []
  let lastLocal = null
  L.on('update', (u, _o, _d, tr) => { if (tr.local) lastLocal = u })
  const steps = r.bool(0.1) ? 200 + r.int(300) : 10 + r.int(70)
  for (let s = 0; s < steps; s++) {
    const ci = r.int(nClients)
    const d = docs[ci]
    if (r.bool(0.2)) {
      // sync ci from another client, possibly partially
      const other = docs[r.int(nClients)]
      if (other === d) continue
      let u = Y.encodeStateAsUpdate(other, Y.encodeStateVector(d))
      if (r.bool(0.2) && updates.length) u = r.pick(updates) // an old or future single update
      Y.applyUpdate(d, u)
      if (d === L) events.push({ k: 'r', u: b64(u) })
      continue
    }
    const nOps = 1 + r.int(3)
    if (d === L && r.bool(0.4)) {
      // several edits in one transaction, as an editor's transaction
      lastLocal = null
      const ops = []
      d.transact(() => {
        for (let o = 0; o < nOps + r.int(4); o++) {
          const op = edit(r, d, true)
          if (op) ops.push(op)
        }
      })
      if (ops.length) events.push({ k: 'l', op: { op: 'batch', ops }, u: lastLocal ? b64(lastLocal) : null })
      else if (lastLocal) events.push({ k: 'r', u: b64(lastLocal) })
    } else if (d === L) {
      for (let o = 0; o < nOps; o++) {
        lastLocal = null
        const op = edit(r, d, true)
        if (op) events.push({ k: 'l', op, u: lastLocal ? b64(lastLocal) : null })
        else if (lastLocal) events.push({ k: 'r', u: b64(lastLocal) })
      }
    } else {
      d.transact(() => { for (let o = 0; o < nOps; o++) edit(r, d, false) })
    }
  }
  // deliveries to a fresh receiver: a shuffled subset, some merged, some twice
  let deliveries = updates.slice()
  if (r.bool(0.7)) {
    for (let i = deliveries.length - 1; i > 0; i--) {
      if (r.bool(0.5)) { const j = Math.max(0, i - r.int(8)); [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]] }
    }
  }
  if (r.bool(0.3)) deliveries = deliveries.filter(() => r.bool(0.85))
  if (r.bool(0.3) && deliveries.length > 3) {
    const i = r.int(deliveries.length - 2)
    deliveries.splice(i, 3, Y.mergeUpdates(deliveries.slice(i, i + 3)))
  }
  if (r.bool(0.3) && deliveries.length) deliveries.push(r.pick(deliveries))
  if (r.bool(0.1)) deliveries.reverse()
  if (r.bool(0.3) && deliveries.length > 1) {
    // a delivery cut down to what one client lacks (diffUpdate), the rest later
    const i = r.int(deliveries.length)
    const sv = Y.encodeStateVector(r.pick(docs))
    deliveries.splice(i, 0, Y.diffUpdate(deliveries[i], sv))
  }
  const R = new Y.Doc()
  R.clientID = 7
  ROOTS.forEach(([name, kind]) => R[kind](name))
  const checkpoints = []
  deliveries.forEach((u, i) => {
    Y.applyUpdate(R, u)
    if (r.bool(0.1) || i === deliveries.length - 1) {
      const target = Y.encodeStateVector(r.pick(docs))
      checkpoints.push({ at: i, expect: expectOf(R), target: b64(target), diff: b64(Y.encodeStateAsUpdate(R, target)) })
    }
  })
  // a receiver that names its root types only after everything arrived, as
  // a server does (formatting cleanups then run only inside nested types)
  const U = new Y.Doc()
  U.clientID = 7
  deliveries.forEach(u => Y.applyUpdate(U, u))
  const untyped = expectOf(U)
  lines.push(JSON.stringify({
    untyped,
    seed,
    trace: ti,
    desc: `${nClients} clients, ${steps} steps, ${updates.length} updates, ${deliveries.length} deliveries`,
    deliveries: deliveries.map(b64),
    checkpoints,
    localClient: L.clientID,
    events,
    localExpect: expectOf(L)
  }))
}
writeFileSync(out, lines.join('\n') + '\n')
