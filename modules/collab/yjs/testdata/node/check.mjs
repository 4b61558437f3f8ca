// check.mjs compares the Go codec's results with the yjs results of a case
// file written by gen.mjs and prints a JSON summary on stdout.
//
// Usage: node check.mjs --cases cases.ndjson --results results.ndjson [--dump dir] [--max 20]
//
// The results file has one line per trace, in the same order as the case
// file: {"trace":i,"r":[{"o":base64} | {"e":"error text"} | {}]}.
//
// A merge or diff result passes when it is byte-identical to yjs, or when
// applying it to a fresh Y.Doc (on top of the client state the state vector
// came from, when known) gives the same content of every root, the same state
// vector, the same delete set and the same pending structs and deletes as the
// yjs result. A state vector passes when it decodes to the same map.
import * as Y from 'yjs'
import fs from 'node:fs'
import path from 'node:path'
import { readNDJSON, unb64, parseArgs, canonicalUpdate, docState, firstDiff, svToObject, v1UpdateLength, stateVectorLength } from './lib.mjs'

const args = parseArgs(process.argv.slice(2))
const maxList = Number(args.max ?? 20)
const dumpDir = args.dump ?? null

const summary = { cases: 0, byteIdentical: 0, structEqual: 0, semanticEqual: 0, mismatches: 0, goErrors: 0, byOp: {}, kinds: [], first: [], semanticOnly: [], harnessErrors: 0, harnessFirst: [] }
const kinds = new Map()

// classify reduces a mismatch description to its kind: the error text
// without numbers, or the first field of the document state that differs.
function classify (detail) {
  if (detail.startsWith('Go returned an error: ')) {
    return 'Go error: ' + detail.slice(21).split('\n')[0].replace(/[0-9]+/g, 'N').slice(0, 100)
  }
  const m = /^(\w+) differs/.exec(detail)
  if (m) return m[1] + ' differs'
  return detail.replace(/[0-9]+/g, 'N').slice(0, 60)
}
const opStats = op => (summary.byOp[op] ??= { cases: 0, byteIdentical: 0, structEqual: 0, semanticEqual: 0, mismatches: 0, goErrors: 0 })

function equalBytes (a, b) {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0
}

function dump (t, ci, c, got) {
  if (dumpDir === null) return null
  fs.mkdirSync(dumpDir, { recursive: true })
  const prefix = path.join(dumpDir, `seed${t.seed}-trace${t.trace}-case${ci}-${c.op}`)
  c.in.forEach((b, k) => fs.writeFileSync(`${prefix}.in${k}.bin`, unb64(t.blobs[b])))
  if (c.sv !== undefined) fs.writeFileSync(`${prefix}.sv.bin`, unb64(t.blobs[c.sv]))
  if (c.base !== undefined) fs.writeFileSync(`${prefix}.base.bin`, unb64(t.blobs[c.base]))
  if (c.want !== undefined) fs.writeFileSync(`${prefix}.yjs.bin`, unb64(t.blobs[c.want]))
  if (got) fs.writeFileSync(`${prefix}.go.bin`, got)
  return prefix + '.*'
}

// compareUpdates returns null when got and want carry the same document, or
// a description of the first difference.
function compareUpdates (got, want, base) {
  let gs
  try {
    canonicalUpdate(got)
  } catch (e) {
    return 'yjs cannot decode the Go update: ' + e.message
  }
  try {
    gs = docState(base ? [base, got] : [got])
  } catch (e) {
    return 'yjs cannot apply the Go update: ' + e.message
  }
  const ws = docState(base ? [base, want] : [want])
  return firstDiff(gs, ws)
}

const results = readNDJSON(args.results)[Symbol.asyncIterator]()
for await (const t of readNDJSON(args.cases)) {
  const { value: res, done } = await results.next()
  if (done || res.trace !== t.trace) {
    console.error(`check: results out of step at trace ${t.trace} (got ${done ? 'end of file' : res.trace})`)
    process.exit(2)
  }
  t.cases.forEach((c, ci) => {
    try {
      checkCase(t, res, c, ci)
    } catch (e) {
      // A failure of the harness itself (yjs rejecting its own result, a
      // bug here): reported apart, and the Go test fails on it.
      summary.harnessErrors++
      if (summary.harnessFirst.length < maxList) {
        summary.harnessFirst.push(`seed ${t.seed} trace ${t.trace} case ${ci} (${c.op}: ${c.desc}): ${e.stack}`)
      }
    }
  })
}

