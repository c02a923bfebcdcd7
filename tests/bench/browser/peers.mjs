// The peers pipescope is measured against, run on the File picked in #file.
// Each function resolves to { ms, rows, ... } measured with performance.now() in the page.
import * as duckdb from '/node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs';

const file = () => {
  const f = document.getElementById('file').files[0];
  if (!f) throw new Error('no file picked in #file');
  return f;
};

/** Papa Parse as the issue specifies: header, dynamicTyping, no worker, results kept. */
window.runPapa = () => new Promise((resolve, reject) => {
  const f = file();
  const t0 = performance.now();
  Papa.parse(f, {
    header: true,
    dynamicTyping: true,
    worker: false,
    skipEmptyLines: true,
    complete: (res) => resolve({ ms: performance.now() - t0, rows: res.data.length, errors: res.errors.length, bytes: f.size }),
    error: (e) => reject(new Error(String(e))),
  });
});

const DIST = new URL('/node_modules/@duckdb/duckdb-wasm/dist/', location.href).href;

/**
 * DuckDB-wasm, bundle picked by hand from local URLs: eh (wasm exceptions) when the browser
 * has them, else mvp. Instantiation is timed separately from the query work.
 */
window.runDuck = async () => {
  const f = file();
  const eh = typeof WebAssembly.Exception === 'function';
  const bundle = eh
    ? { worker: DIST + 'duckdb-browser-eh.worker.js', wasm: DIST + 'duckdb-eh.wasm', name: 'eh' }
    : { worker: DIST + 'duckdb-browser-mvp.worker.js', wasm: DIST + 'duckdb-mvp.wasm', name: 'mvp' };
  const ti = performance.now();
  const worker = new Worker(bundle.worker);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.wasm);
  const conn = await db.connect();
  // Never reach for the network (extension autoloading) in a benchmark.
  await conn.query("SET autoinstall_known_extensions=false").catch(() => {});
  await conn.query("SET autoload_known_extensions=false").catch(() => {});
  const instantiateMs = performance.now() - ti;
  try {
    const t0 = performance.now();
    await db.registerFileHandle('f.csv', f, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
    await conn.query("CREATE TABLE t AS SELECT * FROM read_csv('f.csv')");
    const summary = await conn.query('SUMMARIZE t');
    const ms = performance.now() - t0;
    const rows = Number((await conn.query('SELECT count(*) AS n FROM t')).toArray()[0].n);
    return { ms, rows, bytes: f.size, instantiateMs, bundle: bundle.name, summaryRows: summary.numRows };
  } finally {
    await conn.close();
    await db.terminate();
    worker.terminate();
  }
};

window.peersReady = true;
