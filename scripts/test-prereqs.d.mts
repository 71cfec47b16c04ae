/** Types of scripts/test-prereqs.mjs (plain JavaScript: it runs before anything is compiled). */
export interface Prerequisite {
  name: string;
  use: string;
  /** The Debian package that provides it. */
  apt: string;
  /** The variable that points at an existing copy instead. */
  env: string;
  path?: string;
  command?: string;
}
export interface PrereqSystem {
  env: Record<string, string | undefined>;
  platform: string;
  uid: number | undefined;
  isExecutable(file: string): boolean;
  which(command: string): string | undefined;
}
export type PrereqPlan =
  | { action: 'ok'; missing: [] }
  | { action: 'install'; missing: Prerequisite[]; packages: string[]; commands: string[][] }
  | { action: 'fail'; missing: Prerequisite[]; packages: string[]; message: string };
export const PREREQUISITES: Prerequisite[];
export function locate(prerequisite: Prerequisite, system: PrereqSystem): string | undefined;
export function plan(system: PrereqSystem): PrereqPlan;
export function currentSystem(): PrereqSystem;
