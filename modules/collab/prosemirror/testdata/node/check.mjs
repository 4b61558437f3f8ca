// Reads NDJSON lines {updates: [base64...]} on stdin, applies each line's
// updates to a fresh Y.Doc and prints, per line, the 'prosemirror'
// fragment as yXmlFragmentToProsemirrorJSON reads it (normalised by
// Node.fromJSON), or {error}.
import * as Y from 'yjs'
import readline from 'node:readline'
import { Node } from 'prosemirror-model'
import { yXmlFragmentToProsemirrorJSON } from 'y-prosemirror'
import { ySchema } from './lib.mjs'

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of rl) {
  if (!line) continue
  const { updates } = JSON.parse(line)
  try {
    const ydoc = new Y.Doc()
    for (const u of updates) Y.applyUpdate(ydoc, Buffer.from(u, 'base64'))
    const json = yXmlFragmentToProsemirrorJSON(ydoc.getXmlFragment('prosemirror'))
    process.stdout.write(JSON.stringify({ json: Node.fromJSON(ySchema, json).toJSON() }) + '\n')
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) }) + '\n')
  }
}
