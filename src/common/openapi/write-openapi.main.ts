import { writeFileSync } from 'node:fs';
import { previewOpenApiDocument } from './preview-document.js';

/** `npm run openapi` : writes the OpenAPI document to the file named by the first argument (stdout without one). */
async function main(): Promise<void> {
  const json = `${JSON.stringify(await previewOpenApiDocument(), null, 2)}\n`;
  const target = process.argv[2];
  if (target) writeFileSync(target, json);
  else process.stdout.write(json);
}

void main();
