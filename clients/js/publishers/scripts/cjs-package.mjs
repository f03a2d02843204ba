// dist/cjs holds CommonJS: a package.json there tells Node so (the package itself is ESM).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cjs', 'package.json');
writeFileSync(file, '{ "type": "commonjs" }\n');
