/**
 * A small ONNX graph builder over onnx-proto (protobufjs): named inputs, initializers,
 * nodes and outputs, encoded to a ModelProto. Opset 13 / IR 7: every op used here exists in
 * that opset and onnxruntime runs it on CPU; ReduceSum takes its axes as an input there,
 * ReduceMax and ReduceSumSquare as an attribute.
 */
import onnxProto from 'onnx-proto';
import type { onnx as O } from 'onnx-proto';

const { onnx } = onnxProto;
type ElemKind = 'float32' | 'float64' | 'int64';

export const OPSET = 13;
export const IR_VERSION = 7;

const DT = onnx.TensorProto.DataType;
export const ELEM: Record<ElemKind, number> = { float32: DT.FLOAT, float64: DT.DOUBLE, int64: DT.INT64 };

/** Attribute values, tagged so an integer attribute is never encoded as a float. */
export type Attr = { i: number } | { ints: number[] } | { f: number };

export interface ValueInfo {
  name: string;
  dtype: ElemKind;
  /** A string is a symbolic dimension (the batch). */
  dims: (number | string)[];
}

function valueInfo(v: ValueInfo): O.IValueInfoProto {
  const dim = v.dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name: v.name, type: { tensorType: { elemType: ELEM[v.dtype], shape: { dim } } } };
}

/** Little-endian bytes of a typed array (ONNX raw_data is little-endian; so is every host Node ships for). */
function rawBytes(a: Float32Array | Float64Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export class GraphBuilder {
  private readonly nodes: O.INodeProto[] = [];
  private readonly inits: O.ITensorProto[] = [];
  private readonly ins: ValueInfo[] = [];
  private readonly outs: ValueInfo[] = [];
  private counter = 0;

  input(v: ValueInfo): string {
    this.ins.push(v);
    return v.name;
  }

  output(v: ValueInfo): void {
    this.outs.push(v);
  }

  /** A constant tensor; returns its name. */
  constant(prefix: string, dtype: ElemKind, dims: number[], values: ArrayLike<number>): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`constant ${prefix}: ${values.length} values for shape [${dims}]`);
    const name = `${prefix}_${this.counter++}`;
    const data =
      dtype === 'float32'
        ? Float32Array.from(values)
        : dtype === 'float64'
          ? Float64Array.from(values)
          : BigInt64Array.from(Array.from(values, (x) => BigInt(x)));
    this.inits.push({ name, dims, dataType: ELEM[dtype], rawData: rawBytes(data) });
    return name;
  }

  /** Adds a node; returns its output names (`outputs` of them). */
  nodeN(op: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}): string[] {
    const out = Array.from({ length: outputs }, () => `${op.toLowerCase()}_${this.counter++}`);
    const attribute = Object.entries(attrs).map(([name, a]) => {
      const T = onnx.AttributeProto.AttributeType;
      if ('i' in a) return { name, type: T.INT, i: a.i };
      if ('ints' in a) return { name, type: T.INTS, ints: a.ints };
      return { name, type: T.FLOAT, f: a.f };
    });
    this.nodes.push({ opType: op, input: inputs, output: out, name: `${op}_${this.nodes.length}`, attribute });
    return out;
  }

  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.nodeN(op, inputs, 1, attrs)[0]!;
  }

  /** Renames a value to a graph output name (Identity keeps names stable for any graph). */
  expose(value: string, v: ValueInfo): void {
    this.nodes.push({ opType: 'Identity', input: [value], output: [v.name], name: `out_${v.name}` });
    this.output(v);
  }

  cast(value: string, to: ElemKind): string {
    return this.node('Cast', [value], { to: { i: ELEM[to] } });
  }

  encode(meta: { name: string; doc: string; props: Record<string, string> }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'wrp',
      producerVersion: '0.1.0',
      docString: meta.doc,
      opsetImport: [{ domain: '', version: OPSET }],
      metadataProps: Object.entries(meta.props).map(([key, value]) => ({ key, value })),
      graph: {
        name: meta.name,
        node: this.nodes,
        initializer: this.inits,
        input: this.ins.map(valueInfo),
        output: this.outs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
