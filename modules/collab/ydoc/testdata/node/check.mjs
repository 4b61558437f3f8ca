// Applies every state Go encoded to a fresh yjs document and checks that
// yjs sees the content it expected.  node check.mjs states.ndjson
import * as Y from 'yjs'
import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { ROOTS, expectOf } from './lib.mjs'

const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean)
let bad = 0
for (const line of lines) {
  const c = JSON.parse(line)
  const d = new Y.Doc()
  ROOTS.forEach(([name, kind]) => d[kind](name))
  try {
    Y.applyUpdate(d, Buffer.from(c.state, 'base64'))
  } catch (e) {
    if (bad++ < 10) console.log(`${c.where}: yjs cannot apply Go's state: ${e}`)
    continue
  }
  const got = expectOf(d).json
  if (!isDeepStrictEqual(got, c.json)) {
    if (bad++ < 10) console.log(`${c.where}: content differs\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(c.json)}`)
  }
}
console.log(`${lines.length - bad} of ${lines.length} Go states give yjs the same content`)
if (bad > 0) process.exit(1)
