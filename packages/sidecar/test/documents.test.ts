import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generatedDocuments } from '../src/documents.ts';
import { SIDECAR_VERSION } from '../src/version.ts';

const root = join(import.meta.dirname, '../../..');

/** Every `$ref` in `document` that does not resolve inside it. */
function danglingRefs(document: unknown): string[] {
  const refs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.push(value);
        else walk(value);
      }
    }
  };
  walk(document);
  return refs.filter((ref) => {
    let node: unknown = document;
    for (const part of ref.replace(/^#\//, '').split('/')) {
      node = (node as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    return node === undefined;
  });
}

describe('generated documents', () => {
  for (const document of generatedDocuments()) {
    it(`${document.path} is up to date (run \`pnpm docs:generate\`)`, () => {
      expect(readFileSync(join(root, document.path), 'utf8')).toBe(document.text);
    });
  }

  it('the AsyncAPI document is AsyncAPI 3 and every reference in it resolves', () => {
    const text = generatedDocuments().find((d) => d.path === 'docs/asyncapi.yaml')?.text ?? '';
    const document = parse(text) as Record<string, unknown>;
    expect(document['asyncapi']).toBe('3.0.0');
    expect(danglingRefs(document)).toEqual([]);
    const schemas = (document['components'] as { schemas: Record<string, unknown> }).schemas;
    for (const name of ['RequestMessage', 'CreateTaskRequest', 'Reply', 'ResultMessage', 'ScheduleInput']) {
      expect(schemas, name).toHaveProperty(name);
    }
  });

  it('the wire schema has every message, and its references resolve', () => {
    const text = generatedDocuments().find((d) => d.path === 'spec/wire.schema.json')?.text ?? '{}';
    const schema = JSON.parse(text) as { $defs: Record<string, unknown> };
    expect(Object.keys(schema.$defs)).toEqual(
      expect.arrayContaining(['RequestMessage', 'Reply', 'ResultMessage', 'Task']),
    );
    expect(danglingRefs(schema)).toEqual([]);
  });

  it("names the package's version", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as { version: string };
    expect(SIDECAR_VERSION).toBe(pkg.version);
  });
});
