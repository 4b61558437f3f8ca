// gen.mjs generates random multi-client editing traces with yjs and, for
// each trace, test cases for the Go update codec together with the yjs
// results. One NDJSON line per trace:
//
//   {"seed","trace","desc","blobs":[base64...],"cases":[
//     {"op":"merge","in":[blob...],"want":blob,"desc"},
//     {"op":"sv","in":[blob],"want":blob,"svmap":{client:clock},"desc"},
//     {"op":"diff","in":[blob],"sv":blob,"want":blob,"base":blob?,"desc"},
//     {"op":"decsv","in":[blob],"svmap":{client:clock},"desc"}]}
//
// Usage: node gen.mjs --seed S [--from 0] --traces N [--out file]
// Trace i depends only on (S, i), so "--from i --traces 1" regenerates it.
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import fs from 'node:fs'
import { Rng, b64, parseArgs, svToObject } from './lib.mjs'

const REMOTE = 'remote'

// ---------------------------------------------------------------- content generators

const CHARS = [
  'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'o', 'n', 's', 't', ' ', ' ', ' ', '.', ',', '\n',
  'é', 'ß', 'ж', 'ü', '中', '文', '—', '€',
  '😀', '👍🏽', '🎉', '𝒳', '👩‍💻', '🇩🇪', '🙂', '𐍈'
]
const ASCII = 'abcdefghijklmnopqrstuvwxyz     '

function randStr (rng, maxCp) {
  const n = rng.range(1, maxCp)
  let s = ''
  const astralHeavy = rng.bool(0.3)
  for (let i = 0; i < n; i++) {
    s += astralHeavy || rng.bool(0.25) ? rng.pick(CHARS) : ASCII[rng.int(ASCII.length)]
  }
  return s
}

function randAny (rng, depth = 0, allowTop = false) {
  const k = rng.weighted({
    int: 10, neg: 3, big: 3, float: 4, str: 10, bool: 3, nul: 2,
    obj: depth < 3 ? 5 : 0, arr: depth < 3 ? 4 : 0,
    bin: depth > 0 ? 1 : 0, bigint: depth > 0 || allowTop ? 1 : 0, undef: allowTop ? 1 : 0
  })
  switch (k) {
    case 'int': return rng.int(200)
    case 'neg': return -rng.int(100000)
    case 'big': return rng.pick([2 ** 31, 2 ** 31 + 7, 2 ** 32 + 1, 2 ** 53 - 1, -(2 ** 40)])
    case 'float': return rng.pick([1.5, -0.25, 3.141592653589793, 1e-7, 1e300, 0.1])
    case 'str': return rng.bool(0.2) ? '' : randStr(rng, rng.bool(0.03) ? 200 : 6)
    case 'bool': return rng.bool()
    case 'nul': return null
    case 'undef': return undefined
    case 'bin': return new Uint8Array(Array.from({ length: rng.int(6) }, () => rng.int(256)))
    case 'bigint': return BigInt(rng.pick(['0', '-5', '9007199254740993', '-9223372036854775808']))
    case 'obj': {
      const o = {}
      const n = rng.int(4)
      for (let i = 0; i < n; i++) o[rng.pick(['a', 'b', 'title', 'ключ', '🔑', 'x y'])] = randAny(rng, depth + 1)
      return o
    }
    case 'arr': return Array.from({ length: rng.int(4) }, () => randAny(rng, depth + 1))
  }
}

// boundaries lists the indices of a Y.Text that are code-point boundaries
// (embeds count one unit), so local edits never split a surrogate pair.
function boundaries (ytext) {
  const b = [0]
  let pos = 0
  for (const op of ytext.toDelta()) {
    if (typeof op.insert === 'string') {
      for (const cp of op.insert) { pos += cp.length; b.push(pos) }
    } else { pos += 1; b.push(pos) }
  }
  return b
}

