import type { DType } from '../dtype.js';
import { NDArray } from '../ndarray.js';
import { captureSite, type Site } from '../site.js';
import { HypatiaError } from '../errors.js';
import { TensorType, type Dim } from './type.js';
import type { Apply } from './apply.js';

let nextId = 1;

/** A symbolic tensor: a graph input, or output `index` of the Apply node `owner`. */
export class Variable {
  readonly id = nextId++;
  readonly site: Site;
  constructor(
    readonly type: TensorType,
    readonly owner: Apply | null = null,
    readonly index = 0,
    public name?: string,
    site?: Site,
  ) {
    this.site = site ?? captureSite();
  }

  get dtype(): DType { return this.type.dtype; }
  get shape(): readonly Dim[] { return this.type.shape; }
  get ndim(): number { return this.type.ndim; }

  toString(): string {
    return this.name ?? (this.owner ? `${this.owner.op.name}.${this.index}` : `<${this.type}>`);
  }
}

/** A value fixed in the graph. Equal constants are merged by CSE, so equality is by value. */
export class Constant extends Variable {
  private sig: string | undefined;
  constructor(readonly value: NDArray, name?: string) {
    super(new TensorType(value.dtype, value.shape), null, 0, name);
  }

  /** A content signature: dtype, shape and every element. */
  signature(): string {
    if (this.sig === undefined) {
      const d = this.value.data;
      let h = 2166136261;
      const parts: string[] = [];
      for (let i = 0; i < d.length; i++) {
        if (d.length <= 16) parts.push(String(d[i]));
        h = Math.imul(h ^ Math.floor(d[i]! * 1e6 % 2147483647), 16777619);
      }
      this.sig = `${this.value.dtype}[${this.value.shape.join(',')}]${d.length <= 16 ? parts.join(',') : `#${(h >>> 0).toString(16)}:${d.length}`}`;
    }
    return this.sig;
  }

  override toString(): string {
    if (this.name) return this.name;
    return this.value.size === 1 ? String(this.value.data[0]) : `constant ${this.type}`;
  }
}

/** What a backend keeps on its device for a shared variable; the host copy may be stale while it exists. */
export interface DeviceValue {
  readonly backend: string;
  /** The value's shape, known without reading it back. */
  readonly shape: readonly number[];
  /** Read back synchronously, where the device allows it (CPU memory). */
  readSync?(): NDArray;
  read(): Promise<NDArray>;
  release(): void;
}

/**
 * A variable whose value persists across calls (weights, datasets). Compiled functions read it
 * implicitly and may update it; `get`/`set` reach it from the host.
 */
export class SharedVariable extends Variable {
  private host: NDArray | null;
  private device: DeviceValue | null = null;
  /** Bumped on every change, so a backend can tell whether its device copy is current. */
  version = 0;
  /** An update applied on every call of a function that uses this variable, unless the call gives its own (Theano's default_update). */
  defaultUpdate: Variable | null = null;

  constructor(value: NDArray, type: TensorType, name?: string) {
    super(type, null, 0, name);
    SharedVariable.check(type, value, name);
    this.host = value;
  }

  private static check(type: TensorType, v: NDArray, name?: string): void {
    const why = type.mismatch(v);
    if (why) throw new HypatiaError(`shared ${name ?? ''}`.trim(), `value ${v.dtype}[${v.shape.join(', ')}] does not fit the variable's type ${type}: ${why}`);
  }

  /**
   * The current value on the host, as a copy (Theano's get_value): mutating it changes nothing, and
   * later calls cannot change it. `{ borrow: true }` returns the internal array itself, without
   * copying: do not mutate it, and read it before the next call of a function that updates this
   * variable, which may overwrite it in place.
   */
  get(opts?: { borrow?: boolean }): NDArray {
    const v = this.hostNow();
    return opts?.borrow ? v : v.copy();
  }

  /**
   * `get` for values that may live on a device that reads back asynchronously (WebGPU). The value
   * read back is kept as the host copy, unless the variable changed while it was being read.
   */
  async getAsync(opts?: { borrow?: boolean }): Promise<NDArray> {
    if (this.host) return opts?.borrow ? this.host : this.host.copy();
    const version = this.version;
    const read = await this.device!.read();
    // Changed meanwhile: `read` is the value as of the call, held by nobody else.
    if (this.version !== version) return read;
    this.host = read;
    return opts?.borrow ? read : read.copy();
  }

  /** The current value's shape, without reading a device value back. */
  get valueShape(): readonly number[] {
    return this.host ? this.host.shape : this.device!.shape;
  }

  private hostNow(): NDArray {
    if (this.host) return this.host;
    const d = this.device!;
    if (!d.readSync) {
      throw new HypatiaError(`shared ${this.name ?? ''}`.trim(), `the value lives on the ${d.backend} device; use await getAsync()`);
    }
    this.host = d.readSync();
    return this.host;
  }

  /** Replace the value (a copy is taken, so later changes to `v` do not leak in). */
  set(v: NDArray): void {
    SharedVariable.check(this.type, v, this.name);
    this.assign(v.copy());
  }

  /** For backends: adopt `v` as the new host value without copying. */
  assign(v: NDArray): void {
    this.device?.release();
    this.device = null;
    this.host = v;
    this.version++;
  }

  /** For backends: the new value lives on a device; the host copy is read back lazily. */
  assignDevice(d: DeviceValue): void {
    if (this.device && this.device !== d) this.device.release();
    this.device = d;
    this.host = null;
    this.version++;
  }

  get deviceValue(): DeviceValue | null { return this.device; }
  get hostValue(): NDArray | null { return this.host; }
}

/** Whether `v` is a Constant (a value fixed in the graph). */
export function isConstant(v: Variable): v is Constant { return v instanceof Constant; }
/** Whether `v` is a SharedVariable (state kept between calls). */
export function isShared(v: Variable): v is SharedVariable { return v instanceof SharedVariable; }
