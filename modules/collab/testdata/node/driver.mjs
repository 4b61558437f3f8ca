// A pool of real y-websocket clients driven over stdio, for the Go tests of
// the collaboration server. Each line on stdin is a JSON command
// {"id": n, "op": "...", ...}; each command gets one JSON line back on
// stdout: {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": "..."}.
// Commands may wait (for a sync, for convergence); several can be in
// flight at once.
//
// Clients are unmodified WebsocketProvider instances (y-websocket 3.1.0,
// yjs 13.6.33) with the `ws` package as WebSocket (Node 20 has none) and
// BroadcastChannel off (clients in one process would otherwise sync
// without the server). The document is TipTap's shape: the XmlFragment
// "default" holding paragraph elements with text.

import * as readline from 'node:readline'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

process.setMaxListeners(0) // y-websocket adds an exit listener per provider

const clients = new Map()

// A seeded PRNG (mulberry32) so that runs are reproducible.
function rng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function client (name) {
  const c = clients.get(name)
  if (!c) throw new Error(`no client ${name}`)
  return c
}

function open ({ name, url, room, token, clientID, connect = true, maxBackoff = 2500 }) {
  if (clients.has(name)) throw new Error(`client ${name} exists`)
  const doc = new Y.Doc()
  if (clientID !== undefined) doc.clientID = clientID
  const params = token === undefined ? {} : { token }
  const provider = new WebsocketProvider(url, room, doc, {
    params, WebSocketPolyfill: WebSocket, disableBc: true, connect, maxBackoffTime: maxBackoff
  })
  // attempts counts connection attempts: the constructor's first one
  // happens before a listener can see its 'connecting' status.
  const c = { name, doc, provider, events: [], attempts: connect ? 1 : 0, received: 0, syncedOnce: false }
  provider.on('status', ({ status }) => {
    if (status === 'connecting') c.attempts++
    c.events.push({ type: 'status', status, at: Date.now() })
  })
  provider.on('connection-close', (ev) => {
    if (ev) c.events.push({ type: 'close', code: ev.code, reason: ev.reason, at: Date.now() })
  })
  provider.on('closed', ({ code, reason }) => c.events.push({ type: 'closed', code, reason, at: Date.now() }))
  provider.on('sync', (s) => { if (s) c.syncedOnce = true })
  doc.on('update', (_u, origin) => { if (origin === provider) c.received++ })
  clients.set(name, c)
  return { clientID: doc.clientID }
}

function fragment (doc) { return doc.getXmlFragment('default') }

// paragraph returns the text node of the paragraph named key, creating the
// paragraph at the end of the document.
function paragraph (doc, key) {
  const frag = fragment(doc)
  for (const el of frag.toArray()) {
    if (el instanceof Y.XmlElement && el.getAttribute('key') === key) return el.get(0)
  }
  const p = new Y.XmlElement('paragraph')
  p.setAttribute('key', key)
  const t = new Y.XmlText()
  p.insert(0, [t])
  frag.insert(frag.length, [p])
  return t
}

