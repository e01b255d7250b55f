// The device-profile schema: one YAML file per device type, read by the gateway,
// the simulators and (later) the twin viewer. Strict: an unknown key is an error,
// so a typo in a profile is caught at start instead of silently ignored.
import { z } from 'zod';

export const DEVICE_KINDS = [
  'fdm-printer',
  'sla-printer',
  'robot-arm',
  'conveyor',
  'inspection',
  'cnc',
  'agv',
] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const SIGNAL_TYPES = ['float', 'int', 'bool', 'string', 'enum'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

const snakeName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'expected a snake_case name (a-z, 0-9, _; starting with a letter)');

export const SignalSchema = z
  .strictObject({
    type: z.enum(SIGNAL_TYPES),
    unit: z.string().min(1).optional(),
    description: z.string().optional(),
    /** Inclusive valid range for numeric signals; values outside are rejected and counted. */
    range: z.tuple([z.number(), z.number()]).optional(),
    /** For `enum`: vendor value → its meaning in the device kind's vocabulary (e.g. RUNNING → printing). */
    values: z.record(z.string(), snakeName).optional(),
    /** Written to InfluxDB (default). Unstored signals still reach device state and live views. */
    store: z.boolean().default(true),
    /**
     * A momentary signal (an event name, a fault code as it happens): kept on the point it
     * arrives with, never carried into later points by the partial-update merge.
     */
    event: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    const numeric = s.type === 'float' || s.type === 'int';
    if (s.range && !numeric) {
      ctx.addIssue({ code: 'custom', path: ['range'], message: `a range only applies to float or int signals, not ${s.type}` });
    }
    if (s.range && s.range[0] > s.range[1]) {
      ctx.addIssue({ code: 'custom', path: ['range'], message: `expected [min, max] with min <= max, got [${s.range[0]}, ${s.range[1]}]` });
    }
    if (s.type === 'enum' && !s.values) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'an enum signal needs `values`: vendor value → meaning' });
    }
    if (s.values && s.type !== 'enum') {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `\`values\` only applies to enum signals, not ${s.type}` });
    }
  });
export type Signal = z.infer<typeof SignalSchema>;

/** A path into a JSON payload: `print.nozzle_temper`, `status.extruder.temperature`, `hms[0].code`, or `$` for the whole payload. */
const jsonPath = z
  .string()
  .regex(/^(\$|[A-Za-z_][\w-]*(\[\d+\])*(\.[A-Za-z_][\w-]*(\[\d+\])*)*)$/, 'expected a JSON path like a.b[0].c, or $ for the whole payload');

export const FieldMappingSchema = z.union([
  jsonPath,
  z.strictObject({
    path: jsonPath,
    /** stored = raw * scale + offset (e.g. Moonraker's progress 0..1 → percent with scale 100). */
    scale: z.number().refine((n) => n !== 0, 'scale must not be 0').optional(),
    offset: z.number().optional(),
  }),
]);
export type FieldMapping = z.infer<typeof FieldMappingSchema>;

export const TopicMappingSchema = z.strictObject({
  /**
   * MQTT topic with placeholders: `{id}` (the device's topic id, required) and `{signal}`
   * for a segment whose text is a signal's value (OctoPrint's `event/{event}`).
   */
  topic: z.string().min(1),
  format: z.enum(['json', 'text']).default('json'),
  /** Where the payload carries its own time; otherwise the gateway's receive time is used. */
  timestamp: z
    .strictObject({ path: jsonPath, unit: z.enum(['s', 'ms']) })
    .optional(),
  /** signal name → where its value is in the payload. */
  fields: z.record(snakeName, FieldMappingSchema).default({}),
});
export type TopicMapping = z.infer<typeof TopicMappingSchema>;

