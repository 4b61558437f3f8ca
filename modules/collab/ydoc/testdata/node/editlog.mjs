// Writes an editing log like a chapter written in TipTap: two authors typing
// paragraphs character by character, with deletions, marks and new blocks,
// one update per keystroke (as y-websocket sends them).
//   node editlog.mjs --updates N --out FILE [--time]
// The file holds varUint-length-prefixed updates. With --time it also
// prints how long yjs takes to apply them all to a fresh document (ms).
import * as Y from 'yjs'
import { writeFileSync } from 'node:fs'
import * as encoding from 'lib0/encoding'
import { rng } from './lib.mjs'

const args = Object.fromEntries(process.argv.slice(2).filter(a => a !== '--time').reduce((a, v, i, all) => (i % 2 === 0 ? a.push([v.replace(/^--/, ''), all[i + 1]]) : a, a), []))
const N = Number(args.updates ?? 37000)
const r = rng('editlog')
const a = new Y.Doc(); a.clientID = 11
const b = new Y.Doc(); b.clientID = 22
const log = []
for (const d of [a, b]) {
  d.on('update', (u, origin) => {
    if (origin === 'remote') return
    log.push(u)
    Y.applyUpdate(d === a ? b : a, u, 'remote')
  })
}
const para = (d) => {
  const f = d.getXmlFragment('prosemirror')
  const p = new Y.XmlElement(r.bool(0.1) ? 'heading' : 'paragraph')
  const t = new Y.XmlText()
  p.insert(0, [t])
  f.insert(f.length, [p])
  return t
}
let ta = para(a)
let tb = para(b)
while (log.length < N) {
  const d = r.bool(0.7) ? a : b
  let t = d === a ? ta : tb
  if (t._item && t._item.deleted) { t = para(d) }
  const k = r.int(100)
  if (k < 2) { t = para(d) } else if (k < 12 && t.length > 0) {
    t.delete(t.length - 1, 1)
  } else if (k < 14 && t.length > 5) {
    const p = r.int(t.length - 3)
    t.format(p, 3, { bold: {} })
  } else {
    t.insert(t.length, r.pick('abcdefghijklmnopqrstuvwxyz     ,.'.split('')), r.bool(0.05) ? { italic: {} } : undefined)
  }
  if (d === a) ta = t; else tb = t
}
const enc = encoding.createEncoder()
log.slice(0, N).forEach(u => encoding.writeVarUint8Array(enc, u))
writeFileSync(args.out, encoding.toUint8Array(enc))
if (process.argv.includes('--time')) {
  const t0 = performance.now()
  const d = new Y.Doc()
  d.getXmlFragment('prosemirror')
  for (const u of log.slice(0, N)) Y.applyUpdate(d, u)
  const ms = performance.now() - t0
  console.log(JSON.stringify({ ms, chars: d.getXmlFragment('prosemirror').toString().length }))
}
