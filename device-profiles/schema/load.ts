// Reads profiles and a site from disk and resolves them into one SiteModel, the
// plain frozen data that the gateway, the simulators and the viewer all work from.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigProblem } from './config-error.ts';
import { parseYaml } from './parse.ts';
import { ProfileSchema, expandFlattened, type Profile } from './profile.ts';
import { SiteSchema, type Device, type SiteFile } from './site.ts';

export const DEFAULT_PROFILES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SITE_FILE = join(DEFAULT_PROFILES_DIR, 'sites', 'fieldlab-emmen.yaml');

export interface LoadedProfile extends Profile {
  readonly file: string;
}

export interface DeviceModel extends Device {
  readonly profileDef: LoadedProfile;
  /** The id in this device's MQTT topics. */
  readonly topicId: string;
}

export interface SiteModel {
  readonly file: string;
  readonly site: SiteFile['site'];
  readonly lines: SiteFile['lines'];
  readonly devices: readonly DeviceModel[];
  /** What visitors are not sent. */
  readonly visitors: SiteFile['visitors'];
  readonly profiles: ReadonlyMap<string, LoadedProfile>;
  /** The folder the profiles came from; its models/ folder holds glTF models for the twin. */
  readonly profilesDir: string;
}

const display = (file: string) => relative(process.cwd(), file) || file;

export function loadProfileFile(file: string): LoadedProfile {
  return Object.freeze({ ...expandFlattened(parseYaml(ProfileSchema, readFileSync(file, 'utf8'), display(file))), file });
}

/** Loads every `*.yaml` in `dir` (not sub-folders). All files are checked; all problems are reported together. */
export function loadProfiles(dir: string = DEFAULT_PROFILES_DIR): Map<string, LoadedProfile> {
  const profiles = new Map<string, LoadedProfile>();
  const errors: ConfigError[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  for (const name of files) {
    try {
      const profile = loadProfileFile(join(dir, name));
      const clash = profiles.get(profile.id);
      if (clash) {
        throw new ConfigError(display(profile.file), [{ path: 'id', message: `duplicate profile id "${profile.id}" (also in ${display(clash.file)})` }]);
      }
      profiles.set(profile.id, profile);
    } catch (err) {
      if (err instanceof ConfigError) errors.push(err);
      else throw err;
    }
  }
  errors.push(...fieldTypeConflicts(profiles));
  if (errors.length > 0) throw new AggregateConfigError(errors);
  return profiles;
}

/**
 * Profiles of one kind share an InfluxDB measurement, where a field has one type for good:
 * two profiles giving the same signal different types would make writes fail at run time.
 */
function fieldTypeConflicts(profiles: Map<string, LoadedProfile>): ConfigError[] {
  const seen = new Map<string, { type: string; profile: LoadedProfile }>();
  const errors: ConfigError[] = [];
  for (const p of profiles.values()) {
    for (const [name, signal] of Object.entries(p.signals)) {
      const stored = signal.type === 'enum' ? 'string' : signal.type;
      const key = `${p.kind}.${name}`;
      const first = seen.get(key);
      if (first && first.type !== stored) {
        errors.push(
          new ConfigError(display(p.file), [
            { path: `signals.${name}.type`, message: `"${name}" is ${stored} here but ${first.type} in ${display(first.profile.file)}; one ${p.kind} field must have one type in InfluxDB` },
          ]),
        );
      } else if (!first) {
        seen.set(key, { type: stored, profile: p });
      }
    }
  }
  return errors;
}

export interface LoadSiteOptions {
  /** Overrides the site file's `profiles` folder. */
  readonly profilesDir?: string | undefined;
}

export function loadSite(file: string = DEFAULT_SITE_FILE, options: LoadSiteOptions = {}): SiteModel {
  const siteFile = resolve(file);
  const parsed = parseYaml(SiteSchema, interpolateEnv(readFileSync(siteFile, 'utf8')), display(siteFile));
  const profilesDir = options.profilesDir
    ? resolve(options.profilesDir)
    : parsed.profiles
      ? resolve(dirname(siteFile), parsed.profiles)
      : DEFAULT_PROFILES_DIR;
  const profiles = loadProfiles(profilesDir);
  const problems: ConfigProblem[] = [];
  const devices = parsed.devices.map((d, i) => {
    const profileDef = profiles.get(d.profile);
    if (!profileDef) {
      problems.push({ path: `devices[${i}].profile`, message: `unknown profile "${d.profile}" (profiles in ${display(profilesDir)}: ${[...profiles.keys()].join(', ')})` });
    }
    return Object.freeze({ ...d, profileDef: profileDef!, topicId: d.connection.mqtt?.topicId ?? d.id });
  });
  parsed.visitors.hideSignals.forEach((name, i) => {
    const dot = name.indexOf('.');
    const [device, signal] = dot < 0 ? [undefined, name] : [name.slice(0, dot), name.slice(dot + 1)];
    const candidates = devices.filter((d) => d.profileDef && (device === undefined || d.id === device));
    if (!candidates.some((d) => signal in d.profileDef.signals)) {
      problems.push({ path: `visitors.hideSignals[${i}]`, message: device !== undefined && candidates.length === 0 ? `no device "${device}" in this site` : `no device${device ? ` "${device}"` : ''} has a signal "${signal}"` });
    }
  });
  if (problems.length > 0) throw new ConfigError(display(siteFile), problems);
  return Object.freeze({ file: siteFile, site: parsed.site, lines: parsed.lines, devices: Object.freeze(devices), visitors: parsed.visitors, profiles, profilesDir });
}

/**
 * `${NAME}` and `${NAME:-default}` in a site file become the environment variable's value,
 * so one site file serves a laptop and a docker-compose network.
 */
export function interpolateEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => env[name] ?? fallback ?? '');
}

/** Several files at once, e.g. from `profiles check`. */
export class AggregateConfigError extends ConfigError {
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.length === 1 ? errors[0]!.file : `${errors.length} files`, errors.flatMap((e) => e.problems.map((p) => ({ ...p, file: e.file }))));
    this.message = errors.map((e) => e.message).join('\n');
  }
}