// Mark sets are copied before use (mark()): yjs adds keys to the attribute
// objects it is given, which would make one trace depend on the ones
// generated before it.
const QUILL_MARKS = [{ bold: true }, { italic: true }, { color: '#c00' }, { link: 'https://example.com/a' }, { bold: true, italic: true }]
const QUILL_UNMARKS = [{ bold: null }, { italic: null }, { color: null, link: null }]
const PM_MARKS = [{ bold: {} }, { italic: {} }, { code: {} }, { link: { href: 'https://example.com/p', target: '_blank' } }, { bold: {}, italic: {} }]
const PM_UNMARKS = [{ bold: null }, { italic: null }, { link: null, code: null }]

// pasteWeight is set per trace: a few traces paste a lot, so that clocks
// pass 2^14 (three-byte varUints) and strings run to several KB.
let pasteWeight = 1.5

const mark = (rng, list) => structuredClone(rng.pick(list))

function textOp (rng, ytext, pm) {
  const marks = pm ? PM_MARKS : QUILL_MARKS
  const unmarks = pm ? PM_UNMARKS : QUILL_UNMARKS
  const b = boundaries(ytext)
  const kind = rng.weighted({ insert: 45, insertFmt: 10, paste: pasteWeight, del: 20, delRange: 4, format: 12, unformat: 4, embed: pm ? 0.3 : 3, delta: 2 })
  const pos = rng.pick(b)
  const span = () => {
    const i = rng.int(b.length - 1)
    const j = Math.min(b.length - 1, i + rng.range(1, kind === 'delRange' ? b.length : 6))
    return [b[i], b[j] - b[i]]
  }
  switch (kind) {
    case 'insert': ytext.insert(pos, randStr(rng, 8)); return
    // A paste: long strings make multi-byte lengths and clocks above 2^14.
    case 'paste': ytext.insert(pos, randStr(rng, 3000), rng.bool(0.3) ? mark(rng, marks) : undefined); return
    case 'insertFmt': ytext.insert(pos, randStr(rng, 8), mark(rng, marks)); return
    case 'embed': ytext.insertEmbed(pos, { image: 'https://example.com/i/' + rng.int(100) }, rng.bool(0.3) ? mark(rng, marks) : undefined); return
    case 'delta': {
      const ops = []
      if (pos > 0) ops.push({ retain: pos })
      ops.push({ insert: randStr(rng, 5), attributes: mark(rng, marks) })
      const rest = b[b.length - 1] - pos
      if (rest > 0) {
        const after = b.filter(x => x > pos)
        if (after.length > 0 && rng.bool()) ops.push({ delete: rng.pick(after) - pos })
      }
      ytext.applyDelta(ops)
      return
    }
  }
  if (b.length < 2) { ytext.insert(0, randStr(rng, 4)); return }
  const [at, len] = span()
  switch (kind) {
    case 'del': case 'delRange': ytext.delete(at, len); return
    case 'format': ytext.format(at, len, mark(rng, marks)); return
    case 'unformat': ytext.format(at, len, mark(rng, unmarks))
  }
}

// ---------------------------------------------------------------- XML (TipTap / y-prosemirror shapes)

function fillText (rng, xt) {
  xt.insert(0, randStr(rng, 10), rng.bool(0.3) ? mark(rng, PM_MARKS) : {})
  if (rng.bool(0.3)) xt.insert(xt.length, randStr(rng, 6), mark(rng, PM_MARKS))
}

