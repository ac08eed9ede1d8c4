/**
 * A minimal WebAssembly binary emitter: just enough of the format (types, one memory, functions, exports; the
 * numeric, memory and control instructions the XNOR kernel uses) to assemble kernels at runtime. It exists
 * because no wasm toolchain is assumed at build time; the bytes it emits are validated by the engine on compile.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

/** Opcodes used by the kernels (WebAssembly core spec, binary format). */
export const Op = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29, f32Load: 0x2a, f64Load: 0x2b, i32Store: 0x36, f32Store: 0x38,
  i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32LtU: 0x49,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32Or: 0x72, i32Shl: 0x74,
  i64Popcnt: 0x7b, i64Add: 0x7c, i64Xor: 0x85, i64Shl: 0x86,
  f64Add: 0xa0, f64Sub: 0xa1, f64Mul: 0xa2,
  i32WrapI64: 0xa7, f32DemoteF64: 0xb6, f64ConvertI32S: 0xb7, f64ConvertI64S: 0xb9,
} as const;

/** SIMD (0xfd-prefixed) opcodes, their LEB128 sub-opcode numbers. */
export const Simd = {
  v128Load: 0x00, v128Store: 0x0b, v128Const: 0x0c, f32x4Lt: 0x43, f32x4Ge: 0x46, v128Not: 0x4d, v128Bitselect: 0x52,
  i32x4Bitmask: 0xa4, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6,
} as const;

export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`uleb: expected a non-negative integer, got ${n}`);
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  if (!Number.isInteger(n)) throw new Error(`sleb: expected an integer, got ${n}`);
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n = Math.floor(n / 128);
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Bytes of one function body, written instruction by instruction. */
export class CodeWriter {
  readonly bytes: number[] = [];
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  get(i: number): this { return this.op(Op.localGet, ...uleb(i)); }
  set(i: number): this { return this.op(Op.localSet, ...uleb(i)); }
  tee(i: number): this { return this.op(Op.localTee, ...uleb(i)); }
  i32(v: number): this { return this.op(Op.i32Const, ...sleb(v)); }
  i64(v: number): this { return this.op(Op.i64Const, ...sleb(v)); }
  /** A load or store with log2 alignment and a constant byte offset. */
  mem(opcode: number, alignLog2: number, offset: number): this { return this.op(opcode, ...uleb(alignLog2), ...uleb(offset)); }
  /** `block`/`loop` with no result. */
  begin(opcode: typeof Op.block | typeof Op.loop): this { return this.op(opcode, 0x40); }
  end(): this { return this.op(Op.end); }
  brIf(depth: number): this { return this.op(Op.brIf, ...uleb(depth)); }
  /** A SIMD instruction (0xfd prefix), with its immediates. */
  simd(sub: number, ...imm: number[]): this { return this.op(0xfd, ...uleb(sub), ...imm); }
}

export interface FuncSpec {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Extra locals (after the params), in order. */
  locals: ValType[];
  body: CodeWriter;
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/**
 * A module with one exported memory ('memory', `minPages` 64 KiB pages) and the given exported functions. With
 * `imported`, the memory is instead imported as env.memory: shared, of at most `maxPages` pages (the form several
 * threads instantiate over one WebAssembly.Memory, xnor-threads.ts), or plain with no maximum (another module's
 * memory, e.g. tfjs-backend-wasm's heap, xnor-conv-wasm.ts).
 */
export function assembleModule(funcs: FuncSpec[], minPages = 1, imported?: { shared: true; maxPages: number } | { shared: false }): Uint8Array {
  const types = funcs.map((f) => [0x60, ...uleb(f.params.length), ...f.params, ...uleb(f.results.length), ...f.results]);
  const funcIdx = funcs.map((_, i) => uleb(i));
  // limits: 0x00 min only; 0x03 shared, min and max (a shared memory must declare its maximum)
  const limits = !imported ? [] : imported.shared ? [0x03, ...uleb(minPages), ...uleb(imported.maxPages)] : [0x00, ...uleb(minPages)];
  const memory = imported ? [] : [[0x00, ...uleb(minPages)]];
  const imports = imported ? [[...name('env'), ...name('memory'), 0x02, ...limits]] : [];
  const exports = [
    [...name('memory'), 0x02, 0x00],
    ...funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]),
  ];
  const code = funcs.map((f) => {
    // Locals grouped as runs of one type.
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([n, t]) => [...uleb(n), t])), ...f.body.bytes, Op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...(imports.length ? section(2, vec(imports)) : []),
    ...section(3, vec(funcIdx)),
    ...(memory.length ? section(5, vec(memory)) : []),
    ...section(7, vec(exports)),
    ...section(10, vec(code)),
  ]);
}
