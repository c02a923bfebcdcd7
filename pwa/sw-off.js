// pipescope built with PIPESCOPE_SERVICE_WORKER=off: offline use is turned off for this
// deployment. Browsers that installed an earlier worker fetch this one at their next
// update check; it removes that worker's caches and unregisters, so the next load comes
// from the network. It answers no requests. It takes over at once (skipWaiting), which
// reloads nothing: the open page keeps running, and its next load comes from the host.

const PREFIX = `pipescope ${self.registration.scope} `;

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX)) await caches.delete(name);
    }
    await self.registration.unregister();
  })());
});