// insertBlock inserts a random block node into parent at index (all inside
// one transaction, as y-prosemirror does).
function insertBlock (rng, parent, index) {
  const kind = rng.weighted({ paragraph: 40, heading: 15, bulletList: 10, blockquote: 5, codeBlock: 5, image: 4, horizontalRule: 3, hook: 1, 'x-nœud-✓': 1 })
  if (kind === 'hook') {
    const h = new Y.XmlHook('mention')
    parent.insert(index, [h])
    h.set('id', 'u' + rng.int(100))
    h.set('label', randStr(rng, 5))
    return
  }
  if (kind === 'bulletList') {
    const list = new Y.XmlElement('bulletList')
    parent.insert(index, [list])
    const n = rng.range(1, 3)
    for (let i = 0; i < n; i++) insertListItem(rng, list, i)
    return
  }
  const el = new Y.XmlElement(kind)
  parent.insert(index, [el])
  switch (kind) {
    case 'heading': el.setAttribute('level', rng.range(1, 3)); break
    case 'codeBlock': el.setAttribute('language', rng.pick(['go', 'js', null])); break
    case 'image': el.setAttribute('src', 'https://example.com/' + rng.int(50) + '.png'); el.setAttribute('alt', randStr(rng, 4)); el.setAttribute('title', null); return
    case 'horizontalRule': return
    case 'blockquote': {
      const p = new Y.XmlElement('paragraph')
      el.insert(0, [p])
      const t = new Y.XmlText()
      p.insert(0, [t])
      fillText(rng, t)
      return
    }
  }
  if (rng.bool(0.2)) el.setAttribute('textAlign', rng.pick(['left', 'center']))
  const t = new Y.XmlText()
  el.insert(0, [t])
  fillText(rng, t)
}

function insertListItem (rng, list, index) {
  const li = new Y.XmlElement('listItem')
  list.insert(index, [li])
  const p = new Y.XmlElement('paragraph')
  li.insert(0, [p])
  const t = new Y.XmlText()
  p.insert(0, [t])
  fillText(rng, t)
}

function xmlNodes (frag) {
  const els = []
  const texts = []
  const lists = []
  for (const n of frag.createTreeWalker(() => true)) {
    if (n instanceof Y.XmlText) texts.push(n)
    else if (n instanceof Y.XmlElement) {
      els.push(n)
      if (n.nodeName === 'bulletList') lists.push(n)
    }
  }
  return { els, texts, lists }
}

function xmlOp (rng, frag) {
  const { els, texts, lists } = xmlNodes(frag)
  const kind = rng.weighted({ insertBlock: 18, listItem: 4, text: 50, setAttr: 8, removeAttr: 2, delBlock: 7, delRange: 2, move: 3, textAttr: 1 })
  switch (kind) {
    case 'text':
      if (texts.length > 0) { textOp(rng, rng.pick(texts), true); return }
      break
    case 'listItem':
      if (lists.length > 0) { const l = rng.pick(lists); insertListItem(rng, l, rng.int(l.length + 1)); return }
      break
    case 'setAttr':
      if (els.length > 0) {
        const el = rng.pick(els)
        if (el.nodeName === 'heading') el.setAttribute('level', rng.range(1, 6))
        else el.setAttribute(rng.pick(['textAlign', 'data-id', 'class']), rng.bool(0.8) ? randStr(rng, 4) : rng.int(10))
        return
      }
      break
    case 'removeAttr':
      if (els.length > 0) { const el = rng.pick(els); for (const k of Object.keys(el.getAttributes())) { el.removeAttribute(k); break } return }
      break
    case 'textAttr':
      if (texts.length > 0) { rng.pick(texts).setAttribute('dir', rng.pick(['ltr', 'rtl'])); return }
      break
    case 'delBlock':
      if (frag.length > 0) {
        if (lists.length > 0 && rng.bool(0.3)) { const l = rng.pick(lists); if (l.length > 0) { l.delete(rng.int(l.length), 1); return } }
        frag.delete(rng.int(frag.length), 1)
        return
      }
      break
    case 'delRange':
      if (frag.length > 1) { const i = rng.int(frag.length - 1); frag.delete(i, rng.range(1, frag.length - i)); return }
      break
    case 'move':
      if (frag.length > 1) {
        const i = rng.int(frag.length)
        const node = frag.get(i)
        if (node instanceof Y.XmlElement) {
          const copy = node.clone()
          frag.delete(i, 1)
          frag.insert(rng.int(frag.length + 1), [copy])
          return
        }
      }
      break
  }
  insertBlock(rng, frag, rng.int(frag.length + 1))
}

// ---------------------------------------------------------------- map and array

