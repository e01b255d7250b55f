// The site file: the fieldlab's floor, its lines and stations, and every device on it
// with its profile, place on the floor and connection.
import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a kebab-case id');
// Device ids become InfluxDB tags and MQTT topic levels: anything printable goes
// (the line-protocol encoder escapes it), but no control characters and no MQTT wildcards.
const deviceId = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => !/[\u0000-\u001f\u007f+#/]/.test(s), 'expected no control characters, "/", "+" or "#"');

export const PlacementSchema = z.strictObject({
  /** Metres from the floor's origin (its south-west corner), x east, y north. */
  position: z.strictObject({ x: z.number(), y: z.number() }),
  /** Degrees about the vertical axis, counter-clockwise seen from above. */
  rotation: z.number().default(0),
});

export const DeviceSchema = z.strictObject({
  id: deviceId,
  name: z.string().min(1),
  profile: id,
  line: id,
  station: id,
  ...PlacementSchema.shape,
  connection: z
    .strictObject({
      mqtt: z
        .strictObject({
          /** The id this device uses in its topics, when it differs from `id` (a Bambu serial number). */
          topicId: deviceId.optional(),
        })
        .optional(),
      opcua: z
        .strictObject({
          /** opc.tcp://host:port[/path] */
          endpoint: z.string().regex(/^opc\.tcp:\/\/[^/:]+:\d+(\/.*)?$/, 'expected opc.tcp://host:port'),
          /** Browse path of the device's root from the Objects folder; default the profile's. */
          root: z.string().min(1).optional(),
          securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
          securityPolicy: z.enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss']).default('None'),
          username: z.string().optional(),
          /** Name of the environment variable holding the password (never the password itself). */
          passwordEnv: z.string().optional(),
        })
        .optional(),
    })
    .default({}),
  /** Seed for this device's simulator; default derived from the site seed and the id. */
  simulation: z
    .strictObject({
      seed: z.number().int().optional(),
      /** Messages per second per topic; default from the simulator. */
      rate: z.number().positive().max(1000).optional(),
      /** Length of one print job in seconds, to make a demo move faster or slower. */
      jobSeconds: z.number().positive().optional(),
      /** Seconds per robot pick-and-place cycle. */
      cycleSeconds: z.number().positive().optional(),
    })
    .optional(),
});
export type Device = z.infer<typeof DeviceSchema>;

export const StationSchema = z.strictObject({
  id,
  name: z.string().min(1),
  ...PlacementSchema.shape,
  size: z.strictObject({ width: z.number().positive(), depth: z.number().positive() }).optional(),
});

export const LineSchema = z.strictObject({
  id,
  name: z.string().min(1),
  description: z.string().optional(),
  stations: z.array(StationSchema).min(1),
});

export const SiteSchema = z
  .strictObject({
    site: z.strictObject({
      id,
      name: z.string().min(1),
      description: z.string().optional(),
      floor: z.strictObject({ width: z.number().positive(), depth: z.number().positive() }),
      seed: z.number().int().default(1),
    }),
    /** Folder of the device profiles, relative to this file; default the device-profiles/ folder. */
    profiles: z.string().optional(),
    lines: z.array(LineSchema).min(1),
    devices: z.array(DeviceSchema).min(1),
    /**
     * Values not for visitors (a startup's product name and counts): visitors are not sent
     * them at all, neither over the socket nor by the API. Signals by name (every device that
     * has it) or as `device.signal`; of production series the product name and the counts.
     */
    visitors: z
      .strictObject({
        hideSignals: z.array(z.string().regex(/^([a-z0-9][a-z0-9-]*\.)?[A-Za-z_][A-Za-z0-9_]*$/, 'expected a signal name, or device.signal')).default([]),
        hideSeries: z.array(z.enum(['product', 'counts'])).default([]),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    const stations = new Map<string, Set<string>>();
    for (const line of s.lines) stations.set(line.id, new Set(line.stations.map((st) => st.id)));
    const seen = new Map<string, number>();
    const topicIds = new Map<string, number>();
    s.devices.forEach((d, i) => {
      const first = seen.get(d.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate device id "${d.id}" (also devices[${first}])` });
      }
      seen.set(d.id, i);
      const topicId = d.connection.mqtt?.topicId ?? d.id;
      const other = topicIds.get(`${d.profile}\u0000${topicId}`);
      if (other !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'connection'], message: `topic id "${topicId}" is already used by devices[${other}] with the same profile` });
      }
      topicIds.set(`${d.profile}\u0000${topicId}`, i);
      const lineStations = stations.get(d.line);
      if (!lineStations) {
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'line'], message: `unknown line "${d.line}" (lines: ${[...stations.keys()].join(', ')})` });
      } else if (!lineStations.has(d.station)) {
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'station'], message: `unknown station "${d.station}" on line "${d.line}" (stations: ${[...lineStations].join(', ')})` });
      }
    });
  });
export type SiteFile = z.infer<typeof SiteSchema>;
