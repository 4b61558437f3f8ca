// v2.mjs prints, as NDJSON, a few documents encoded as V2 updates (which the
// Go codec must reject) together with the same content as V1 (which it must
// accept) and a state vector to diff against.
import * as Y from 'yjs'
import { b64, Rng } from './lib.mjs'

const rng = new Rng('v2')
const cases = []

function add (name, build) {
  const doc = new Y.Doc()
  doc.clientID = 1000 + cases.length
  const v2s = []
  doc.on('updateV2', u => v2s.push(u))
  build(doc)
  const sv = Y.encodeStateVector(new Map([[doc.clientID, 1]]))
  cases.push({ name: name + ' (state)', v2: b64(Y.encodeStateAsUpdateV2(doc)), v1: b64(Y.encodeStateAsUpdate(doc)), sv: b64(sv) })
  if (v2s.length > 1) {
    const merged = Y.mergeUpdatesV2(v2s)
    cases.push({ name: name + ' (merged incremental)', v2: b64(merged), v1: b64(Y.convertUpdateFormatV2ToV1(merged)), sv: b64(sv) })
  }
  doc.destroy()
}

add('text with marks and emoji', doc => {
  const t = doc.getText('text')
  t.insert(0, 'Hello 😀 world')
  t.format(0, 5, { bold: true })
  t.insert(6, '👩‍💻', { italic: true })
  t.delete(2, 2)
})
add('prosemirror fragment', doc => {
  const f = doc.getXmlFragment('default')
  const h = new Y.XmlElement('heading')
  f.insert(0, [h])
  h.setAttribute('level', 2)
  const x = new Y.XmlText()
  h.insert(0, [x])
  x.insert(0, 'Chapter one', { bold: {} })
  const p = new Y.XmlElement('paragraph')
  f.insert(1, [p])
  const y = new Y.XmlText()
  p.insert(0, [y])
  y.insert(0, 'It was a dark and stormy night.')
})
add('map with binary and nested types', doc => {
  const m = doc.getMap('map')
  m.set('bin', new Uint8Array([1, 2, 3, 250]))
  m.set('n', 42)
  const inner = new Y.Map()
  m.set('inner', inner)
  inner.set('k', { a: [1, 'two', null] })
  m.delete('n')
})
add('array typing session', doc => {
  const a = doc.getArray('array')
  for (let i = 0; i < 30; i++) a.insert(rng.int(a.length + 1), [rng.int(1000), 'v' + i])
  a.delete(3, 10)
})

for (const c of cases) process.stdout.write(JSON.stringify(c) + '\n')
