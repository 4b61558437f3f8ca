import * as Y from 'yjs'

// rng is a small deterministic generator (mulberry32 over a string hash).
export const rng = (seedStr) => {
  let h = 1779033703 ^ seedStr.length
  for (let i = 0; i < seedStr.length; i++) {
    h = Math.imul(h ^ seedStr.charCodeAt(i), 3432918353)
    h = (h << 13) | (h >>> 19)
  }
  let a = h >>> 0
  const next = () => {
    a |= 0; a = (a + 0x6D2B79F5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: n => Math.floor(next() * n),
    bool: p => next() < p,
    pick: a => a[Math.floor(next() * a.length)]
  }
}

export const ROOTS = [['text', 'getText'], ['map', 'getMap'], ['array', 'getArray'], ['xml', 'getXmlFragment']]

export const rootsOf = d => ({ text: d.getText('text'), map: d.getMap('map'), array: d.getArray('array'), xml: d.getXmlFragment('xml') })

export const b64 = u => Buffer.from(u).toString('base64')

// JSON with Uint8Array written as yjs values print through JSON.stringify
const norm = v => JSON.parse(JSON.stringify(v, (_k, x) => x instanceof Y.AbstractType ? x.toJSON() : x))

const deltaJSON = d => norm(d.map(op => {
  const o = { insert: op.insert instanceof Y.AbstractType ? op.insert.toString() : op.insert }
  if (op.attributes) o.attributes = op.attributes
  return o
}))

export const expectOf = d => {
  const { text, map, array, xml } = rootsOf(d)
  return {
    json: norm({ text: text.toJSON(), map: map.toJSON(), array: array.toJSON(), xml: xml.toJSON() }),
    xmlString: xml.toString(),
    delta: deltaJSON(text.toDelta()),
    sv: b64(Y.encodeStateVector(d)),
    state: b64(Y.encodeStateAsUpdate(d))
  }
}