function nestedTargets (root) {
  const maps = []
  const arrays = []
  const texts = []
  const walk = (t, depth) => {
    if (depth > 4) return
    if (t instanceof Y.Map) {
      maps.push(t)
      for (const v of t.values()) if (v instanceof Y.AbstractType) walk(v, depth + 1)
    } else if (t instanceof Y.Array) {
      arrays.push(t)
      for (const v of t.toArray()) if (v instanceof Y.AbstractType) walk(v, depth + 1)
    } else if (t instanceof Y.Text) texts.push(t)
  }
  walk(root, 0)
  return { maps, arrays, texts }
}

const KEYS = ['k0', 'k1', 'k2', 'k3', 'title', 'ключ', '🔑', '', 'a-much-longer-key-name-for-the-map', 'long-'.repeat(40)]

function mapSet (rng, m, counter) {
  const key = rng.pick(KEYS)
  const kind = rng.weighted({ json: 40, bin: 6, map: 8, array: 6, text: 3, subdoc: 3, del: 12, bigint: 1 })
  switch (kind) {
    case 'json': m.set(key, randAny(rng, 0, true)); return
    case 'bigint': m.set(key, BigInt(rng.int(1000)) * 1000000000000n); return
    case 'bin': m.set(key, new Uint8Array(Array.from({ length: rng.bool(0.1) ? rng.range(128, 700) : rng.int(40) }, () => rng.int(256)))); return
    case 'map': { const n = new Y.Map(); m.set(key, n); n.set('inner', randAny(rng, 1)); return }
    case 'array': { const a = new Y.Array(); m.set(key, a); a.insert(0, [arrayValue(rng, 1), arrayValue(rng, 1)]); return }
    case 'text': { const t = new Y.Text(); m.set(key, t); t.insert(0, randStr(rng, 6)); return }
    case 'subdoc': {
      const opts = { guid: 'sub-' + counter.n++ + '-' + rng.u32().toString(16) }
      if (rng.bool(0.5)) opts.meta = { title: randStr(rng, 3) }
      if (rng.bool(0.3)) opts.autoLoad = true
      m.set(key, new Y.Doc(opts))
      return
    }
    case 'del': if (m.has(key)) m.delete(key); else m.set(key, randAny(rng, 1)); return
  }
}

// arrayValue is a random value that Y.Array.insert accepts at top level.
function arrayValue (rng, depth) {
  const v = randAny(rng, depth)
  return v === undefined || typeof v === 'bigint' ? 0 : v
}

function arrayOp (rng, a) {
  const kind = rng.weighted({ insert: 40, push: 10, del: 20, delRange: 5, types: 8 })
  const content = () => {
    const n = rng.range(1, 5)
    const out = []
    for (let i = 0; i < n; i++) {
      const k = rng.weighted({ any: 12, bin: 1 })
      if (k === 'bin') out.push(new Uint8Array([rng.int(256), rng.int(256)]))
      else out.push(arrayValue(rng, 0))
    }
    return out
  }
  switch (kind) {
    case 'insert': a.insert(rng.int(a.length + 1), content()); return
    case 'push': a.push(content()); return
    case 'types': {
      const t = rng.pick([() => new Y.Map(), () => new Y.Array(), () => new Y.Text()])()
      a.insert(rng.int(a.length + 1), [t])
      if (t instanceof Y.Map) t.set('x', randAny(rng, 1))
      else if (t instanceof Y.Array) t.push([1, 'two'])
      else t.insert(0, randStr(rng, 4))
      return
    }
  }
  if (a.length === 0) { a.push(content()); return }
  const i = rng.int(a.length)
  a.delete(i, Math.min(a.length - i, kind === 'delRange' ? rng.range(1, a.length) : rng.range(1, 2)))
}

// ---------------------------------------------------------------- legacy JSON content