function state (c) {
  return {
    xml: fragment(c.doc).toString(),
    sv: Buffer.from(Y.encodeStateVector(c.doc)).toString('base64'),
    synced: c.provider.synced,
    connected: c.provider.wsconnected,
    received: c.received
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor (cond, timeout, what) {
  const end = Date.now() + timeout
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout after ${timeout} ms waiting for ${what}`)
    await sleep(10)
  }
}

function awarenessOf (c) {
  const out = {}
  for (const [id, s] of c.provider.awareness.getStates()) out[id] = s
  return out
}

const ops = {
  open,
  async waitSynced ({ name, timeout = 15000 }) {
    const c = client(name)
    await waitFor(() => c.provider.synced, timeout, `${name} to sync`)
    return {}
  },
  // type inserts text one character per transaction (one update message
  // each), into the paragraph key, at random positions when random is set,
  // every delay ms.
  async type ({ name, key = 'p', text, delay = 0, random = false, seed = 1 }) {
    const c = client(name)
    const next = rng(seed)
    for (const ch of text) {
      const t = paragraph(c.doc, key)
      const pos = random ? Math.floor(next() * (t.length + 1)) : t.length
      t.insert(pos, ch)
      if (delay > 0) await sleep(delay)
    }
    return {}
  },
  insert ({ name, key = 'p', text }) {
    const t = paragraph(client(name).doc, key)
    t.insert(t.length, text)
    return {}
  },
  delete ({ name, key = 'p', index, length }) {
    paragraph(client(name).doc, key).delete(index, length)
    return {}
  },
  // element appends an element named nodeName holding text (a node
  // outside TipTap's schema, for instance).
  element ({ name, nodeName, text }) {
    const frag = fragment(client(name).doc)
    const el = new Y.XmlElement(nodeName)
    const t = new Y.XmlText()
    t.insert(0, text)
    el.insert(0, [t])
    frag.insert(frag.length, [el])
    return {}
  },
  state ({ name }) { return state(client(name)) },
  // waitEqual waits until every named client holds the same document (same
  // content and state vector); with contains, until each holds that text.
  async waitEqual ({ names, timeout = 20000, contains }) {
    contains = contains || []
    const cs = names.map(client)
    const same = () => {
      const s0 = state(cs[0])
      return cs.every((c) => {
        const s = state(c)
        return s.xml === s0.xml && s.sv === s0.sv && contains.every((t) => s.xml.includes(t))
      })
    }
    try {
      await waitFor(same, timeout, `${names.join(', ')} to converge`)
    } catch (e) {
      return { converged: false, states: Object.fromEntries(cs.map((c) => [c.name, state(c)])) }
    }
    return { converged: true, state: state(cs[0]) }
  },
  setAwareness ({ name, state }) {
    client(name).provider.awareness.setLocalState(state)
    return {}
  },
  awareness ({ name }) { return { states: awarenessOf(client(name)) } },
  // waitAwareness waits until the client sees exactly the given client ids
  // (its own included).
  async waitAwareness ({ name, ids, timeout = 15000 }) {
    const c = client(name)
    const want = ids.map(String).sort().join(',')
    await waitFor(() => Object.keys(awarenessOf(c)).sort().join(',') === want, timeout,
      `${name} to see awareness of ${want} (sees ${Object.keys(awarenessOf(c)).join(',')})`)
    return { states: awarenessOf(c) }
  },
  disconnect ({ name }) { client(name).provider.disconnect(); return {} },
  connect ({ name }) { client(name).provider.connect(); return {} },
  destroy ({ name }) {
    const c = client(name)
    c.provider.destroy()
    c.doc.destroy()
    clients.delete(name)
    return {}
  },
  setToken ({ name, token }) { client(name).provider.params = { token }; return {} },
  setURL ({ name, url }) {
    const p = client(name).provider
    p.serverUrl = url.replace(/\/+$/, '')
    return {}
  },
  events ({ name }) {
    const c = client(name)
    return { events: c.events, attempts: c.attempts, syncedOnce: c.syncedOnce, connected: c.provider.wsconnected, shouldConnect: c.provider.shouldConnect }
  },
  async waitEvent ({ name, type, code, timeout = 15000 }) {
    const c = client(name)
    await waitFor(() => c.events.some((e) => e.type === type && (code === undefined || e.code === code)), timeout, `${name} event ${type} ${code ?? ''}`)
    return { events: c.events }
  },
  async sleep ({ ms }) { await sleep(ms); return {} }
}

const rl = readline.createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  if (!line.trim()) return
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: -1, ok: false, error: `bad JSON: ${e.message}` }) + '\n')
    return
  }
  try {
    const fn = ops[cmd.op]
    if (!fn) throw new Error(`unknown op ${cmd.op}`)
    const res = await fn(cmd)
    process.stdout.write(JSON.stringify({ id: cmd.id, ok: true, ...res }) + '\n')
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: cmd.id, ok: false, error: String(e && e.stack || e) }) + '\n')
  }
})
rl.on('close', () => {
  for (const c of clients.values()) c.provider.destroy()
  process.exit(0)
})
