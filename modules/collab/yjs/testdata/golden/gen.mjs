// gen.mjs writes the golden fixtures of the Go codec tests with the pinned
// yjs release. Run it outside the repository after `npm install yjs@13.6.33`:
//
//   node gen.mjs > cases.json
//
// Every case names an operation, its inputs and what yjs returned, as hex.
import * as Y from 'yjs'
import * as enc from 'lib0/encoding'
import * as dec from 'lib0/decoding'

const hex = u => Buffer.from(u).toString('hex')
const cases = []
const add = (name, op, inputs, extra = {}) => {
  let out, err = null
  try {
    if (op === 'merge') out = Y.mergeUpdates(inputs)
    else if (op === 'sv') out = Y.encodeStateVectorFromUpdate(inputs[0])
    else if (op === 'diff') out = Y.diffUpdate(inputs[0], inputs[1])
  } catch (e) { err = String(e) }
  cases.push({ name, op, in: inputs.map(hex), out: out ? hex(out) : null, err, ...extra })
}

const updatesOf = (doc) => { const list = []; doc.on('update', u => list.push(u)); return list }

// 1. Rich text with emoji, marks and deletes from two clients.
{
  const a = new Y.Doc(); a.clientID = 1001
  const b = new Y.Doc(); b.clientID = 2002
  const ua = updatesOf(a), ub = updatesOf(b)
  const ta = a.getText('t')
  ta.insert(0, 'Hello 😀 world')
  ta.format(0, 5, { bold: true })
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  const tb = b.getText('t')
  tb.insert(6, '🎉🎉')
  tb.delete(0, 1)
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
  ta.insert(ta.length, ' end', { italic: true })
  ta.delete(3, 2)
  const all = [...ua, ...ub]
  add('text: merge all incremental', 'merge', all)
  add('text: merge reversed', 'merge', [...all].reverse())
  const full = Y.encodeStateAsUpdate(a)
  add('text: sv of full state', 'sv', [full])
  add('text: diff vs empty sv', 'diff', [full, Y.encodeStateVector(new Y.Doc())])
  // state vectors that cut inside the first emoji of client 1001 (clock 6..7)
  for (const clock of [6, 7, 8]) {
    const sv = Y.encodeStateVector(new Map([[1001, clock]]))
    add(`text: diff with client 1001 at clock ${clock} (surrogate pair boundary)`, 'diff', [full, sv])
  }
  // overlapping inputs cutting the emoji: a diff from mid-pair merged with the original
  const mid = Y.diffUpdate(ua[0], Y.encodeStateVector(new Map([[1001, 7]])))
  add('text: merge original with a diff starting mid-emoji', 'merge', [mid, ua[0]])
  add('text: merge diff starting mid-emoji with the original', 'merge', [ua[0], mid])
  const gcDoc = new Y.Doc(); Y.applyUpdate(gcDoc, full)
  add('text: merge GC state with incremental updates', 'merge', [Y.encodeStateAsUpdate(gcDoc), ...all])
}

// 1b. Many small updates against a garbage-collected state: GC/Item ties at
// the same position make yjs's sort comparator inconsistent, with more than
// 64 inputs so that V8 merges runs.
{
  let seed = 11
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  const a = new Y.Doc(); a.clientID = 5005
  const b = new Y.Doc(); b.clientID = 6006
  const ups = []
  a.on('update', u => { ups.push(u); Y.applyUpdate(b, u) })
  b.on('update', u => { ups.push(u); Y.applyUpdate(a, u) })
  for (let i = 0; i < 90; i++) {
    const d = rnd() < 0.5 ? a : b
    const arr = d.getArray('paras')
    const r = rnd()
    if (arr.length > 2 && r < 0.25) arr.delete(Math.floor(rnd() * arr.length), 1) // children become GC
    else if (arr.length > 0 && r < 0.6) {
      const t = arr.get(Math.floor(rnd() * arr.length))
      t.insert(Math.floor(rnd() * (t.length + 1)), 'xy😀z'.slice(0, 1 + Math.floor(rnd() * 4)))
    } else {
      const t = new Y.Text(); arr.insert(Math.floor(rnd() * (arr.length + 1)), [t]); t.insert(0, 'p' + i)
    }
  }
  const gcState = Y.encodeStateAsUpdate(a)
  const shuffled = [...ups]
  for (let i = shuffled.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]] }
  add('ties: GC state first, then shuffled updates', 'merge', [gcState, ...shuffled])
  add('ties: shuffled updates with the GC state in the middle', 'merge', [...shuffled.slice(0, 40), gcState, ...shuffled.slice(40)])
  add('ties: a few updates, then the GC state', 'merge', [...shuffled.slice(0, 20), gcState, gcState])
}