// legacyUpdate hand-encodes a V1 update with one ContentJSON item (content
// ref 2), which current yjs no longer writes but still reads.
function legacyUpdate (rng, client) {
  const values = Array.from({ length: rng.range(2, 6) }, () => rng.bool(0.15) ? undefined : randAny(rng, 1))
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1)
  encoding.writeVarUint(e, 1)
  encoding.writeVarUint(e, client)
  encoding.writeVarUint(e, 0)
  encoding.writeUint8(e, 2)
  encoding.writeVarUint(e, 1)
  encoding.writeVarString(e, 'legacy')
  encoding.writeVarUint(e, values.length)
  for (const v of values) {
    encoding.writeVarString(e, v === undefined ? 'undefined' : JSON.stringify(v, (k, x) => typeof x === 'bigint' ? 0 : (x instanceof Uint8Array ? Array.from(x) : x)))
  }
  encoding.writeVarUint(e, 0)
  return encoding.toUint8Array(e)
}

// ---------------------------------------------------------------- trace

function clientIDs (rng, n) {
  const ids = new Set()
  const mode = rng.weighted({ random: 82, small: 8, huge: 4, mixed: 3, edge: 3 })
  const edges = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1]
  while (ids.size < n) {
    // The small and edge pools hold 6 and 10 ids: once a trace has more
    // clients than that, the rest are random (or this loop never ends).
    if (mode === 'small' && ids.size < 6) ids.add(rng.int(6))
    else if (mode === 'edge' && ids.size < edges.length) ids.add(rng.pick(edges))
    else if (mode === 'huge') ids.add(2 ** 32 + rng.u32() * 1000 + rng.int(1000))
    else if (mode === 'mixed') ids.add(rng.bool() ? rng.int(300) : rng.u32())
    else ids.add(rng.u32())
  }
  return Array.from(ids)
}

