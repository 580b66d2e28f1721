/**
 * Writes the Grafana dashboards to deploy/grafana/dashboards/ from their
 * definitions. Run after changing a definition, and commit the JSON:
 *
 *   npx tsx --conditions=source deploy/src/grafana/build.ts
 *
 * Files of the set that no definition produces any more are removed, so a
 * renamed dashboard does not linger.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_DIR, renderedDashboards } from './index.js';

mkdirSync(DASHBOARDS_DIR, { recursive: true });
const rendered = renderedDashboards();
const keep = new Set(rendered.map((d) => d.file));
for (const file of readdirSync(DASHBOARDS_DIR)) {
  if (file.startsWith('tributary-') && file.endsWith('.json') && !keep.has(file)) rmSync(join(DASHBOARDS_DIR, file));
}
for (const { file, json } of rendered) writeFileSync(join(DASHBOARDS_DIR, file), json);
console.log(`wrote ${rendered.length} dashboards to ${DASHBOARDS_DIR}`);
