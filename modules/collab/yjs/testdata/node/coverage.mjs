// coverage.mjs counts what a case file exercises: struct kinds and content
// types in the inputs, Skips, surrogate halves replaced by U+FFFD in yjs
// outputs, and how many cases of each kind there are.
//
//   node coverage.mjs --cases cases.ndjson
import * as Y from 'yjs'
import { readNDJSON, unb64, parseArgs } from './lib.mjs'

const args = parseArgs(process.argv.slice(2))
const count = {}
const inc = k => { count[k] = (count[k] ?? 0) + 1 }
const names = { ContentString: 'string', ContentAny: 'any', ContentJSON: 'json (legacy)', ContentDeleted: 'deleted', ContentBinary: 'binary', ContentEmbed: 'embed', ContentFormat: 'format', ContentType: 'type', ContentDoc: 'subdocument' }
for await (const t of readNDJSON(args.cases)) {
  inc('traces')
  const seen = new Set()
  for (const c of t.cases) {
    inc('case ' + c.op)
    for (const i of c.in.concat(c.want !== undefined ? [c.want] : [])) {
      if (seen.has(i) || c.op === 'sv' || c.op === 'decsv') continue
      seen.add(i)
      const { structs, ds } = Y.decodeUpdate(unb64(t.blobs[i]))
      if (ds.clients.size > 0) inc('updates with a delete set')
      for (const s of structs) {
        if (s.id.clock >= 16384) inc('structs at clock >= 2^14')
        if (s.id.client >= 2 ** 32) inc('structs of clients >= 2^32')
        if (s instanceof Y.GC) inc('struct GC')
        else if (s instanceof Y.Skip) inc('struct Skip')
        else {
          inc('content ' + names[s.content.constructor.name])
          if (s.content instanceof Y.ContentType) inc('type ' + s.content.type.constructor.name)
          if (s.content instanceof Y.ContentString && s.content.str.includes('\ufffd')) inc('string with U+FFFD (sliced surrogate pair)')
          if (s.content instanceof Y.ContentString && /[\ud800-\udbff]/.test(s.content.str)) inc('string with astral characters')
        }
      }
    }
  }
}
for (const k of Object.keys(count).sort()) console.log(String(count[k]).padStart(9), k)
