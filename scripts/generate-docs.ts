/**
 * Writes the generated documents (spec/wire.schema.json, docs/asyncapi.yaml, docs/openapi.json)
 * from the wire schemas. Run `pnpm docs:generate` after changing a schema; a test fails while a
 * committed document differs from what this generates.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDocuments } from '../packages/sidecar/src/documents.ts';

const root = join(import.meta.dirname, '..');
for (const document of generatedDocuments()) {
  writeFileSync(join(root, document.path), document.text);
  console.log(`wrote ${document.path}`);
}
