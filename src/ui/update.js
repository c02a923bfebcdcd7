// Page side of the service worker (pwa/sw.js), for the update banner (src/ui/update.rs).
// In JS rather than web-sys because the ServiceWorker API is event- and promise-shaped and
// these few lines would triple in bindings.
//
// The rule it keeps: a new version is offered, never forced. A new worker that finished
// installing waits; the page only tells the Rust side, which shows the banner. Only
// `apply_update` (the banner's button) lets the worker take over and reloads.

let waiting = null; // the installed worker waiting for the user's word
let userAsked = false;

/**
 * Registers ./sw.js for the page's directory and calls `onOffer()` whenever a new version
 * is ready to be taken. Without service workers (an insecure origin, a browser without
 * them, a host that does not serve sw.js) nothing happens and the page works as before.
 */
export function watch_updates(onOffer) {
  const sw = navigator.serviceWorker;
  if (!sw || !window.isSecureContext) return;
  let controlled = !!sw.controller;
  const offer = (worker) => {
    waiting = worker;
    onOffer();
  };
  const follow = (worker) => {
    if (!worker) return;
    const check = () => {
      // With nothing controlling the page this is the first install, not an update.
      if (worker.state === 'installed' && sw.controller) offer(worker);
    };
    check();
    worker.addEventListener('statechange', check);
  };
  sw.addEventListener('controllerchange', () => {
    if (userAsked) {
      location.reload();
    } else if (controlled) {
      // Another tab of this page let the new version in: this tab still runs the old code,
      // so offer the reload here too (a plain reload now loads the new version).
      waiting = null;
      onOffer();
    }
    controlled = true;
  });
  const base = document.baseURI;
  sw.register(new URL('sw.js', base).href, { scope: new URL('./', base).href, updateViaCache: 'none' })
    .then((reg) => {
      if (reg.waiting && sw.controller) offer(reg.waiting);
      follow(reg.installing);
      reg.addEventListener('updatefound', () => follow(reg.installing));
      // Browsers look for a new sw.js only when the page is loaded; a Monitor tab can stay
      // open for days, so look again now and then and when the tab comes back into view.
      const look = () => reg.update().catch(() => {}); // offline: nothing to look at
      setInterval(look, 60 * 60 * 1000);
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') look();
      });
    })
    .catch(() => {}); // no sw.js served (offline use turned off): the page works without it
}

/** The user asked for the new version: let the waiting worker take over, then reload. */
export function apply_update() {
  userAsked = true;
  if (waiting && waiting.state === 'installed') {
    waiting.postMessage('pipescope:activate'); // 'controllerchange' then reloads
  } else {
    location.reload();
  }
}
