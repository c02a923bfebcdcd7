// What the Node wasm benches share: their command-line options and the loading of a
// standalone bench .wasm (an example built for wasm32-unknown-unknown, no wasm-bindgen).
import { readFileSync } from 'node:fs';

/// The command line after `node script.mjs`; `opt` takes `--name N` out of it.
export function cli() {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i < 0 ? dflt : Number(args.splice(i, 2)[1]);
  };
  return { args, opt };
}

/// Instantiates the .wasm at `path`. Nothing the benches call imports from JS, so whatever
/// the linked crates declare is stubbed with a function that fails loudly if ever called.
export async function instantiate(path) {
  const bytes = readFileSync(path);
  const imports = {};
  for (const imp of WebAssembly.Module.imports(new WebAssembly.Module(bytes))) {
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = () => {
      throw new Error(`unexpected import ${imp.module}.${imp.name}`);
    };
  }
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  return instance;
}

/// The median of `values`.
export const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
