// selftest.mjs writes a results file for a case file using yjs itself, so the
// harness can be checked without the Go codec:
//
//   node selftest.mjs --cases c.ndjson --out r.ndjson [--mode yjs|reorder|corrupt]
//
// mode yjs: recompute every result with yjs (all byte-identical).
// mode reorder: merge the inputs in reverse order (same meaning, often other
// bytes), so the semantic comparison is exercised.
// mode corrupt: drop one input of every merge, clear the first state
// vector entry and append a byte to every diff, so the checker must report
// mismatches.
import * as Y from 'yjs'
import fs from 'node:fs'
import { readNDJSON, unb64, b64, parseArgs } from './lib.mjs'

const args = parseArgs(process.argv.slice(2))
const mode = args.mode ?? 'yjs'
const out = fs.createWriteStream(args.out)
for await (const t of readNDJSON(args.cases)) {
  const blob = i => unb64(t.blobs[i])
  const r = t.cases.map(c => { try { return one(c) } catch (e) { console.error(t.trace, c.op, c.desc, e.message); return {} } })
  function one (c) {
    switch (c.op) {
      case 'merge': {
        let ins = c.in.map(blob)
        if (mode === 'reorder') ins = ins.reverse()
        if (mode === 'corrupt' && ins.length > 1) ins = ins.slice(1)
        return { o: b64(Y.mergeUpdates(ins)) }
      }
      case 'sv': {
        const sv = Y.encodeStateVectorFromUpdate(blob(c.in[0]))
        if (mode === 'corrupt' && sv.length > 2) {
          const m = Y.decodeStateVector(sv)
          m.delete(m.keys().next().value)
          return { o: b64(Y.encodeStateVector(m)) }
        }
        return { o: b64(sv) }
      }
      case 'diff': {
        const d = Y.diffUpdate(blob(c.in[0]), blob(c.sv))
        return { o: b64(mode === 'corrupt' ? new Uint8Array([...d, 0]) : d) }
      }
      default: return {}
    }
  }
  out.write(JSON.stringify({ trace: t.trace, r }) + '\n')
}
await new Promise(resolve => out.end(resolve))
