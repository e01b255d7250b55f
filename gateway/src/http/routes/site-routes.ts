import type { FastifyInstance } from 'fastify';
import type { GatewayReads } from '../../core/gateway-api.ts';
import type { VisitorView } from '../../auth/visitor-view.ts';
import { isVisitor } from '../auth-hooks.ts';
import { satisfies } from '../../auth/roles.ts';

/** The site as the site file declares it, the devices' latest values, and their machine states. */
export function siteRoutes(app: FastifyInstance, api: GatewayReads, visitors: VisitorView): void {
  const { site } = api;
  // How devices are reached (endpoints, user names) is for engineers, not for the visitors' Wi-Fi.
  app.get('/api/site', async (req) => ({
    site: site.site,
    lines: site.lines,
    devices: site.devices.map(({ profileDef, connection, ...d }) => ({
      ...d,
      ...(satisfies(req.identity.role, 'engineer') ? { connection } : {}),
      kind: profileDef.kind,
      vendor: profileDef.vendor,
      model: profileDef.model,
    })),
  }));

  const byId = new Map(site.devices.map((d) => [d.id, d]));
  app.get('/api/devices', async (req) =>
    api.listDevices().map((s) => {
      const d = byId.get(s.id)!;
      const signals = d.profileDef.signals;
      return {
        ...s,
        values: isVisitor(req) ? visitors.values(s.id, s.values) : s.values,
        name: d.name,
        kind: d.profileDef.kind,
        line: d.line,
        station: d.station,
        units: Object.fromEntries(Object.entries(signals).flatMap(([n, sig]) => (sig.unit ? [[n, sig.unit]] : []))),
        hasSource: Boolean(d.profileDef.mqtt),
      };
    }),
  );

  app.get('/api/states', async () => api.listMachineStates());
}
