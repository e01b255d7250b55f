// `fieldlab profiles browse opc.tcp://...`: walks a live server below a device's root and
// writes a profile skeleton with every variable found, its type and its browse path, so a
// new machine starts from what it really exposes. The result validates as a profile.
import { stringify } from 'yaml';
import { AttributeIds, BrowseDirection, DataType, NodeClass, OPCUAClient, resolveNodeId, type ClientSession, type NodeId } from 'node-opcua';
import { BUILTIN_NAMESPACES, ProfileSchema, type DeviceKind, type SignalType } from '../../../../device-profiles/schema/profile.ts';
import { parseBrowsePath } from './browse-path.ts';
import { resolvePaths } from './resolve.ts';

export interface BrowseOptions {
  readonly endpoint: string;
  /** Browse path of the device root from the Objects folder. */
  readonly root: string;
  readonly id: string;
  readonly kind: DeviceKind;
  readonly maxDepth?: number;
  readonly maxSignals?: number;
}

interface Found {
  readonly path: string[];
  readonly nodeId: NodeId;
}

export async function browseProfile(options: BrowseOptions): Promise<string> {
  const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1 } });
  await client.connect(options.endpoint);
  try {
    const session = await client.createSession();
    try {
      return await walk(session, options);
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}

async function walk(session: ClientSession, o: BrowseOptions): Promise<string> {
  const namespaces = (await session.readNamespaceArray()) as string[];
  const aliasOf = new Map<string, string>(Object.entries(BUILTIN_NAMESPACES).map(([alias, uri]) => [uri, alias]));
  const extra: Record<string, string> = {};
  const alias = (ns: number) => {
    const uri = namespaces[ns] ?? `urn:unknown:${ns}`;
    let a = aliasOf.get(uri);
    if (!a) {
      a = `ns${Object.keys(extra).length + 1}`;
      extra[a] = uri;
      aliasOf.set(uri, a);
    }
    return a;
  };
  const [root] = await resolvePaths(session, resolveNodeId('ObjectsFolder'), [parseBrowsePath(o.root, {})]);
  if (!root?.ok) throw new Error(`root ${o.root} not found on ${o.endpoint}: ${root?.error}`);

  const found: Found[] = [];
  const maxDepth = o.maxDepth ?? 8;
  const maxSignals = o.maxSignals ?? 400;
  const queue: { nodeId: NodeId; path: string[] }[] = [{ nodeId: root.nodeId, path: [] }];
  while (queue.length > 0 && found.length < maxSignals) {
    const { nodeId, path } = queue.shift()!;
    if (path.length >= maxDepth) continue;
    const result = await session.browse({ nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, resultMask: 63 });
    for (const ref of result.references ?? []) {
      const segment = `${alias(ref.browseName.namespaceIndex)}:${ref.browseName.name}`;
      const child = { nodeId: resolveNodeId(ref.nodeId.toString()), path: [...path, segment] };
      if (ref.nodeClass === NodeClass.Variable) found.push(child);
      if (ref.nodeClass === NodeClass.Object || ref.nodeClass === NodeClass.Variable) queue.push(child);
    }
  }

  const types = await session.read(found.map((f) => ({ nodeId: f.nodeId, attributeId: AttributeIds.DataType })));
  const ranks = await session.read(found.map((f) => ({ nodeId: f.nodeId, attributeId: AttributeIds.ValueRank })));
  const signals: Record<string, { type: SignalType; description: string }> = {};
  const bindings: Record<string, { path: string }> = {};
  found.forEach((f, i) => {
    const type = signalType(types[i]!.value.value as NodeId | null, ranks[i]!.value.value as number);
    if (!type) return;
    let name = snake(f.path.slice(-3).map((s) => s.split(':')[1]!).filter((s) => s !== 'ParameterSet').join('_'));
    for (let n = 2; name in signals; n++) name = `${name}_${n}`;
    signals[name] = { type, description: f.path.join('/') };
    bindings[name] = { path: f.path.join('/') };
  });
  const profile = {
    id: o.id,
    kind: o.kind,
    vendor: 'TODO',
    model: 'TODO',
    description: `Skeleton from ${o.endpoint} below ${o.root}: trim the signals, add units and ranges, and replace vendor-named instances with [n] where the spec has a placeholder.`,
    signals,
    opcua: { namespaces: extra, root: o.root, signals: bindings },
  };
  // Everything written must load: a skeleton that fails its own schema helps nobody.
  ProfileSchema.parse(profile);
  return stringify(profile, { lineWidth: 0 });
}

const NUMERIC_INT = new Set([DataType.SByte, DataType.Byte, DataType.Int16, DataType.UInt16, DataType.Int32, DataType.UInt32, DataType.Int64, DataType.UInt64]);

function signalType(dataType: NodeId | null, valueRank: number): SignalType | undefined {
  // Scalars of the built-in types only; arrays and structures need a person's choice.
  if (!dataType || dataType.namespace !== 0 || (valueRank !== -1 && valueRank !== undefined)) return undefined;
  const id = Number(dataType.value);
  if (id === DataType.Double || id === DataType.Float) return 'float';
  if (NUMERIC_INT.has(id)) return 'int';
  if (id === DataType.Boolean) return 'bool';
  if (id === DataType.String || id === DataType.LocalizedText) return 'string';
  return undefined;
}

function snake(s: string): string {
  const out = s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return /^[a-z]/.test(out) ? out : `s_${out}`;
}
