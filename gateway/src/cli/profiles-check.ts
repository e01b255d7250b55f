import { loadSite } from '../../../device-profiles/schema/load.ts';

export async function runProfilesCheck(opts: { site?: string; profiles?: string }): Promise<void> {
  // Throws a ConfigError naming every problem in every file; main prints it.
  const site = loadSite(opts.site, { profilesDir: opts.profiles });
  const lines: string[] = [];
  for (const p of site.profiles.values()) {
    const protocols = [p.mqtt ? 'mqtt' : undefined, p.opcua ? 'opcua' : undefined].filter(Boolean).join(', ') || 'no protocol binding yet';
    lines.push(`  ${p.id.padEnd(20)} ${p.kind.padEnd(12)} ${Object.keys(p.signals).length} signals, ${protocols}`);
  }
  process.stdout.write(
    `profiles ok (${site.profiles.size}):\n${lines.join('\n')}\n` +
      `site ok: ${site.site.name} — ${site.lines.length} line(s), ${site.devices.length} devices (${site.file})\n`,
  );
}