function genTrace (seed, index) {
  const rng = new Rng(seed + '/' + index)
  const size = rng.weighted({ small: 70, medium: 25, large: 5 })
  const steps = size === 'small' ? rng.range(6, 40) : size === 'medium' ? rng.range(40, 150) : rng.range(150, 400)
  // A few traces have many clients: many client groups per update, and
  // long reader lists in merges.
  const nClients = rng.bool(0.04) ? rng.range(8, 25) : rng.range(2, 5)
  const gcMode = rng.weighted({ gc: 45, nogc: 35, mixed: 20 })
  const roots = []
  while (roots.length === 0) {
    if (rng.bool(0.55)) roots.push('text')
    if (rng.bool(0.6)) roots.push('default')
    if (rng.bool(0.45)) roots.push('map')
    if (rng.bool(0.4)) roots.push('array')
  }
  const legacy = rng.bool(0.05)
  pasteWeight = rng.bool(0.06) ? 25 : 1.5
  const ids = clientIDs(rng, nClients + (legacy ? 1 : 0))
  const counter = { n: 0 }

  const updates = [] // {u, by, local}
  const localLogs = []
  const delivered = [] // delivered[a] = Set of indices into localLogs[b] per b
  const svPool = [] // {sv, base}
  const docs = []
  for (let i = 0; i < nClients; i++) {
    const gc = gcMode === 'gc' ? true : gcMode === 'nogc' ? false : rng.bool()
    const doc = new Y.Doc({ gc })
    doc.clientID = ids[i]
    localLogs.push([])
    delivered.push(Array.from({ length: nClients }, () => new Set()))
    doc.on('update', (u, origin) => {
      updates.push({ u, by: i, local: origin !== REMOTE })
      if (origin !== REMOTE) localLogs[i].push(u)
    })
    docs.push(doc)
  }
  if (legacy) {
    const lu = legacyUpdate(rng, ids[nClients])
    updates.push({ u: lu, by: -1, local: true })
    Y.applyUpdate(docs[0], lu, REMOTE)
    roots.push('legacy')
  }

  const edit = (doc) => {
    const root = rng.pick(roots)
    switch (root) {
      case 'text': textOp(rng, doc.getText('text'), false); break
      case 'default': xmlOp(rng, doc.getXmlFragment('default')); break
      case 'legacy': arrayOp(rng, doc.getArray('legacy')); break
      case 'map': {
        const { maps, arrays, texts } = nestedTargets(doc.getMap('map'))
        const k = rng.weighted({ map: 6, array: arrays.length > 0 ? 3 : 0, text: texts.length > 0 ? 1 : 0 })
        if (k === 'map') mapSet(rng, rng.pick(maps), counter)
        else if (k === 'array') arrayOp(rng, rng.pick(arrays))
        else textOp(rng, rng.pick(texts), false)
        break
      }
      case 'array': {
        const { maps, arrays } = nestedTargets(doc.getArray('array'))
        if (maps.length > 0 && rng.bool(0.2)) mapSet(rng, rng.pick(maps), counter)
        else arrayOp(rng, rng.pick(arrays))
        break
      }
    }
  }

  const recordSV = (i) => {
    const sv = Y.encodeStateVector(docs[i])
    svPool.push({ sv, base: rng.bool(0.5) ? Y.encodeStateAsUpdate(docs[i]) : null })
  }

  for (let s = 0; s < steps; s++) {
    const i = rng.int(nClients)
    const kind = rng.weighted({ edit: 62, tx: 6, relay: 15, sync: 9, sv: 6, bigDelete: 2 })
    switch (kind) {
      case 'edit': edit(docs[i]); break
      case 'tx': docs[i].transact(() => { const n = rng.range(2, 6); for (let k = 0; k < n; k++) edit(docs[i]) }); break
      case 'bigDelete': docs[i].transact(() => {
        for (const r of roots) {
          const t = r === 'text' ? docs[i].getText('text') : r === 'default' ? docs[i].getXmlFragment('default') : r === 'array' ? docs[i].getArray('array') : null
          if (t && t.length > 1) { const a = rng.int(t.length - 1); t.delete(a, rng.range(1, t.length - a)) }
        }
      }); break
      case 'relay': {
        // Deliver some of another client's local updates, in random order,
        // possibly with repeats and holes (pending structs on the receiver).
        let j = rng.int(nClients)
        if (j === i) j = (j + 1) % nClients
        const log = localLogs[j]
        const idx = rng.shuffle(Array.from(log.keys()).filter(k => !delivered[i][j].has(k) || rng.bool(0.1)))
        const n = rng.int(idx.length + 1)
        for (const k of idx.slice(0, n)) {
          delivered[i][j].add(k)
          Y.applyUpdate(docs[i], log[k], REMOTE)
        }
        break
      }
      case 'sync': {
        let j = rng.int(nClients)
        if (j === i) j = (j + 1) % nClients
        Y.applyUpdate(docs[i], Y.encodeStateAsUpdate(docs[j], Y.encodeStateVector(docs[i])), REMOTE)
        if (rng.bool(0.5)) Y.applyUpdate(docs[j], Y.encodeStateAsUpdate(docs[i], Y.encodeStateVector(docs[j])), REMOTE)
        break
      }
      case 'sv': recordSV(i); break
    }
  }
  const converge = rng.bool(0.5)
  if (converge) {
    for (let r = 0; r < 2; r++) {
      for (let a = 0; a < nClients; a++) {
        for (let b = 0; b < nClients; b++) {
          if (a !== b) Y.applyUpdate(docs[a], Y.encodeStateAsUpdate(docs[b], Y.encodeStateVector(docs[a])), REMOTE)
        }
      }
    }
  }
  for (let i = 0; i < nClients; i++) if (rng.bool(0.3)) recordSV(i)
  while (updates.length === 0) edit(docs[rng.int(nClients)])

  // ------------------------------------------------------------ cases
  const blobs = []
  const blobIndex = new Map()
  const blob = (u) => {
    let k = blobIndex.get(u)
    if (k === undefined) { k = blobs.length; blobs.push(b64(u)); blobIndex.set(u, k) }
    return k
  }
  const cases = []
  const all = updates.map(x => x.u)
  const allIdx = all.map(blob)
  const merge = (list, desc) => {
    const want = Y.mergeUpdates(list)
    cases.push({ op: 'merge', in: list.map(blob), want: blob(want), desc })
    return want
  }
  const svCase = (u, desc) => {
    const want = Y.encodeStateVectorFromUpdate(u)
    cases.push({ op: 'sv', in: [blob(u)], want: blob(want), svmap: svToObject(Y.decodeStateVector(want)), desc })
    return want
  }
  const diff = (u, sv, base, desc) => {
    const want = Y.diffUpdate(u, sv)
    const c = { op: 'diff', in: [blob(u)], sv: blob(sv), want: blob(want), desc }
    if (base) c.base = blob(base)
    cases.push(c)
    return want
  }
  const randomSV = (u) => {
    const m = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(u))
    const meta = Y.parseUpdateMeta(u)
    const sv = new Map()
    for (const [c, to] of meta.to) {
      if (rng.bool(0.15)) continue
      const from = meta.from.get(c) ?? 0
      sv.set(c, rng.bool(0.1) ? to + rng.int(3) : rng.range(Math.max(0, from - 1), to))
    }
    for (const [c, clock] of m) if (!sv.has(c) && rng.bool(0.5)) sv.set(c, clock)
    if (rng.bool(0.2)) sv.set(rng.u32(), rng.int(10))
    return Y.encodeStateVector(sv)
  }

  const mergedAll = merge(all, `merge all ${all.length} updates in order`)
  if (all.length > 1) {
    merge(rng.shuffle(all), `merge all ${all.length} updates shuffled`)
    const subset = rng.shuffle(all).slice(0, rng.range(1, all.length))
    const subsetMerged = merge(subset, `merge random subset ${subset.length}/${all.length} shuffled`)
    const dups = rng.shuffle(all.concat(rng.shuffle(all).slice(0, rng.range(1, all.length))))
    merge(dups, `merge ${dups.length} updates with duplicates`)
    // Overlapping partial merges, full states and diffs (items sliced at
    // arbitrary clocks, also inside surrogate pairs) merged again.
    const a = all.slice(0, rng.int(all.length))
    const b = all.slice(rng.int(all.length))
    const ma = Y.mergeUpdates(a)
    const mb = Y.mergeUpdates(b)
    merge(rng.bool() ? [ma, mb] : [mb, ma], `merge of two overlapping partial merges (${a.length}, ${b.length})`)
    const extra = [Y.encodeStateAsUpdate(docs[rng.int(nClients)])]
    for (let k = rng.int(3); k >= 0; k--) extra.push(Y.diffUpdate(mergedAll, randomSV(mergedAll)))
    merge(rng.shuffle(extra.concat(rng.shuffle(all).slice(0, rng.int(Math.min(all.length, 30))))), 'merge of full states, random diffs and updates')
    svCase(subsetMerged, 'state vector of a subset merge (may have holes)')
    const subset2 = rng.shuffle(all).slice(0, rng.range(1, all.length))
    merge(rng.shuffle([subsetMerged, Y.mergeUpdates(subset2)]), 'merge of two subset merges (both may have Skips)')
    diff(subsetMerged, randomSV(subsetMerged), null, 'diff of a subset merge (with Skips) against a random state vector')
  }
  svCase(mergedAll, 'state vector of the merged update')
  const single = rng.pick(all)
  svCase(single, 'state vector of a single update')
  svCase(Y.encodeStateAsUpdate(docs[rng.int(nClients)]), 'state vector of a document state')
  diff(mergedAll, Y.encodeStateVector(new Map()), null, 'diff against the empty state vector')
  diff(single, randomSV(single), null, 'diff of a single update against a random state vector')
  for (let k = 0; k < 2; k++) diff(mergedAll, randomSV(mergedAll), null, 'diff against a random clock cut')
  const pool = rng.shuffle(svPool).slice(0, 3)
  for (const p of pool) diff(mergedAll, p.sv, p.base, 'diff against an intermediate client state vector' + (p.base ? ' (checked on top of that state)' : ''))
  for (const p of pool.slice(0, 1)) cases.push({ op: 'decsv', in: [blob(p.sv)], svmap: svToObject(Y.decodeStateVector(p.sv)), desc: 'decode a client state vector' })
  const rsv = randomSV(mergedAll)

  // Several representations of the same clock ranges: original content,
  // content replaced by Deleted (a GC'd document, parent alive) and GC
  // structs (a GC'd document, parent deleted), merged in many copies and in
  // random order, so that readers tie on (client, clock) with structs of
  // different kinds. yjs's result then depends on the exact order its sort
  // leaves the readers in.
  const gcDoc = new Y.Doc({ gc: true })
  Y.applyUpdate(gcDoc, mergedAll)
  const keepDoc = new Y.Doc({ gc: false })
  Y.applyUpdate(keepDoc, mergedAll)
  const reps = [Y.encodeStateAsUpdate(gcDoc), Y.encodeStateAsUpdate(keepDoc), mergedAll]
  gcDoc.destroy()
  keepDoc.destroy()
  const repPool = reps.concat(rng.shuffle(all).slice(0, 20))
  for (let k = rng.range(1, 4); k > 0; k--) repPool.push(Y.diffUpdate(rng.pick(reps), randomSV(mergedAll)))
  const nStorm = rng.range(4, size === 'small' ? 60 : 150)
  const storm = Array.from({ length: nStorm }, () => rng.pick(repPool))
  const stormMerged = merge(storm, `merge of ${nStorm} inputs: GC'd, non-GC'd and original representations of the same ranges, repeated`)
  diff(stormMerged, randomSV(stormMerged), null, 'diff of a tie-heavy merge against a random state vector')
  svCase(reps[0], 'state vector of a GC\'d document state')

  merge([rng.pick(all)], 'merge of a single update')
  merge(rng.shuffle([new Uint8Array([0, 0]), rng.pick(all), new Uint8Array([0, 0])]), 'merge with empty updates')
  if (index % 25 === 0) merge([], 'merge of no updates')
  cases.push({ op: 'decsv', in: [blob(rsv)], svmap: svToObject(Y.decodeStateVector(rsv)), desc: 'decode a random state vector' })

  for (const d of docs) d.destroy()
  return {
    seed: String(seed),
    trace: index,
    desc: `${nClients} clients (${gcMode}), ${steps} steps, roots ${roots.join('+')}, ${updates.length} updates${converge ? ', converged' : ''}`,
    blobs,
    cases
  }
}