export const MqttBindingSchema = z.strictObject({
  /**
   * The device sends partial updates (only what changed), as Moonraker and Bambu do.
   * The gateway always merges into the last known state; this tells the simulator to
   * send only changes too, like the real firmware.
   */
  partial: z.boolean().default(false),
  /** Topic filters to subscribe (with `{id}`); default: the topics below with placeholders as `+`. */
  subscribe: z.array(z.string().min(1)).optional(),
  topics: z.array(TopicMappingSchema).min(1),
});
export type MqttBinding = z.infer<typeof MqttBindingSchema>;

/**
 * An OPC UA browse path relative to a node: segments separated by `/`, each
 * `alias:BrowseName` (alias from `opcua.namespaces` or the built-in ones), `*:BrowseName`
 * (any namespace) or `[n]` (the n-th child, in natural order of browse names, for the
 * vendor-named instances behind a placeholder such as <AxisIdentifier>).
 */
const browsePath = z
  .string()
  .regex(/^(\[\d+\]|[A-Za-z*][\w-]*:[^/]+)(\/(\[\d+\]|[A-Za-z*][\w-]*:[^/]+))*$/, 'expected a browse path like robotics:Axes/[1]/di:ParameterSet/robotics:ActualPosition');

export const OpcUaSignalSchema = z.strictObject({
  /** Relative to the device's root node. */
  path: browsePath.optional(),
  /** Or an absolute node id with its namespace URI: nsu=<uri>;s=... or ;i=... */
  node: z.string().regex(/^nsu=[^;]+;[sigb]=.+$/, 'expected nsu=<namespace uri>;s=<id> (or i=, g=, b=)').optional(),
  samplingInterval: z.number().int().min(0).optional(),
  queueSize: z.number().int().min(1).max(10000).optional(),
  deadband: z.strictObject({ type: z.enum(['absolute', 'percent']), value: z.number().min(0) }).optional(),
  /** stored = raw * scale + offset. */
  scale: z.number().refine((n) => n !== 0, 'scale must not be 0').optional(),
  offset: z.number().optional(),
  /**
   * Flattens an array or a structure (ExtensionObject) into fields named <signal>_<name>:
   * for an array one name per element in order, for a structure the members to keep.
   */
  flatten: z.array(z.string().regex(/^[a-z0-9][a-z0-9_]*$/, 'expected a snake_case name')).min(1).optional(),
});
export type OpcUaSignal = z.infer<typeof OpcUaSignalSchema>;

export const BUILTIN_NAMESPACES: Readonly<Record<string, string>> = {
  ua: 'http://opcfoundation.org/UA/',
  di: 'http://opcfoundation.org/UA/DI/',
  ia: 'http://opcfoundation.org/UA/IA/',
  machinery: 'http://opcfoundation.org/UA/Machinery/',
  robotics: 'http://opcfoundation.org/UA/Robotics/',
};

export const OpcUaBindingSchema = z.strictObject({
  /** Namespace aliases used in browse paths, by URI (never by index). */
  namespaces: z.record(z.string().regex(/^[A-Za-z][\w-]*$/), z.string().min(1)).default({}),
  /** Where devices of this type sit, from the Objects folder; a site device may override. */
  root: browsePath.default('machinery:Machines/[1]'),
  /** Which time a value gets: the device's (source), the server's, or the gateway's receive time. Each falls back to the next. */
  timestamp: z.enum(['source', 'server', 'gateway']).default('source'),
  samplingInterval: z.number().int().min(0).default(100),
  queueSize: z.number().int().min(1).max(10000).default(10),
  publishingInterval: z.number().int().min(10).default(100),
  signals: z.record(snakeName, OpcUaSignalSchema),
});
export type OpcUaBinding = z.infer<typeof OpcUaBindingSchema>;

export const TWIN_MODELS = ['fdm-printer', 'robot-arm', 'conveyor', 'inspection', 'box'] as const;

