// Construction beside the component: each kind of source says, in its own folder, which
// sources a site needs and how to build them; the runtime asks every kind in this list.
// A new source (Sparkplug B, Modbus) is a folder with its `*-kind.ts` plus one line here.
import type { Source } from '../core/source.ts';
import type { SourceBuildContext, SourceKind } from '../core/source-kind.ts';
import { mqttSourceKind } from './mqtt/mqtt-kind.ts';
import { opcuaSourceKind } from './opcua/opcua-kind.ts';

export const SOURCE_KINDS: readonly SourceKind[] = [mqttSourceKind, opcuaSourceKind];

export async function buildSources(context: SourceBuildContext, kinds: readonly SourceKind[] = SOURCE_KINDS): Promise<Source[]> {
  return (await Promise.all(kinds.map((k) => k.build(context)))).flat();
}