// checkCase judges the Go result of one case.
function checkCase (t, res, c, ci) {
  if (c.op === 'decsv') return // checked on the Go side
  const st = opStats(c.op)
  summary.cases++; st.cases++
  const r = res.r[ci] ?? {}
  const fail = (detail, got) => {
    summary.mismatches++; st.mismatches++
    // Group mismatches by op and kind of difference, and keep the first
    // example of every group, so one frequent bug does not hide others.
    const kind = c.op + ': ' + classify(detail)
    let k = kinds.get(kind)
    if (!k) {
      k = { kind, count: 0, example: null }
      kinds.set(kind, k)
    }
    k.count++
    if (k.example === null && kinds.size <= maxList) {
      k.example = {
        kind,
        seed: t.seed,
        trace: t.trace,
        case: ci,
        op: c.op,
        desc: c.desc,
        trace_desc: t.desc,
        detail,
        files: dump(t, ci, c, got),
        repro: `node gen.mjs --seed ${t.seed} --from ${t.trace} --traces 1`
      }
    }
  }
  if (r.e !== undefined) {
    summary.goErrors++; st.goErrors++
    fail('Go returned an error: ' + r.e, null)
    return
  }
  if (r.o === undefined) { fail('no Go result', null); return }
  const got = unb64(r.o)
  const want = unb64(t.blobs[c.want])
  if (equalBytes(got, want)) {
    summary.byteIdentical++; st.byteIdentical++
    summary.semanticEqual++; st.semanticEqual++
    summary.structEqual++; st.structEqual++
    return
  }
  // yjs ignores bytes after the end, so check the exact length first.
  let len
  try {
    len = c.op === 'sv' ? stateVectorLength(got) : v1UpdateLength(got)
  } catch (e) {
    fail(`the Go ${c.op === 'sv' ? 'state vector' : 'update'} is malformed: ${e.message}`, got)
    return
  }
  if (len !== got.length) {
    fail(`the Go ${c.op === 'sv' ? 'state vector' : 'update'} has ${got.length - len} trailing bytes`, got)
    return
  }
  if (c.op === 'sv') {
    let g
    try { g = svToObject(Y.decodeStateVector(got)) } catch (e) { fail('yjs cannot decode the Go state vector: ' + e.message, got); return }
    const w = svToObject(Y.decodeStateVector(want))
    if (JSON.stringify(g) === JSON.stringify(w)) { summary.semanticEqual++; st.semanticEqual++ } else fail(`sv differs: go=${JSON.stringify(g)} yjs=${JSON.stringify(w)}`, got)
    return
  }
  let structEq = false
  let cg = null
  let cw = null
  try { cg = canonicalUpdate(got); cw = canonicalUpdate(want); structEq = cg === cw } catch (e) {}
  if (structEq) { summary.structEqual++; st.structEqual++ }
  const base = c.base !== undefined ? unb64(t.blobs[c.base]) : null
  const d = compareUpdates(got, want, base)
  if (d === null) {
    summary.semanticEqual++; st.semanticEqual++
    // Not byte-identical: keep a few examples of how the bytes differ.
    if (summary.semanticOnly.length < 3) {
      summary.semanticOnly.push({
        seed: t.seed,
        trace: t.trace,
        case: ci,
        op: c.op,
        desc: c.desc,
        detail: structEq ? `canonical structs equal; sizes go=${got.length} yjs=${want.length}` : firstDiff({ structs: cg }, { structs: cw }),
        files: dump(t, ci, c, got)
      })
    }
  } else fail(d + (structEq ? ' (canonical structs equal)' : ''), got)
}
summary.kinds = Array.from(kinds.values()).sort((a, b) => b.count - a.count).map(k => ({ kind: k.kind, count: k.count }))
summary.first = Array.from(kinds.values()).filter(k => k.example !== null).map(k => k.example)
process.stdout.write(JSON.stringify(summary) + '\n')