/** How one signal moves or colours a part of the twin's model. */
export const TwinBindingSchema = z.strictObject({
  signal: snakeName,
  /** A target the model understands, e.g. joint1.rotation, head.x, part.progress, nozzle.color, status. */
  target: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/, 'expected a target like joint1.rotation'),
  /** value × scale + offset (e.g. degrees → radians: scale 0.0174533). */
  scale: z.number().optional(),
  offset: z.number().optional(),
  /** Clamp the result into [min, max]. */
  clamp: z.tuple([z.number(), z.number()]).optional(),
  /** For colours: the value range mapped from cold (blue) to hot (red). */
  heat: z.tuple([z.number(), z.number()]).optional(),
  /** For enums and booleans: value or meaning → what the target takes (e.g. printing → running). */
  map: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type TwinBinding = z.infer<typeof TwinBindingSchema>;

export const TwinSchema = z.strictObject({
  /** Which built-in model draws this device; default: the profile's kind. */
  model: z.enum(TWIN_MODELS).optional(),
  /** A glTF/GLB model to load instead of the built-in one (URL or path served by the gateway). */
  gltf: z.string().optional(),
  bindings: z.array(TwinBindingSchema).default([]),
  /** Key values shown in the scene next to the machine. */
  labels: z.array(snakeName).default([]),
  /** The signals charted in the machine's panel. */
  charts: z.array(snakeName).default([]),
  /** The device counts as stale after this long without data. */
  staleAfterSeconds: z.number().positive().default(10),
});
export type Twin = z.infer<typeof TwinSchema>;

export const MACHINE_STATES = ['producing', 'idle', 'setup', 'fault', 'offline'] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

/**
 * One rule of a machine-state table: the device is in `state` when `signal` matches. For
 * enums `in` lists meanings (or vendor values), for booleans `true`/`false`, for strings
 * the values; numbers compare with `above` / `below` (strict).
 */
export const StateRuleSchema = z
  .strictObject({
    state: z.enum(MACHINE_STATES).exclude(['offline']),
    signal: snakeName,
    in: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional(),
    above: z.number().optional(),
    below: z.number().optional(),
  })
  .refine((r) => r.in !== undefined || r.above !== undefined || r.below !== undefined, 'expected a condition: in, above or below');
export type StateRule = z.infer<typeof StateRuleSchema>;

export const StatesSchema = z.strictObject({
  /** Evaluated in order on the device's merged state; the first that matches wins. */
  rules: z.array(StateRuleSchema).min(1),
  /** When no rule matches (and data is fresh). */
  default: z.enum(MACHINE_STATES).exclude(['offline']).default('idle'),
  /** Offline when no data came for this long. */
  offlineAfterSeconds: z.number().positive().default(60),
});
export type States = z.infer<typeof StatesSchema>;

/**
 * How a device's signals count parts: a counter that goes up (`increment`), an event value
 * (`event`, e.g. OctoPrint's PrintDone), or a value that becomes something (`becomes`, by
 * meaning or vendor value). `as: produced` counts parts made (or inspected), `as: scrap`
 * parts found bad.
 */
export const PartRuleSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('increment'), signal: snakeName, as: z.enum(['produced', 'scrap']).default('produced') }),
  z.strictObject({ type: z.literal('event'), signal: snakeName, equals: z.union([z.string(), z.number(), z.boolean()]), as: z.enum(['produced', 'scrap']).default('produced') }),
  z.strictObject({ type: z.literal('becomes'), signal: snakeName, to: z.union([z.string(), z.number(), z.boolean()]), as: z.enum(['produced', 'scrap']).default('produced') }),
]);
export type PartRule = z.infer<typeof PartRuleSchema>;

export const ProductionSchema = z.strictObject({
  /** The ideal (design) time for one part on one device of this type, for OEE performance. */
  idealCycleSeconds: z.number().positive().optional(),
  parts: z.array(PartRuleSchema).min(1),
});
export type Production = z.infer<typeof ProductionSchema>;

export const ALARM_SEVERITIES = ['critical', 'warning', 'info'] as const;

const alarmBase = {
  /** Unique within the profile. */
  id: snakeName,
  /** What an engineer reads; for `code` alarms the code's own text follows it. */
  text: z.string().min(1),
  severity: z.enum(ALARM_SEVERITIES).default('warning'),
};

