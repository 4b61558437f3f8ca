// Applies every state Go encoded, and yjs's own encoding of the same
// document, to fresh yjs documents and checks that both give the same
// content.  node check.mjs states.ndjson
import * as Y from 'yjs'
import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { ROOTS, expectOf } from './lib.mjs'

const fresh = (b64) => {
  const d = new Y.Doc()
  ROOTS.forEach(([name, kind]) => d[kind](name))
  Y.applyUpdate(d, Buffer.from(b64, 'base64'))
  return expectOf(d)
}

const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean)
let bad = 0
for (const line of lines) {
  const c = JSON.parse(line)
  let got
  try {
    got = fresh(c.state)
  } catch (e) {
    if (bad++ < 10) console.log(`${c.where}: yjs cannot apply Go's state: ${e}`)
    continue
  }
  const want = fresh(c.yjsState)
  if (!isDeepStrictEqual(got.json, want.json) || got.xmlString !== want.xmlString || !isDeepStrictEqual(got.delta, want.delta)) {
    if (bad++ < 10) console.log(`${c.where}: content differs\n got ${JSON.stringify(got.json)}\nwant ${JSON.stringify(want.json)}`)
  }
}
console.log(`${lines.length - bad} of ${lines.length} Go states give yjs the same content`)
if (bad > 0) process.exit(1)
