// Who may do what, in four steps: each role may do all that the ones below it may.
export const ROLES = ['visitor', 'operator', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a rule asks for: `public` needs nobody (the login page, /healthz), the rest a role at least this high. */
export type Need = 'public' | Role;

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

/** Whether `role` (null: nobody, with anonymous access off) satisfies `need`. */
export function satisfies(role: Role | null, need: Need): boolean {
  if (need === 'public') return true;
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(need);
}
