// pipescope's service worker. pwa/build.mjs writes it into dist/ after every Trunk build,
// filling in VERSION and FILES, because only then are the hashed file names known.
//
// It keeps the page usable without a network and never lets a new version take over by
// itself: a new worker installs its files, then waits until the page (on the user's click)
// asks it to activate. It answers only GET requests for its own origin and scope, and the
// only requests it makes itself are for the files listed below.

const VERSION = '__PIPESCOPE_VERSION__';
// Paths relative to this script, which sits at the root of dist/ and so of the scope.
// './' is the page itself.
const FILES = __PIPESCOPE_FILES__;

const SCOPE = self.registration.scope;
// Cache Storage is shared by the whole origin: the scope in the name keeps two deployments
// on one host (say /a/pipescope/ and /b/pipescope/) from deleting each other's caches.
const PREFIX = `pipescope ${SCOPE} `;
const CACHE = PREFIX + VERSION;
const SHELL = new URL('./', SCOPE).href;
const SHELL_ALIASES = new Set([SHELL, new URL('index.html', SCOPE).href]);

self.addEventListener('install', (event) => {
  // No skipWaiting here: a waiting worker must not replace the page's code under a running
  // stream. The page asks for it (see 'message') when the user clicks Reload.
  event.waitUntil(precache());
});

async function precache() {
  const cache = await caches.open(CACHE);
  await Promise.all(FILES.map(async (file) => {
    const url = new URL(file, self.location).href;
    // 'no-cache' revalidates with the server, so an HTTP-cached index.html of the previous
    // build is never stored under the new version's name.
    const res = await fetch(url, { cache: 'no-cache', credentials: 'same-origin' });
    if (!res.ok) throw new Error(`pipescope: ${url} answered ${res.status}`);
    // A host that redirects (index.html -> ./, say) marks the response as redirected, and
    // the browser refuses such a response to a navigation; a copy drops the mark.
    await cache.put(url, res.redirected ? await unredirected(res) : res);
  }));
}

async function unredirected(res) {
  return new Response(await res.blob(), { status: res.status, statusText: res.statusText, headers: res.headers });
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    // On the first visit nothing controls the page yet; claiming it makes that visit work
    // offline too. (An update only activates after the user's click, or with no page open.)
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'pipescope:activate') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  // Anything outside our origin and scope goes its own way, untouched by this worker
  // (the page's CSP forbids other origins anyway).
  if (url.origin !== self.location.origin || !url.href.startsWith(SCOPE)) return;
  event.respondWith(answer(req, url));
});

async function answer(req, url) {
  const cache = await caches.open(CACHE);
  url.hash = '';
  const key = req.mode === 'navigate' && SHELL_ALIASES.has(url.origin + url.pathname) ? SHELL : url.href;
  // Search strings never select another file here, so '?x' still finds the page offline.
  const hit = await cache.match(key, { ignoreSearch: true });
  return hit || fetch(req);
}
