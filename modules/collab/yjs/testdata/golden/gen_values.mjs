// gen_values.mjs writes random JSON texts with their JSON.stringify(JSON.parse())
// forms, and random lib0 Any encodings with their writeAny(readAny()) forms,
// for values_test.go:
//
//   node gen_values.mjs > values.json
import * as enc from 'lib0/encoding'
import * as dec from 'lib0/decoding'
let seed = 12345
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
const pick = a => a[Math.floor(rnd() * a.length)]
const ws = () => pick(['', '', ' ', '\n', '\t', ' \r\n '])
const num = () => pick(['0', '-0', '1', '-1', '1.0', '1.50', '1e2', '1E-2', '1e+21', '1e21', '123456789012345678901', '0.000001', '0.0000001', '5e-324', '1e-400', '1e400', '-1e400', '9007199254740993', '3.14159265358979323846', '2.5e-7', '1.7976931348623157e308', '100000000000000000000', '0.1', '4.35', String(rnd() * 1e6), String((rnd() - 0.5) * 1e-9), String(Math.floor(rnd() * 1e17))])
const str = () => '"' + pick(['', 'a', 'é', '😀', '\\u00e9', '\\ud83d\\ude00', '\\ud83d', '\\ude00x', '\\n', '\\/', '\\"', '\\\\', '\\u0000', '\\u001f', '\\u007f', '\\u2028', '\\b\\f\\r\\t', '\\uD83D\\uDE00', 'x\\u0041y']) + pick(['', 'k', '1', '__proto__']) + '"'
const key = () => pick(['"a"', '"b"', '"1"', '"0"', '"10"', '"2"', '"01"', '"4294967294"', '"4294967295"', '"-1"', '"1.5"', '"__proto__"', '"\\u0031"', '"a"', '""'])
const val = d => {
  const r = rnd()
  if (d > 4 || r < 0.3) return pick([num, str, () => 'true', () => 'false', () => 'null'])()
  if (r < 0.65) { const n = Math.floor(rnd() * 4); const e = []; for (let i = 0; i < n; i++) e.push(ws() + val(d + 1) + ws()); return '[' + e.join(',') + ']' }
  const n = Math.floor(rnd() * 5); const e = []; for (let i = 0; i < n; i++) e.push(ws() + key() + ws() + ':' + ws() + val(d + 1) + ws()); return '{' + e.join(',') + '}'
}
const out = []
for (let i = 0; i < 400; i++) {
  const t = ws() + val(0) + ws()
  let c
  try { c = JSON.stringify(JSON.parse(t)) } catch (e) { c = null }
  out.push(JSON.stringify({ t, c }))
}
const jsonCases = out.map(l => JSON.parse(l))
// random Any values: encode JS values with lib0, including odd numbers, then mutate tags a bit
const anyOut = []
const anyVal = d => {
  const r = rnd()
  if (d > 3 || r < 0.4) return pick([() => undefined, () => null, () => true, () => false, () => Math.floor((rnd() - 0.5) * 2 ** 34), () => rnd() * 100, () => -0, () => NaN, () => Infinity, () => 2 ** 31, () => -(2 ** 31), () => 'stré😀', () => BigInt(Math.floor(rnd() * 1e15)), () => new Uint8Array([1, 2])])()
  if (r < 0.7) { const n = Math.floor(rnd() * 4); const a = []; for (let i = 0; i < n; i++) a.push(anyVal(d + 1)); return a }
  const o = {}; const n = Math.floor(rnd() * 4); for (let i = 0; i < n; i++) o[pick(['a', 'b', '1', '0', '10', '__x'])] = anyVal(d + 1); return o
}
for (let i = 0; i < 300; i++) {
  const e = enc.createEncoder(); enc.writeAny(e, anyVal(0))
  let b = enc.toUint8Array(e)
  // rewrite some numbers non-canonically: replace varint tag 125 values by float64 forms via re-encode of raw bytes
  const h = Buffer.from(b).toString('hex')
  anyOut.push(h)
}
// also hand-crafted non-canonical objects: duplicate keys, index keys out of order, __proto__
const mk = (pairs) => { const e = enc.createEncoder(); enc.writeUint8(e, 118); enc.writeVarUint(e, pairs.length); for (const [k, v] of pairs) { enc.writeVarString(e, k); enc.writeAny(e, v) } return Buffer.from(enc.toUint8Array(e)).toString('hex') }
anyOut.push(mk([['b', 1], ['2', 2], ['a', 3], ['1', 4], ['b', 5]]), mk([['__proto__', { a: 1 }], ['x', 1]]), mk([['__proto__', 5]]), mk([['10', 1], ['9', 2], ['4294967295', 3], ['4294967294', 4]]))
for (const f of [0.5, 3, 2 ** 40, -0, 1e300, 1.1, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) + 1, -(2 ** 31)]) {
  const e = enc.createEncoder(); enc.writeUint8(e, 123); enc.writeFloat64(e, f); anyOut.push(Buffer.from(enc.toUint8Array(e)).toString('hex'))
}
const res = anyOut.map(h => { try { const v = dec.readAny(dec.createDecoder(Buffer.from(h, 'hex'))); const e = enc.createEncoder(); enc.writeAny(e, v); return JSON.stringify({ h, c: Buffer.from(enc.toUint8Array(e)).toString('hex') }) } catch (e) { return JSON.stringify({ h, c: null }) } })
console.log(JSON.stringify({ json: jsonCases, any: res.map(l => JSON.parse(l)) }))
