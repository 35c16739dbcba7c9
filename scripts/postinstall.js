#!/usr/bin/env node
/**
 * The root `postinstall`, after `patch-package`: builds @samtal/types and @samtal/simulator with
 * turbo so a fresh `npm ci` is ready for `npm test`, `npm run demo` and `npm run sim`.
 *
 * A production install (`npm ci --omit=dev`, after `npm run build`) has no turbo and no TypeScript:
 * it must not fail here and must not touch the dist/ folders the build left. Without turbo this
 * script only says so and exits 0.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function hasTurbo() {
  try {
    require.resolve('turbo/package.json', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

if (!hasTurbo()) {
  console.log('postinstall: turbo is not installed (production install), skipping the workspace build');
  process.exit(0);
}

const args = ['run', 'build', '--filter=@samtal/types', '--filter=@samtal/simulator', '--output-logs=errors-only'];
const PATH = [path.join(root, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter);
const result = spawnSync('turbo', args, { cwd: root, stdio: 'inherit', env: { ...process.env, PATH }, shell: process.platform === 'win32' });
if (result.error) {
  console.error(`postinstall: cannot run turbo: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