// ---------------------------------------------------------------- main

const args = parseArgs(process.argv.slice(2))
const seed = args.seed ?? '1'
const from = Number(args.from ?? 0)
const count = Number(args.traces ?? 100)
const out = args.out ? fs.createWriteStream(args.out) : process.stdout
let nCases = 0
// The shared constants must come out of every trace unchanged.
const constants = () => JSON.stringify([CHARS, ASCII, QUILL_MARKS, QUILL_UNMARKS, PM_MARKS, PM_UNMARKS, KEYS])
const constantsBefore = constants()
for (let i = from; i < from + count; i++) {
  let t
  try {
    t = genTrace(seed, i)
  } catch (e) {
    console.error(`gen: seed ${seed} trace ${i}: ${e.stack}`)
    process.exit(1)
  }
  nCases += t.cases.length
  const line = JSON.stringify(t)
  // A trace must depend on (seed, index) only, or "--from i --traces 1"
  // would not reproduce it. Generating every 50th trace again, after it has
  // run once, catches state that leaks from one trace into the next.
  if (constants() !== constantsBefore) {
    console.error(`gen: seed ${seed} trace ${i}: the trace changed shared constants, so later traces depend on it`)
    process.exit(1)
  }
  if (i % 50 === 0 && JSON.stringify(genTrace(seed, i)) !== line) {
    console.error(`gen: seed ${seed} trace ${i}: generating the trace again gives other cases; some state leaks between traces`)
    process.exit(1)
  }
  if (!out.write(line + '\n')) await new Promise(resolve => out.once('drain', resolve))
}
if (out !== process.stdout) await new Promise(resolve => out.end(resolve))
console.error(`gen: seed ${seed}: ${count} traces, ${nCases} cases`)