// 2. XML (prosemirror-like), maps with every Any kind, binary, embeds, subdocs.
{
  const d = new Y.Doc(); d.clientID = 3003
  const u = updatesOf(d)
  const frag = d.getXmlFragment('default')
  const p = new Y.XmlElement('paragraph')
  p.setAttribute('textAlign', 'left')
  frag.insert(0, [p])
  const t = new Y.XmlText()
  p.insert(0, [t])
  t.insert(0, 'abc', { bold: {} })
  frag.insert(1, [new Y.XmlHook('hooky')])
  const m = d.getMap('m')
  m.set('int', 42); m.set('neg', -7); m.set('negzero', -0); m.set('big', 2 ** 40)
  m.set('f32', 1.5); m.set('f64', 0.1); m.set('nan', NaN); m.set('inf', -Infinity)
  m.set('bigint', 12345678901234n); m.set('null', null); m.set('undef', undefined)
  m.set('bools', [true, false]); m.set('str', 'ünï😀'); m.set('bytes', new Uint8Array([1, 2, 3]))
  m.set('obj', { b: 1, 2: 'two', a: [1, { x: null }], 1: 'one' })
  m.set('bin', new Uint8Array([9, 8, 7]))
  const arr = new Y.Array(); m.set('arr', arr); arr.push([1, 'x', { y: 2 }])
  const txt = new Y.Text(); m.set('txt', txt); txt.insertEmbed(0, { image: 'x.png' }); txt.insert(1, 'z')
  m.set('sub', new Y.Doc({ guid: 'sub-guid', meta: { k: 1 }, autoLoad: true, gc: false }))
  m.set('sub2', new Y.Doc({ guid: 'plain' }))
  m.delete('neg')
  add('xml+map: merge all', 'merge', u)
  const full = Y.encodeStateAsUpdate(d)
  add('xml+map: sv', 'sv', [full])
  add('xml+map: diff vs half', 'diff', [full, Y.encodeStateVector(new Map([[3003, 10]]))])
}

// 3. Hand-written updates: non-canonical encodings that yjs rewrites.
const update = (client, clock, writeStructs, nstructs = 1, ds = []) => {
  const e = enc.createEncoder()
  enc.writeVarUint(e, 1)
  enc.writeVarUint(e, nstructs); enc.writeVarUint(e, client); enc.writeVarUint(e, clock)
  writeStructs(e)
  enc.writeVarUint(e, ds.length)
  for (const [c, ranges] of ds) {
    enc.writeVarUint(e, c); enc.writeVarUint(e, ranges.length)
    for (const [k, l] of ranges) { enc.writeVarUint(e, k); enc.writeVarUint(e, l) }
  }
  return enc.toUint8Array(e)
}
const rootItem = (e, ref, info = 0) => { enc.writeUint8(e, ref | info); enc.writeVarUint(e, 1); enc.writeVarString(e, 'r') }
{
  const empty = new Uint8Array([0, 0])
  // ContentJSON (legacy), with non-canonical JSON texts and undefined
  const json = update(7, 0, e => {
    rootItem(e, 2); enc.writeVarUint(e, 4)
    for (const s of ['{ "b" : 1, "1": 2, "a": 1e2, "b": [1.50, -0, 1E400] }', 'undefined', '"\\u0041\\ud83d\\ude00\\ud800\\/"', ' null ']) enc.writeVarString(e, s)
  })
  add('json content canonicalised', 'merge', [json, empty])
  add('json content sliced', 'diff', [json, Y.encodeStateVector(new Map([[7, 2]]))])
  // ContentAny with non-canonical numbers and objects
  const anyU = update(8, 0, e => {
    rootItem(e, 8); enc.writeVarUint(e, 6)
    enc.writeUint8(e, 123); enc.writeFloat64(e, 3) // float64 integer -> varint
    enc.writeUint8(e, 124); enc.writeFloat32(e, 0.5) // canonical float32
    enc.writeUint8(e, 123); enc.writeFloat64(e, 0.5) // float64 exact in float32 -> float32
    enc.writeUint8(e, 125); enc.writeUint8(e, 0x80); enc.writeUint8(e, 0x00) // non-minimal varint 0
    enc.writeUint8(e, 118); enc.writeVarUint(e, 4) // object with index key last, duplicate and __proto__
    enc.writeVarString(e, 'z'); enc.writeAny(e, 1)
    enc.writeVarString(e, '5'); enc.writeAny(e, 2)
    enc.writeVarString(e, 'z'); enc.writeAny(e, 3)
    enc.writeVarString(e, '__proto__'); enc.writeAny(e, { evil: true })
    enc.writeUint8(e, 125); enc.writeVarInt(e, 2 ** 40) // too large for varint -> float32
  })
  add('any content canonicalised', 'merge', [anyU, empty])
  add('any content sliced', 'diff', [anyU, Y.encodeStateVector(new Map([[8, 3]]))])
  // Map entry with origin and the parentSub bit set: yjs drops the bit
  const sub = update(9, 0, e => {
    enc.writeUint8(e, 8 | 0x20); enc.writeVarUint(e, 1); enc.writeVarString(e, 'm'); enc.writeVarString(e, 'k'); enc.writeVarUint(e, 1); enc.writeAny(e, 1)
    enc.writeUint8(e, 8 | 0x80 | 0x20); enc.writeVarUint(e, 9); enc.writeVarUint(e, 0); enc.writeVarUint(e, 1); enc.writeAny(e, 2)
  }, 2)
  add('parentSub bit with origin', 'merge', [sub, empty])
  // Sub-document options are rebuilt
  const docU = update(10, 0, e => {
    rootItem(e, 9); enc.writeVarString(e, 'guid-1'); enc.writeAny(e, { gc: 0, autoLoad: 'yes', meta: null, shouldLoad: true, other: 1 })
  })
  add('subdoc options rebuilt', 'merge', [docU, empty])
  // GC with high info bits, gaps between inputs (Skip), overlapping GC/GC merge
  const g1 = update(11, 0, e => { enc.writeUint8(e, 0x80); enc.writeVarUint(e, 3) })
  const g2 = update(11, 2, e => { enc.writeUint8(e, 0); enc.writeVarUint(e, 4) })
  const g3 = update(11, 10, e => { enc.writeUint8(e, 0); enc.writeVarUint(e, 2) }, 1, [[11, [[4, 2], [0, 1], [1, 2]]], [5, [[0, 0]]]])
  add('gc merge with overlap and gap', 'merge', [g3, g1, g2])
  add('sv stops at skip', 'sv', [Y.mergeUpdates([g1, g3])])
  add('diff keeps delete set as read', 'diff', [g3, new Uint8Array([0])])
  add('diff skips leading skip', 'diff', [Y.mergeUpdates([g1, g3]), Y.encodeStateVector(new Map([[11, 3]]))])
  add('merge of nothing', 'merge', [])
  add('merge of two empty', 'merge', [empty, empty])
}

