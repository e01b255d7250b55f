// Resolves browse paths to node ids on a live session, level by level for all paths at
// once: exact segments through TranslateBrowsePathsToNodeIds in one batched call per level,
// `*:Name` and `[n]` segments by browsing each parent once. Called on every (re)connect,
// because node ids may change when a server restarts.
import { BrowseDirection, NodeClassMask, NodeId, makeBrowsePath, resolveNodeId, type ClientSession, type BrowsePath } from 'node-opcua';
import { formatSegment, naturalOrder, type Segment } from './browse-path.ts';

export type Resolution = { readonly ok: true; readonly nodeId: NodeId } | { readonly ok: false; readonly error: string };

interface Walk {
  node: NodeId;
  readonly segments: readonly Segment[];
  at: number;
  error?: string;
}

const BATCH = 200;

export async function resolvePaths(session: ClientSession, start: NodeId, paths: readonly (readonly Segment[])[]): Promise<Resolution[]> {
  const namespaces = (await session.readNamespaceArray()) as string[];
  const walks: Walk[] = paths.map((segments) => ({ node: start, segments, at: 0 }));
  const browseCache = new Map<string, { name: string; nodeId: NodeId }[]>();
  for (;;) {
    const active = walks.filter((w) => !w.error && w.at < w.segments.length);
    if (active.length === 0) break;
    const exact: { walk: Walk; path: BrowsePath }[] = [];
    for (const w of active) {
      const seg = w.segments[w.at]!;
      if (seg.kind === 'name') {
        const ns = namespaces.indexOf(seg.namespaceUri);
        if (ns < 0) {
          w.error = `namespace ${seg.namespaceUri} is not on this server`;
          continue;
        }
        exact.push({ walk: w, path: makeBrowsePath(w.node, `/${ns}:${escapeName(seg.name)}`) });
      } else {
        const children = await browseChildren(session, w.node, browseCache);
        const hit =
          seg.kind === 'any'
            ? children.find((c) => c.name === seg.name)
            : [...children].sort((a, b) => naturalOrder(a.name, b.name))[seg.index - 1];
        if (!hit) w.error = `no child ${formatSegment(seg)} under ${w.node.toString()} (children: ${children.map((c) => c.name).join(', ') || 'none'})`;
        else {
          w.node = hit.nodeId;
          w.at++;
        }
      }
    }
    for (let i = 0; i < exact.length; i += BATCH) {
      const chunk = exact.slice(i, i + BATCH);
      const results = await session.translateBrowsePath(chunk.map((c) => c.path));
      results.forEach((r, k) => {
        const w = chunk[k]!.walk;
        const target = r.statusCode.isGood() ? r.targets?.[0]?.targetId : undefined;
        if (!target) w.error = `${formatSegment(w.segments[w.at]!)} not found under ${w.node.toString()} (${r.statusCode.name})`;
        else {
          w.node = NodeId.resolveNodeId(target.toString());
          w.at++;
        }
      });
    }
  }
  return walks.map((w) => (w.error ? { ok: false, error: w.error } : { ok: true, nodeId: w.node }));
}

async function browseChildren(session: ClientSession, node: NodeId, cache: Map<string, { name: string; nodeId: NodeId }[]>) {
  const key = node.toString();
  let children = cache.get(key);
  if (!children) {
    const result = await session.browse({
      nodeId: node,
      browseDirection: BrowseDirection.Forward,
      referenceTypeId: 'HierarchicalReferences',
      includeSubtypes: true,
      nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
      resultMask: 63,
    });
    children = (result.references ?? []).map((r) => ({ name: r.browseName.name ?? '', nodeId: NodeId.resolveNodeId(r.nodeId.toString()) }));
    cache.set(key, children);
  }
  return children;
}

/** `nsu=<uri>;s=...` → a node id with this session's index for the URI. */
export async function resolveExpandedNodeId(session: ClientSession, nsuId: string): Promise<Resolution> {
  const m = /^nsu=([^;]+);(.+)$/.exec(nsuId);
  if (!m) return { ok: false, error: `not an nsu= node id: ${nsuId}` };
  const namespaces = (await session.readNamespaceArray()) as string[];
  const ns = namespaces.indexOf(m[1]!);
  if (ns < 0) return { ok: false, error: `namespace ${m[1]} is not on this server` };
  return { ok: true, nodeId: resolveNodeId(`ns=${ns};${m[2]}`) };
}

// Relative-path text treats these as syntax; escape them in names.
function escapeName(name: string): string {
  return name.replace(/[&/.<>:#!]/g, '&$&');
}
