import type { DeviceModel } from '../../../../device-profiles/schema/load.ts';
import type { SourceKind } from '../../core/source-kind.ts';

/** One OPC UA source per endpoint; the OPC UA stack is loaded only for sites that use it. */
export const opcuaSourceKind: SourceKind = {
  kind: 'opcua',
  async build({ site, config, telemetry }) {
    const endpoints = new Map<string, DeviceModel[]>();
    for (const d of site.devices) {
      if (!d.profileDef.opcua || !d.connection.opcua) continue;
      const list = endpoints.get(d.connection.opcua.endpoint) ?? [];
      list.push(d);
      endpoints.set(d.connection.opcua.endpoint, list);
    }
    if (endpoints.size === 0) return [];
    const { OpcUaSource } = await import('./opcua-source.ts');
    return [...endpoints].map(([endpoint, devices]) => new OpcUaSource({ endpoint, devices, ...config.opcua }, telemetry));
  },
};
