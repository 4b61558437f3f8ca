// Typing benchmark with real y-websocket clients: N clients in one
// document, each typing into its own paragraph at a steady rate; for every
// keystroke, the time until every other client has it ("edit to all
// clients"). All clients live in this one process, so one clock times
// sender and receivers (the time includes this process's own work: it
// applies every update of every client).
//
//   node bench.mjs '{"url":"ws://127.0.0.1:8082/collab","room":"<chapter>","tokens":["…"],
//                    "clients":50,"rate":5,"seconds":20,"warmup":3}'
//
// Prints one JSON line: counts, latency percentiles (ms) and this process's
// CPU time. With "parts" > 1, this process runs the clients i with
// i % parts == part of the n, and prints raw times instead (absolute ms:
// "sent" per edit, "arrivals" per edit as [count, last, first]) for the
// caller to merge with the other parts'.

import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { performance, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'

process.setMaxListeners(0)
const opts = JSON.parse(process.argv[2])
const { url, room, tokens, clients: n = 50, rate = 5, seconds = 20, warmup = 3, parts = 1, part = 0, start } = opts
const now0 = () => performance.timeOrigin + performance.now()
const arrivals = new Map() // key -> [count, last, first], for parts > 1

const sent = new Map() // "client:clock" -> { at, got, last }
const latencies = [] // until the last receiver has it
const firsts = [] // until the first receiver has it
let measuring = false
let deliveries = 0
let edits = 0

const docs = []
for (let i = 0; i < n; i++) {
  if (i % parts !== part) continue
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(url, room, doc, {
    params: { token: tokens[i % tokens.length] }, WebSocketPolyfill: WebSocket, disableBc: true
  })
  doc.on('update', (update, origin) => {
    const now = now0()
    const meta = Y.parseUpdateMeta(update)
    for (const [client, from] of meta.from) {
      if (origin !== provider) {
        if (measuring) sent.set(client + ':' + from, { at: now, got: 0 })
        continue
      }
      // A message from the server may carry several edits merged (a
      // backlog the server coalesced): every edit whose first clock is in
      // the range arrives with it.
      const to = meta.to.get(client)
      for (let clock = from; clock < to; clock++) {
        const key = client + ':' + clock
        deliveries++
        if (parts > 1) {
          const a = arrivals.get(key)
          if (a) { a[0]++; a[1] = now } else arrivals.set(key, [1, now, now])
          continue
        }
        const s = sent.get(key)
        if (s === undefined) continue
        if (s.got === 0) firsts.push(now - s.at)
        if (++s.got === n - 1) {
          latencies.push(now - s.at)
          sent.delete(key)
        }
      }
    }
  })
  docs.push({ doc, provider })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const deadline = Date.now() + 60000
while (!docs.every((d) => d.provider.synced)) {
  if (Date.now() > deadline) {
    console.error('clients did not sync within a minute')
    process.exit(1)
  }
  await sleep(20)
}

// Each client's own paragraph, created before the clock starts.
const texts = docs.map(({ doc }, i) => {
  const frag = doc.getXmlFragment('default')
  const p = new Y.XmlElement('paragraph')
  const t = new Y.XmlText()
  p.insert(0, [t])
  frag.insert(frag.length, [p])
  return t
})
await sleep(1000)

const letters = 'abcdefghijklmnopqrstuvwxyz '
const timers = texts.map((t, i) => {
  const start = Math.random() * (1000 / rate)
  return setTimeout(() => {
    const iv = setInterval(() => {
      t.insert(t.length, letters[(edits++) % letters.length])
    }, 1000 / rate)
    timers[i] = iv
  }, start)
})

// Parts start measuring at the same wall-clock time.
await sleep(start ? Math.max(0, start - Date.now()) : warmup * 1000)
const cpu0 = process.cpuUsage()
const loop = monitorEventLoopDelay({ resolution: 1 })
loop.enable()
const gc = { count: 0, total: 0, max: 0 } // V8's collections while measuring
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++
    gc.total += e.duration
    gc.max = Math.max(gc.max, e.duration)
  }
}).observe({ entryTypes: ['gc'] })
const deliveries0 = deliveries
const t0 = now0()
measuring = true
await sleep(seconds * 1000)
measuring = false
const elapsed = (now0() - t0) / 1000
const cpu = process.cpuUsage(cpu0)
for (const iv of timers) clearInterval(iv)
await sleep(2000) // let the last measured edits arrive
const lost = [...sent.values()].length

if (parts > 1) {
  const sentOut = {}
  for (const [k, v] of sent) sentOut[k] = v.at
  process.stdout.write(JSON.stringify({
    seconds: elapsed, deliveries_per_second: (deliveries - deliveries0) / elapsed,
    node_cpu_percent: 100 * (cpu.user + cpu.system) / 1e6 / elapsed,
    sent: sentOut, arrivals: Object.fromEntries(arrivals)
  }) + '\n', () => process.exit(0)) // a pipe is written asynchronously
  for (const { provider } of docs) provider.destroy()
  await sleep(60000)
}
latencies.sort((a, b) => a - b)
firsts.sort((a, b) => a - b)
const pctOf = (l, p) => l.length ? l[Math.min(l.length - 1, Math.floor(p * l.length))] : null
const pct = (p) => pctOf(latencies, p)
const out = {
  clients: n,
  rate,
  seconds: elapsed,
  edits_measured: latencies.length,
  edits_incomplete: lost,
  deliveries_per_second: (deliveries - deliveries0) / elapsed,
  p50_ms: pct(0.5),
  p90_ms: pct(0.9),
  p99_ms: pct(0.99),
  max_ms: latencies.length ? latencies[latencies.length - 1] : null,
  first_p50_ms: pctOf(firsts, 0.5),
  first_p99_ms: pctOf(firsts, 0.99),
  node_cpu_percent: 100 * (cpu.user + cpu.system) / 1e6 / elapsed,
  loop_delay_p99_ms: loop.percentile(99) / 1e6,
  loop_delay_max_ms: loop.max / 1e6,
  gc_count: gc.count,
  gc_total_ms: gc.total,
  gc_max_ms: gc.max
}
process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0))
for (const { provider } of docs) provider.destroy()
