/** One thing wrong in a configuration file: where it is and what was expected. */
export interface ConfigProblem {
  /** Dotted path inside the file, e.g. `signals.nozzle_temp.type`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  readonly line?: number | undefined;
  readonly col?: number | undefined;
}

/** A profile, site or gateway config file that cannot be used. Thrown at start, never at run time. */
export class ConfigError extends Error {
  readonly code = 'FL_CONFIG_INVALID';

  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.col ?? 1}` : file;
  return `${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}