/**
 * Alarms a device type can raise. Each is raised → (acknowledged) → cleared; the gateway
 * keeps it listed until it is both cleared and acknowledged.
 */
export const AlarmSchema = z.discriminatedUnion('type', [
  /** Above (or below) a limit for `delaySeconds`; clears once back beyond the limit by `hysteresis`. */
  z
    .strictObject({
      ...alarmBase,
      type: z.literal('threshold'),
      signal: snakeName,
      above: z.number().optional(),
      below: z.number().optional(),
      hysteresis: z.number().min(0).default(0),
      delaySeconds: z.number().min(0).default(0),
    })
    .refine((a) => (a.above === undefined) !== (a.below === undefined), 'expected exactly one of above or below'),
  /** Changing faster than `perSecond` (a negative limit: falling faster than it). */
  z.strictObject({ ...alarmBase, type: z.literal('rate'), signal: snakeName, perSecond: z.number().refine((n) => n !== 0, 'perSecond must not be 0') }),
  /** No data for `seconds`. */
  z.strictObject({ ...alarmBase, type: z.literal('stale'), seconds: z.number().positive() }),
  /** A device fault code: raised while the signal holds a listed code, with the code's text. */
  z.strictObject({ ...alarmBase, type: z.literal('code'), signal: snakeName, codes: z.record(z.string(), z.string()).refine((c) => Object.keys(c).length > 0, 'expected at least one code') }),
]);
export type Alarm = z.infer<typeof AlarmSchema>;

