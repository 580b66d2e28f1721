/** `check` and `register`: the compatibility gate between `schemas/` and a registry. */
import type { RegistryClient } from '../registry/client.js';
import type { CompatibilityLevel } from '../registry/compatibility-level.js';
import { checkCompatibility, type CompatibilityViolation, type RegisteredVersion } from '../schema/compatibility.js';
import type { SchemaFile } from '../schema/files.js';
import type { AvroSchema } from '../schema/types.js';

export interface SubjectReport {
  readonly subject: string;
  readonly file: string;
  readonly level: CompatibilityLevel;
  /** Latest registered version, undefined for a new subject. */
  readonly latest: number | undefined;
  /** True when the file is already registered as the latest version (nothing to do). */
  readonly unchanged: boolean;
  readonly violations: readonly CompatibilityViolation[];
  /** The registry's own verdict, when it disagrees with ours (it is checked too: a stricter registry wins). */
  readonly registryRefuses: boolean;
}

export async function checkSubject(registry: RegistryClient, file: SchemaFile): Promise<SubjectReport> {
  const level = await registry.compatibilityLevel(file.subject);
  const numbers = await registry.versions(file.subject);
  const wanted = level.endsWith('_TRANSITIVE') ? numbers : numbers.slice(-1);
  const versions: RegisteredVersion[] = [];
  for (const number of wanted) {
    const found = await registry.version(file.subject, number);
    if (found !== undefined) versions.push({ version: found.version, schema: JSON.parse(found.schema) as AvroSchema });
  }
  const latest = versions.at(-1);
  const latestId = numbers.length === 0 ? undefined : (await registry.latest(file.subject))?.id;
  // The registry's own lookup decides "already registered": registries normalise the text they keep.
  const unchanged = latestId !== undefined && (await registry.lookup(file.subject, file.text)) === latestId;
  const violations = unchanged ? [] : checkCompatibility(level, file.schema, versions);
  const registryRefuses = !unchanged && level !== 'NONE' && latest !== undefined && !(await registry.isCompatible(file.subject, file.text));
  return { subject: file.subject, file: file.file, level, latest: latest?.version, unchanged, violations, registryRefuses };
}

export function isBreaking(report: SubjectReport): boolean {
  return report.violations.length > 0 || report.registryRefuses;
}

/** Lines for one subject: a status line, then one line per broken rule naming the field and what to do. */
export function formatReport(report: SubjectReport): string[] {
  const against = report.latest === undefined ? 'new subject (nothing registered yet)' : `${report.level} against version ${report.latest}`;
  if (!isBreaking(report)) return [`ok    ${report.subject}  ${report.unchanged ? `unchanged (version ${report.latest})` : against}`];
  const lines = [`FAIL  ${report.subject}  ${against}  (${report.file})`];
  for (const v of report.violations) {
    lines.push(`      field ${v.path}: ${v.type} (${v.direction === 'backward' ? 'new schema reading old data' : `version ${v.version} reading new data`})`);
    lines.push(`        ${v.advice}`);
  }
  if (report.violations.length === 0 && report.registryRefuses) {
    lines.push(`      the registry reports the schema incompatible under ${report.level}, although Tributary's checker found no broken rule; check the registry's rules for this subject`);
  }
  return lines;
}
