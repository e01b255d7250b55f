// Profile browse paths (`robotics:Axes/[1]/di:ParameterSet/robotics:ActualPosition`)
// parsed into segments whose namespaces are URIs, resolved to indexes per session.
import { BUILTIN_NAMESPACES } from '../../../../device-profiles/schema/profile.ts';

export type Segment =
  | { readonly kind: 'name'; readonly namespaceUri: string; readonly name: string }
  | { readonly kind: 'any'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number };

export function parseBrowsePath(path: string, aliases: Readonly<Record<string, string>>): Segment[] {
  const all = { ...BUILTIN_NAMESPACES, ...aliases };
  return path.split('/').map((seg): Segment => {
    const index = /^\[(\d+)\]$/.exec(seg);
    if (index) return { kind: 'index', index: Number(index[1]) };
    const colon = seg.indexOf(':');
    const alias = seg.slice(0, colon);
    const name = seg.slice(colon + 1);
    if (alias === '*') return { kind: 'any', name };
    const uri = all[alias];
    if (!uri) throw new Error(`unknown namespace alias "${alias}" in ${path}`);
    return { kind: 'name', namespaceUri: uri, name };
  });
}

export function formatSegment(s: Segment): string {
  return s.kind === 'index' ? `[${s.index}]` : s.kind === 'any' ? `*:${s.name}` : `${s.namespaceUri}:${s.name}`;
}

/** Numeric-aware order of browse names, so Axis10 comes after Axis9. */
export const naturalOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;