export const ProfileSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a kebab-case id'),
    kind: z.enum(DEVICE_KINDS),
    vendor: z.string().min(1),
    model: z.string().min(1),
    description: z.string().optional(),
    signals: z.record(snakeName, SignalSchema),
    mqtt: MqttBindingSchema.optional(),
    opcua: OpcUaBindingSchema.optional(),
    twin: TwinSchema.optional(),
    /** How the device's machine state (producing, idle, setup, fault, offline) follows from its signals. */
    states: StatesSchema.optional(),
    alarms: z.array(AlarmSchema).default([]),
    /** How parts are counted from this device, for production series and OEE. */
    production: ProductionSchema.optional(),
  })
  .superRefine((p, ctx) => {
    p.production?.parts.forEach((r, i) => {
      if (!(r.signal in p.signals)) {
        ctx.addIssue({ code: 'custom', path: ['production', 'parts', i, 'signal'], message: `"${r.signal}" is not a declared signal (declared: ${Object.keys(p.signals).join(', ')})` });
      }
    });
    const alarmIds = new Set<string>();
    p.alarms.forEach((a, i) => {
      if (alarmIds.has(a.id)) ctx.addIssue({ code: 'custom', path: ['alarms', i, 'id'], message: `alarm id "${a.id}" is used twice` });
      alarmIds.add(a.id);
      if ('signal' in a && !(a.signal in p.signals)) {
        ctx.addIssue({ code: 'custom', path: ['alarms', i, 'signal'], message: `"${a.signal}" is not a declared signal (declared: ${Object.keys(p.signals).join(', ')})` });
      }
    });
    p.states?.rules.forEach((r, i) => {
      if (!(r.signal in p.signals)) {
        ctx.addIssue({ code: 'custom', path: ['states', 'rules', i, 'signal'], message: `"${r.signal}" is not a declared signal (declared: ${Object.keys(p.signals).join(', ')})` });
      }
    });
    if (p.twin) {
      const known = (name: string, at: (string | number)[]) => {
        if (!(name in p.signals) && !p.opcua?.signals[name.replace(/_[a-z0-9]+$/, '')]?.flatten) {
          ctx.addIssue({ code: 'custom', path: at, message: `"${name}" is not a declared signal` });
        }
      };
      p.twin.bindings.forEach((b, i) => known(b.signal, ['twin', 'bindings', i, 'signal']));
      p.twin.labels.forEach((n, i) => known(n, ['twin', 'labels', i]));
      p.twin.charts.forEach((n, i) => known(n, ['twin', 'charts', i]));
    }
    if (p.opcua) {
      const aliases = { ...BUILTIN_NAMESPACES, ...p.opcua.namespaces };
      const checkAliases = (path: string, at: (string | number)[]) => {
        for (const seg of path.split('/')) {
          const alias = /^([A-Za-z][\w-]*):/.exec(seg)?.[1];
          if (alias && !(alias in aliases)) {
            ctx.addIssue({ code: 'custom', path: at, message: `unknown namespace alias "${alias}" (known: ${Object.keys(aliases).join(', ')}; add it under opcua.namespaces)` });
          }
        }
      };
      checkAliases(p.opcua.root, ['opcua', 'root']);
      for (const [name, b] of Object.entries(p.opcua.signals)) {
        const at = ['opcua', 'signals', name];
        if (!(name in p.signals)) {
          ctx.addIssue({ code: 'custom', path: at, message: `"${name}" is not a declared signal (declared: ${Object.keys(p.signals).join(', ')})` });
        }
        if ((b.path === undefined) === (b.node === undefined)) {
          ctx.addIssue({ code: 'custom', path: at, message: 'expected exactly one of path or node' });
        }
        if (b.path) checkAliases(b.path, [...at, 'path']);
      }
    }
    p.mqtt?.topics.forEach((t, i) => {
      const at = ['mqtt', 'topics', i];
      const placeholders = [...t.topic.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? '');
      if (!placeholders.includes('id')) {
        ctx.addIssue({ code: 'custom', path: [...at, 'topic'], message: `expected the topic to contain {id}, got "${t.topic}"` });
      }
      for (const name of placeholders) {
        if (name !== 'id' && !(name in p.signals)) {
          ctx.addIssue({ code: 'custom', path: [...at, 'topic'], message: `placeholder {${name}} is neither {id} nor a declared signal` });
        }
      }
      for (const segment of t.topic.split('/')) {
        if (segment.includes('{') && !/^\{[^}]*\}$/.test(segment)) {
          ctx.addIssue({ code: 'custom', path: [...at, 'topic'], message: `a placeholder must fill a whole topic level, got "${segment}"` });
        }
        if (segment === '#' || segment === '+') {
          ctx.addIssue({ code: 'custom', path: [...at, 'topic'], message: 'use {signal} placeholders, not MQTT wildcards, in a mapped topic' });
        }
      }
      for (const name of Object.keys(t.fields)) {
        if (!(name in p.signals)) {
          ctx.addIssue({ code: 'custom', path: [...at, 'fields', name], message: `"${name}" is not a declared signal (declared: ${Object.keys(p.signals).join(', ')})` });
        }
      }
      if (t.format === 'text') {
        for (const [name, f] of Object.entries(t.fields)) {
          if ((typeof f === 'string' ? f : f.path) !== '$') {
            ctx.addIssue({ code: 'custom', path: [...at, 'fields', name], message: 'a text payload has no fields: map it with $' });
          }
        }
      }
    });
  });
export type Profile = z.infer<typeof ProfileSchema>;

/**
 * A flattened OPC UA signal becomes one signal per element or member, `<signal>_<name>`,
 * with the parent's type, unit and range; the parent itself is not stored (it has no
 * scalar value). Applied once at load, so everything downstream sees plain signals.
 */
export function expandFlattened(p: Profile): Profile {
  const flattened = Object.entries(p.opcua?.signals ?? {}).filter(([, b]) => b.flatten);
  if (flattened.length === 0) return p;
  const signals = { ...p.signals };
  for (const [name, b] of flattened) {
    const parent = signals[name]!;
    for (const part of b.flatten!) signals[`${name}_${part}`] = { ...parent, description: `${parent.description ?? name} [${part}]` };
    signals[name] = { ...parent, store: false };
  }
  return { ...p, signals };
}