// 4. JSON canonical forms and Any re-encodings.
const jsonTexts = ['0', '-0', '1e21', '1e-7', '0.000001', '123456789012345680000', '5e-324', '1.7976931348623157e308',
  '-1.5e-10', '100', '1E+2', '0.1', '"\\u001f\\b\\t\\n\\f\\r\\"\\\\\\u007f\\u2028"', '{"2":1,"10":2,"a":3,"1":4}',
  '{"4294967295":1,"4294967294":2,"01":3}', '[ ]', '{ }', '[true,false,null]', '"\\udc00\\ud800"', '12345.6789e-3',
  '1e-400', '2.4703282292062328e-324', '-1e400', '123456789012345678901234567890', '{"__proto__":1,"a":{"__proto__":[2]}}',
  '{"a":1,"b":2,"a":3}', '"\\ud83d\\ude00\\ud83d"', '[1,[2,[3,[4,{}]]]]', '" \\u00e9\\u20ac "', '9007199254740993', '0.1e1', '-0.0']
const json = jsonTexts.map(t => ({ in: t, out: JSON.stringify(JSON.parse(t)) }))

const anyHex = ['7b4008000000000000', '7c3fc00000', '7b3fb999999999999a', '7d8000', '7d40', '7b8000000000000000',
  '7b7ff8000000000001', '7c7fc00001', '7c7f800000', '7b41e0000000000000', '7d7f', '7dff7f', '7a0000000000000001',
  '760201317701610162770163', '7602013378013078', '7602017a7d01017a7d02', '7502 7d01 7e'.replace(/ /g, '')]
const anys = anyHex.map(h => {
  const v = dec.readAny(dec.createDecoder(Buffer.from(h, 'hex')))
  const e = enc.createEncoder(); enc.writeAny(e, v)
  return { in: h, out: hex(enc.toUint8Array(e)) }
})

// 5. V2 updates, which the Go codec rejects.
const v2 = []
{
  v2.push(hex(Y.encodeStateAsUpdateV2(new Y.Doc())))
  const d = new Y.Doc(); d.clientID = 4004
  d.getText('t').insert(0, 'hello')
  v2.push(hex(Y.encodeStateAsUpdateV2(d)))
  d.getMap('m').set('k', { a: [1, 2] })
  d.getText('t').delete(1, 2)
  v2.push(hex(Y.encodeStateAsUpdateV2(d)))
}

// 6. V8's Array.prototype.sort with yjs's merge comparator, which is
// inconsistent for a GC and an Item at the same client and clock. Elements
// are [client, clock, isItem]; perm is the resulting order of indices.
const sorts = []
{
  let seed = 7
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  for (const n of [2, 3, 5, 8, 13, 31, 63, 64, 65, 100, 127, 200, 257, 400]) {
    const arr = []
    for (let i = 0; i < n; i++) arr.push({ i, c: Math.floor(rnd() * 3), k: Math.floor(rnd() * 5), t: rnd() < 0.5 ? 0 : 1 })
    const input = arr.map(e => [e.c, e.k, e.t])
    arr.sort((a, b) => a.c === b.c ? (a.k - b.k === 0 ? (a.t === b.t ? 0 : -1) : a.k - b.k) : b.c - a.c)
    sorts.push({ input, perm: arr.map(e => e.i) })
  }
}

// 7. parseUpdateMeta of every merge output above.
const metas = cases.filter(c => c.op === 'merge' && c.out).map(c => {
  const { from, to } = Y.parseUpdateMeta(Buffer.from(c.out, 'hex'))
  return { update: c.out, from: Object.fromEntries(from), to: Object.fromEntries(to) }
})

console.log(JSON.stringify({ yjs: '13.6.33', cases, json, anys, v2, sorts, metas }))
